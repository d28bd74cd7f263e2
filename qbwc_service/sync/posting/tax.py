"""Sales tax rule: Magento's tax, per rate, to QuickBooks' Sales Tax Payable.

Magento computes the tax; QuickBooks must neither recompute it nor book it as income.
Each Magento tax rate (``applied_taxes[].code``, e.g. ``US-CA-*-Rate 1``) becomes a
QuickBooks sales tax item (``ItemSalesTax``) owed to the configured tax agency, and the
transaction carries one line per rate on that item with Magento's own amount. A sales
tax item on a line posts its amount to the agency's liability (Sales Tax Payable), so
the sales tax liability report shows what Magento collected; the header names a
zero-rate sales tax item so QuickBooks adds nothing of its own.

Invoices and credit memos do not say which rate their tax belongs to; the order does,
per item and for shipping (``extension_attributes.item_applied_taxes``, magento-rest.md
§7). A document row's tax is split over its order item's rates in proportion to the
amounts Magento applied to that item, shipping tax over shipping's rates, and what is
left (rounding, or an order without a per-item breakdown) over the order's
``applied_taxes``. Every split is to the cent with the largest remainder, so the rate
lines always add up to the document's ``tax_amount``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order
from qbwc_service.sync.exceptions import SyncError
from qbwc_service.sync.names import item_name
from qbwc_service.sync.parties import clip
from qbwc_service.sync.plan import (
    CENT,
    CompanyFacts,
    PlanContext,
    PlannedRequest,
    Priority,
    cents,
    document_hash,
)

__all__ = ["TaxShare", "check_tax_edition", "plan_tax_items", "split_cents", "tax_item_key",
           "tax_shares"]

_ZERO = Decimal(0)


def check_tax_edition(facts: CompanyFacts) -> None:
    """Refuse a company file whose edition does not book sales tax the US way."""
    if facts.country and facts.country.upper() != "US":
        raise SyncError(
            f"QuickBooks reported a {facts.country} edition for {facts.name or 'this company'}; "
            "the sales tax mapping posts US sales tax items to Sales Tax Payable and does not "
            "yet map VAT/GST, so nothing is synced. Use a US company file, or wait for a "
            "VAT/GST mapping.")


@dataclass(frozen=True)
class TaxShare:
    """The tax one Magento rate contributes to a document, in the booking currency."""

    code: str
    title: str
    percent: Decimal
    amount: Decimal


@dataclass(frozen=True)
class _Rate:
    code: str
    title: str
    percent: Decimal
    weight: Decimal  # the amount Magento applied, to split in proportion


def split_cents(amount: Decimal, weights: Iterable[tuple[str, Decimal]]) -> dict[str, Decimal]:
    """``amount`` (whole cents) shared in proportion to ``weights``, largest remainder first;
    equal shares when every weight is zero. The parts add up to ``amount`` exactly."""
    pairs = [(key, abs(weight)) for key, weight in weights]
    if not pairs:
        return {}
    total_weight = sum((weight for _key, weight in pairs), _ZERO)
    if not total_weight:
        pairs = [(key, Decimal(1)) for key, _weight in pairs]
        total_weight = Decimal(len(pairs))
    sign = Decimal(-1) if amount < 0 else Decimal(1)
    units = int(abs(amount) / CENT)
    exact = [(key, Decimal(units) * weight / total_weight) for key, weight in pairs]
    floors = {key: int(share.to_integral_value(rounding=ROUND_DOWN)) for key, share in exact}
    left = units - sum(floors.values())
    by_remainder = sorted(exact, key=lambda pair: pair[1] - floors[pair[0]], reverse=True)
    for key, _share in by_remainder[:left]:
        floors[key] += 1
    result: dict[str, Decimal] = {}
    for key, _weight in pairs:
        result[key] = result.get(key, _ZERO) + sign * Decimal(floors[key]) * CENT
    return result


def _rate(raw: Mapping[str, Any], multicurrency: bool) -> _Rate:
    amount = raw.get("amount" if multicurrency else "base_amount", raw.get("amount"))
    return _Rate(code=str(raw.get("code") or raw.get("title") or ""),
                 title=str(raw.get("title") or raw.get("code") or ""),
                 percent=Decimal(str(raw.get("percent") or 0)),
                 weight=Decimal(str(amount or 0)))


def _order_taxes(order: Order, multicurrency: bool
                 ) -> tuple[list[_Rate], dict[int | str, list[_Rate]]]:
    """(order-level rates, rates per order item id and for ``"shipping"``)."""
    extension = order.raw.get("extension_attributes") or {}
    overall = [_rate(raw, multicurrency) for raw in extension.get("applied_taxes") or []
               if isinstance(raw, Mapping)]
    per_item: dict[int | str, list[_Rate]] = {}
    for entry in extension.get("item_applied_taxes") or []:
        if not isinstance(entry, Mapping):
            continue
        rates = [_rate(raw, multicurrency) for raw in entry.get("applied_taxes") or []
                 if isinstance(raw, Mapping)]
        if entry.get("type") == "shipping":
            per_item["shipping"] = rates
        elif entry.get("item_id") is not None:
            per_item[int(entry["item_id"])] = rates
    return [rate for rate in overall if rate.code], per_item


def tax_shares(document: Invoice | CreditMemo, order: Order, ctx: PlanContext) -> list[TaxShare]:
    """The document's ``tax_amount`` per Magento rate, in the order rates first appear."""
    multicurrency = ctx.multicurrency
    total = cents(getattr(document, "tax_amount" if multicurrency else "base_tax_amount"))
    if not total:
        return []
    overall, per_item = _order_taxes(order, multicurrency)
    known: dict[str, _Rate] = {}
    amounts: dict[str, Decimal] = {}

    def add(amount: Decimal, rates: list[_Rate]) -> Decimal:
        rates = [rate for rate in rates if rate.code]
        if not amount or not rates:
            return _ZERO
        for rate in rates:
            known.setdefault(rate.code, rate)
        weights = [(rate.code, rate.weight or rate.percent) for rate in rates]
        for code, part in split_cents(amount, weights).items():
            amounts[code] = amounts.get(code, _ZERO) + part
        return amount

    assigned = _ZERO
    for row in document.items:
        row_tax = cents(getattr(row, "tax_amount" if multicurrency else "base_tax_amount"))
        assigned += add(row_tax, per_item.get(row.order_item_id, []))
    shipping_tax = cents(getattr(document, "shipping_tax_amount" if multicurrency
                                 else "base_shipping_tax_amount"))
    assigned += add(shipping_tax, per_item.get("shipping", []))
    rest = total - assigned
    if rest and not add(rest, overall):
        default = ctx.config.tax.default_rate_code
        add(rest, [_Rate(default, default, _ZERO, Decimal(1))])
    return [TaxShare(code, known[code].title, known[code].percent, amount)
            for code, amount in amounts.items() if amount]


