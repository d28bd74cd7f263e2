"""What every posting rule shares: the header of a sales document, its parties, its tax."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import ROUND_CEILING, Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order
from qbwc_service.sync.exceptions import PlanningError
from qbwc_service.sync.names import ref_number
from qbwc_service.sync.parties import (
    CURRENCY_NAMES,
    PartyRef,
    clip,
    plan_customer,
    plan_item,
    qb_address,
)
from qbwc_service.sync.plan import CompanyFacts, PlanContext, PlannedRequest, cents
from qbwc_service.sync.posting.lines import build_lines, product_lines
from qbwc_service.sync.posting.tax import plan_tax_items, tax_item_key, tax_lines, tax_shares

__all__ = [
    "Parties",
    "account_exact_rate",
    "awaiting_txn_id",
    "base_currency_problem",
    "channel_class",
    "check_base_currency",
    "class_lines",
    "header",
    "hold_on_error",
    "home_exchange_rate",
    "parties",
    "rate_fits",
    "with_lines",
]


def awaiting_txn_id(key: str) -> str:
    """A stand-in for the TxnID the request ``key`` will get; its handler fills it in."""
    return f"@txn:{key}"


@dataclass(frozen=True)
class Parties:
    """The customer, items and sales tax items a document refers to, and their adds."""

    customer: PartyRef
    items: dict[str, PartyRef]
    tax_lines: list[dict[str, Any]]
    requests: list[PlannedRequest]
    depends_on_keys: tuple[str, ...]

    @property
    def item_names(self) -> dict[str, str]:
        return {sku: ref.name for sku, ref in self.items.items()}


def parties(document: Invoice | CreditMemo, order: Order, ctx: PlanContext,
            label: str) -> Parties:
    """Customer and items (mapped or planned as adds) and the per-rate tax lines."""
    customer = plan_customer(order, ctx)
    items: dict[str, PartyRef] = {}
    for line in product_lines(document.items, order, ctx, label):
        if line.sku not in items:
            items[line.sku] = plan_item(line, ctx)
    shares = tax_shares(document, order, ctx)
    tax_names, tax_requests = plan_tax_items(shares, ctx)
    planned = [ref.request for ref in (customer, *items.values()) if ref.request is not None]
    depends = tuple(ref.key for ref in (customer, *items.values()))
    depends += tuple(tax_item_key(share.code) for share in shares
                     if share.code not in ctx.config.tax.rate_items)
    return Parties(customer, items, tax_lines(shares, tax_names), planned + tax_requests,
                   tuple(dict.fromkeys(depends)))


def base_currency_problem(base: str | None, facts: CompanyFacts) -> str | None:
    """Why Magento's base currency cannot be booked in the company file: QuickBooks' home
    currency (as QuickBooks reported it, else the US edition's dollar) is another one.
    Both ``home`` and ``multicurrency`` posting book base amounts as home amounts."""
    home = facts.home_currency or ("US Dollar" if facts.country == "US" else None)
    if home and base and CURRENCY_NAMES.get(base, base) != home:
        return (f"Magento's base currency is {base} but QuickBooks' home currency is {home}; "
                "amounts would be booked in the wrong currency. Make them the same (Magento: "
                "Stores > Configuration > Currency Setup, base currency) before syncing.")
    return None


def check_base_currency(document: Invoice | CreditMemo, ctx: PlanContext, label: str) -> None:
    """Magento's base amounts are only QuickBooks' home amounts in the same currency."""
    problem = base_currency_problem(document.base_currency_code, ctx.facts)
    if problem:
        raise PlanningError(label, problem)


def home_exchange_rate(document: Invoice | CreditMemo) -> Decimal:
    """The rate that makes QuickBooks' own conversion of the foreign total equal Magento's
    base total to the cent: the shortest one, from six decimals up, that rounds right
    (1 / base_to_order_rate drifts by a cent or two)."""
    foreign, base = document.grand_total, cents(document.base_grand_total)
    fallback = (Decimal(1) / document.base_to_order_rate).quantize(Decimal("0.000001"))
    if not foreign:
        return fallback
    for places in range(6, 13):
        rate = (base / foreign).quantize(Decimal(1).scaleb(-places))
        if cents(foreign * rate) == base:
            return rate.normalize()
    return fallback


@dataclass(frozen=True)
class _Conversion:
    """A document's foreign lines split as QuickBooks converts them, and Magento's base
    figures they must come to."""

    foreign: Decimal
    taxed: tuple[Decimal, ...]
    other: tuple[Decimal, ...]
    base_total: Decimal
    base_tax: Decimal

    @classmethod
    def of(cls, document: Invoice | CreditMemo, lines: list[dict[str, Any]],
           tax_lines: list[dict[str, Any]]) -> _Conversion:
        tax_items = {line["ItemRef"]["FullName"] for line in tax_lines}
        amounts = [(Decimal(line.get("Amount") or 0),
                    line.get("ItemRef", {}).get("FullName") in tax_items) for line in lines]
        return cls(sum((amount for amount, _ in amounts), Decimal(0)),
                   tuple(amount for amount, taxed in amounts if taxed),
                   tuple(amount for amount, taxed in amounts if not taxed),
                   cents(document.base_grand_total), cents(document.base_tax_amount))

    def fits(self, rate: Decimal) -> bool:
        return (cents(self.foreign * rate) == self.base_total
                and sum((cents(amount * rate) for amount in self.taxed), Decimal(0))
                == self.base_tax
                and sum((cents(amount * rate) for amount in self.other), Decimal(0))
                == self.base_total - self.base_tax)


def rate_fits(document: Invoice | CreditMemo, lines: list[dict[str, Any]],
              tax_lines: list[dict[str, Any]], rate: Decimal) -> bool:
    """Whether QuickBooks' conversion at ``rate`` (the total as a whole, every line on its
    own, each rounded to the cent) gives Magento's base total, base tax on the tax lines
    and base net sales on the others."""
    return _Conversion.of(document, lines, tax_lines).fits(rate)


_RATE_CANDIDATES = 4000  # rates tried per precision: the search stays well under 10 ms


def account_exact_rate(document: Invoice | CreditMemo, lines: list[dict[str, Any]],
                       tax_lines: list[dict[str, Any]], fallback: Decimal | None = None
                       ) -> Decimal:
    """A rate at which QuickBooks' conversion gives Magento's base amounts account by account.

    QuickBooks converts the header (A/R or the deposit) as the total at the rate and every
    line on its own, rounded to the cent, so one rate that only fits the total can leave
    income and Sales Tax Payable a cent or two from Magento's base figures (the rounding
    lands in Exchange Gain or Loss). Among the rates that fit the total, this takes the
    shortest one that also makes the converted non-tax lines sum to Magento's base net and
    the converted tax lines to Magento's base tax; when no such rate exists within twelve
    decimals it falls back to the total's rate (:func:`home_exchange_rate`): QuickBooks
    books the rounding, at most half a cent a line, in Exchange Gain or Loss, and the
    currency rounding rule (:mod:`.rounding`) moves it to income and Sales Tax Payable with
    a journal entry sized from QuickBooks' read-back of what it posted.
    ``fallback`` is that rate when the caller already has it.
    """
    fallback = fallback if fallback is not None else home_exchange_rate(document)
    conversion = _Conversion.of(document, lines, tax_lines)
    foreign, base_total, fits = conversion.foreign, conversion.base_total, conversion.fits
    if not foreign:
        return fallback
    if fits(fallback):
        return fallback
    # The rates that fit the total lie in [low, high): QuickBooks rounds half up.
    low = (base_total - Decimal("0.005")) / foreign
    high = (base_total + Decimal("0.005")) / foreign
    low, high = min(low, high), max(low, high)
    for places in range(6, 13):
        step = Decimal(1).scaleb(-places)
        rate = (low / step).to_integral_value(rounding=ROUND_CEILING) * step
        for _ in range(_RATE_CANDIDATES):
            if rate >= high:
                break
            if rate > 0 and fits(rate):
                return rate.normalize()
            rate += step
    return fallback


def header(document: Invoice | CreditMemo, order: Order, ctx: PlanContext, entity: str,
           customer: PartyRef, title: str) -> tuple[dict[str, Any], list[str], str | None]:
    """Customer, class, date, RefNumber, addresses, memo; notes and hold reason."""
    magento_id = str(document.entity_id)
    check_base_currency(document, ctx, f"{title} {document.increment_id}")
    notes: list[str] = []
    local = ctx.local_date(document.created_at, document.store_id or order.store_id)
    txn_date, hold, moved = ctx.open_date(local)
    if moved:
        notes.append(moved)
    known = ctx.lookup.qb_name(entity, magento_id)
    ref = known or ref_number(document.increment_id, lambda candidate: ctx.lookup.name_owner(
        entity, candidate) not in (None, magento_id))
    ctx.lookup.claim(entity, magento_id, ref)
    if ref != document.increment_id:
        notes.append(f"RefNumber {ref} stands for {document.increment_id}")
    memo_parts = [f"Magento {title} {document.increment_id}, order {order.increment_id}"]
    if order.is_edited and order.original_increment_id:
        memo_parts.append(f"(edit of {order.original_increment_id})")
    memo_parts += notes
    context: dict[str, Any] = {"CustomerRef": {"FullName": customer.name}}
    class_name = ctx.config.class_for(order.store_id)
    channel = channel_class(order, ctx)
    if channel and ctx.config.channel.placement == "header":
        class_name = channel
    if class_name and ctx.facts.class_tracking_enabled:
        context["ClassRef"] = {"FullName": class_name}
    context["TxnDate"] = txn_date
    context["RefNumber"] = ref
    bill = qb_address(order.billing_address)
    ship = qb_address(order.shipping_address)
    if bill:
        context["BillAddress"] = bill
    if ship:
        context["ShipAddress"] = ship
    context["Memo"] = clip("; ".join(memo_parts), 4095)
    if ctx.multicurrency and document.base_to_order_rate not in (0, 1):
        # QuickBooks wants home-currency units per foreign unit; Magento gives the inverse.
        context["ExchangeRate"] = home_exchange_rate(document)
    return context, notes, hold


def channel_class(order: Order, ctx: PlanContext) -> str | None:
    """The class of the order's sales channel (``channel.attribute`` looked up in
    ``channel.classes``), so profit and loss by class shows each channel."""
    channel = ctx.config.channel
    if not channel.attribute:
        return None
    value: Any = order.raw
    for part in channel.attribute.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return channel.classes.get(str(value)) if value is not None else None


def class_lines(lines: list[dict[str, Any]], order: Order, ctx: PlanContext
                ) -> list[dict[str, Any]]:
    """Lines with the channel's ClassRef when classes go on lines (else unchanged)."""
    name = channel_class(order, ctx)
    if not name or ctx.config.channel.placement != "lines" \
            or not ctx.facts.class_tracking_enabled:
        return lines
    return [{**line, "ClassRef": {"FullName": name}} for line in lines]


def with_lines(context: dict[str, Any], document: Invoice | CreditMemo, order: Order,
               ctx: PlanContext, refs: Parties, label: str, line_tag: str,
               **extra: Any) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The transaction's context with its lines (checked against Magento's total: raises
    :class:`PlanningError`), the zero-rate header tax item, and the setup roles used."""
    built = build_lines(document, order, ctx, refs.item_names, label=label,
                        tax_lines=refs.tax_lines)
    result = dict(context)
    if built.lines:
        result["ItemSalesTaxRef"] = {"FullName": ctx.config.tax.zero_rate_tax_item}
    result.update(extra)
    result[line_tag] = class_lines(built.lines, order, ctx)
    if "ExchangeRate" in result:
        result["ExchangeRate"] = account_exact_rate(document, built.lines, list(refs.tax_lines),
                                                    fallback=result["ExchangeRate"])
    return result, built.roles


def hold_on_error(requests: list[PlannedRequest], main: PlannedRequest,
                  error: PlanningError) -> list[PlannedRequest]:
    return [*requests, replace(main, hold_reason=f"not posted: {error.message}")]