def _mapping_id(code: str) -> str:
    # Mapping.magento_id and Request.magento_id hold 64 characters; Magento codes 255.
    ident = f"@tax:{code}"
    if len(ident) <= 64:
        return ident
    return "@tax:#" + hashlib.sha256(code.encode()).hexdigest()[:40]


def tax_item_key(code: str) -> str:
    return "tax-item:" + _mapping_id(code).removeprefix("@tax:")


def _taken_by_other(ctx: PlanContext, magento_id: str) -> Callable[[str], bool]:
    return lambda candidate: ctx.lookup.name_owner("item", candidate) not in (None, magento_id)


def plan_tax_items(shares: Iterable[TaxShare], ctx: PlanContext
                   ) -> tuple[dict[str, str], list[PlannedRequest]]:
    """(QuickBooks sales tax item name per rate code, ``ItemSalesTaxAdd`` for new ones).

    A rate mapped in ``tax.rate_items`` uses that existing item; otherwise one item per
    rate code, created on first use and owed to ``tax.agency``.
    """
    names: dict[str, str] = {}
    requests: list[PlannedRequest] = []
    tax = ctx.config.tax
    for share in shares:
        if share.code in names:
            continue
        mapped = tax.rate_items.get(share.code)
        if mapped:
            names[share.code] = mapped
            continue
        magento_id = _mapping_id(share.code)
        known = ctx.lookup.qb_name("item", magento_id)
        if known:
            names[share.code] = known
            continue
        name = item_name(share.code, _taken_by_other(ctx, magento_id))
        ctx.lookup.claim("item", magento_id, name)
        names[share.code] = name
        context: dict[str, Any] = {
            "Name": name,
            "ItemDesc": clip(f"{share.title} ({share.code}) collected by Magento", 4095),
            "TaxRate": share.percent.quantize(Decimal("0.00001")).normalize()
            if share.percent else Decimal(0),
        }
        if tax.agency:
            context["TaxVendorRef"] = {"FullName": tax.agency}
        requests.append(PlannedRequest(
            operation="ItemSalesTaxAdd", key=tax_item_key(share.code), context=context,
            entity_type="item", magento_id=magento_id, magento_ref=share.code[:64],
            document_hash=document_hash(context), priority=Priority.LIST,
        ))
    return names, requests


def tax_lines(shares: Iterable[TaxShare], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """One line per rate on its sales tax item, carrying Magento's amount."""
    lines: list[dict[str, Any]] = []
    for share in shares:
        percent = f" {share.percent.normalize():f}%" if share.percent else ""
        lines.append({"ItemRef": {"FullName": names[share.code]},
                      "Desc": clip(f"{share.title}{percent}", 4095),
                      "Amount": cents(share.amount)})
    return lines
