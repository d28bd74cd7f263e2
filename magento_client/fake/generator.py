"""Seeded orders, invoices and credit memos, consistent to the cent in both currencies.

Conventions (Magento's): order subtotal = sum of the line rows (see
:mod:`magento_client.order_item_tree`); a dynamic-bundle parent carries the sums of its
children; configurable children and fixed-bundle components carry zero. Each currency is
computed on its own from unit prices converted once, as Magento does, so each side adds
up exactly. Shipping goes on the first invoice only.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from magento_client.documents import format_datetime
from magento_client.fake.catalog import CatalogProduct, StoreSpec, address_json
from magento_client.fake.money import LINE_FIELDS, ZERO, cents, price_line, zero_line

__all__ = ["CURRENCY_PREFIXES", "OrderDraft", "applied_taxes", "build_order", "line_item_ids",
           "order_totals"]

CURRENCY_PREFIXES = ("", "base_")
_COUPONS = (("SAVE10", "10% off everything", Decimal("0.10")),
            ("WELCOME15", "Welcome 15%", Decimal("0.15")))
_PAYMENTS = (("checkmo", "Check / Money order"), ("banktransfer", "Bank Transfer Payment"),
             ("braintree", "Credit Card (Braintree)"), ("cashondelivery", "Cash On Delivery"))


@dataclass
class OrderDraft:
    """What to put in one order; the generator turns it into a Magento order document."""

    entity_id: int
    increment_id: str
    store: StoreSpec
    created_at: datetime
    entries: list[tuple[CatalogProduct, int]]
    customer: dict[str, Any] | None
    coupon: tuple[str, str, Decimal] | None
    tax_rate: Decimal
    payment_method: tuple[str, str]
    shipping_base: Decimal
    shipping_discount: Decimal = ZERO  # share of shipping a coupon takes off (tax-exclusive stores)


def _amounts(product_price: Decimal, qty: int, store: StoreSpec, tax_rate: Decimal,
             discount: Decimal) -> dict[str, Decimal]:
    """Both currencies: order currency from the unit price converted once, then priced."""
    result: dict[str, Decimal] = {}
    order_price = cents(product_price * store.base_to_order_rate)
    for prefix, unit in (("", order_price), ("base_", product_price)):
        for name, value in price_line(unit, qty, tax_rate, discount,
                                      inclusive=store.tax_inclusive).items():
            result[prefix + name] = value
    return result


def _zero_amounts(product_price: Decimal, store: StoreSpec) -> dict[str, Decimal]:
    result: dict[str, Decimal] = {}
    for prefix, unit in (("", cents(product_price * store.base_to_order_rate)),
                         ("base_", product_price)):
        for name, value in zero_line(unit).items():
            result[prefix + name] = value
    return result


def _sum_amounts(rows: list[dict[str, Any]], qty: int) -> dict[str, Decimal]:
    """A dynamic bundle parent: sums of its children; unit prices per bundle."""
    result: dict[str, Decimal] = {}
    for prefix in CURRENCY_PREFIXES:
        for name in LINE_FIELDS:
            result[prefix + name] = sum((row[prefix + name] for row in rows), ZERO)
        for name in ("price", "price_incl_tax", "original_price"):
            result[prefix + name] = cents(
                sum((row[prefix + name] * row["qty_ordered"] for row in rows), ZERO) / qty)
    return result


class _Rows:
    """Builds ``items[]`` rows with sequential ids, remembering which rows are lines."""

    def __init__(self, draft: OrderDraft, next_item_id: int) -> None:
        self.draft = draft
        self.next_id = next_item_id
        self.rows: list[dict[str, Any]] = []

    def add(self, product: CatalogProduct, qty: int, amounts: dict[str, Decimal], *,
            product_type: str | None = None, sku: str | None = None, name: str | None = None,
            parent: dict[str, Any] | None = None, tax_percent: Decimal | None = None,
            discount_percent: Decimal = ZERO) -> dict[str, Any]:
        moment = format_datetime(self.draft.created_at)
        row: dict[str, Any] = {
            "amount_refunded": ZERO, "base_amount_refunded": ZERO,
            "base_discount_invoiced": ZERO, "base_row_invoiced": ZERO,
            "base_tax_invoiced": ZERO, "created_at": moment, "discount_invoiced": ZERO,
            "discount_percent": discount_percent * 100, "free_shipping": 0,
            "is_qty_decimal": 0, "is_virtual": 1 if product.is_virtual else 0,
            "item_id": self.next_id, "name": name or product.name, "no_discount": 0,
            "order_id": self.draft.entity_id, "product_id": product.id,
            "product_type": product_type or product.type_id, "qty_canceled": 0,
            "qty_invoiced": 0, "qty_ordered": qty, "qty_refunded": 0, "qty_shipped": 0,
            "quote_item_id": self.next_id + 1000, "row_invoiced": ZERO,
            "row_weight": product.weight * qty, "sku": sku or product.sku,
            "store_id": self.draft.store.store_id, "tax_invoiced": ZERO,
            "updated_at": moment, "weight": product.weight, **amounts,
        }
        if tax_percent is not None:
            row["tax_percent"] = tax_percent
        if product.cost is not None:
            row["base_cost"] = product.cost
        if self.draft.coupon and parent is None:
            row["applied_rule_ids"] = "1"
        if parent is not None:
            row["parent_item_id"] = parent["item_id"]
        self.next_id += 1
        self.rows.append(row)
        return row


def _entry_rows(rows: _Rows, product: CatalogProduct, qty: int, rng: random.Random) -> list[int]:
    """Rows for one cart entry; returns the item ids of the line rows."""
    draft = rows.draft
    store, rate = draft.store, draft.tax_rate
    discount = draft.coupon[2] if draft.coupon else ZERO
    percent = rate * 100
    if product.type_id == "configurable":
        variant = rng.choice(product.components)[0]
        parent = rows.add(product, qty, _amounts(variant.price, qty, store, rate, discount),
                          sku=variant.sku, tax_percent=percent, discount_percent=discount)
        rows.add(variant, qty, _zero_amounts(variant.price, store), product_type="simple",
                 parent=parent, tax_percent=ZERO)
        return [parent["item_id"]]
    if product.type_id == "bundle" and product.bundle_price_type == "dynamic":
        parent = rows.add(product, qty, {})
        children = [
            rows.add(component, qty * per_bundle,
                     _amounts(component.price, qty * per_bundle, store, rate, discount),
                     product_type="simple", parent=parent, tax_percent=percent,
                     discount_percent=discount)
            for component, per_bundle in product.components
        ]
        parent.update(_sum_amounts(children, qty))
        return [child["item_id"] for child in children]
    if product.type_id == "bundle":
        parent = rows.add(product, qty, _amounts(product.price, qty, store, rate, discount),
                          tax_percent=percent, discount_percent=discount)
        for component, per_bundle in product.components:
            rows.add(component, qty * per_bundle, _zero_amounts(ZERO, store),
                     product_type="simple", parent=parent, tax_percent=ZERO)
        return [parent["item_id"]]
    row = rows.add(product, qty, _amounts(product.price, qty, store, rate, discount),
                   tax_percent=percent, discount_percent=discount)
    return [row["item_id"]]


def _shipping(draft: OrderDraft, is_virtual: bool) -> dict[str, Decimal]:
    result: dict[str, Decimal] = {}
    store = draft.store
    for prefix, base_amount in (("", cents(draft.shipping_base * store.base_to_order_rate)),
                                ("base_", draft.shipping_base)):
        amount = ZERO if is_virtual else base_amount
        discount = ZERO
        if store.tax_inclusive:
            net = cents(amount / (1 + draft.tax_rate))
            tax = amount - net
        else:
            # Magento taxes shipping after its discount (tax after discount, the default).
            discount = cents(amount * draft.shipping_discount)
            net, tax = amount, cents((amount - discount) * draft.tax_rate)
        result[prefix + "shipping_discount_amount"] = discount
        result[prefix + "shipping_amount"] = net
        result[prefix + "shipping_tax_amount"] = tax
        result[prefix + "shipping_incl_tax"] = net + tax
    return result


def line_item_ids(order: dict[str, Any]) -> list[int]:
    return list(order["_line_item_ids"])


def order_totals(rows: list[dict[str, Any]], line_ids: list[int],
                 shipping: dict[str, Decimal]) -> dict[str, Decimal]:
    """Header totals from line rows and shipping, in both currencies."""
    lines = [row for row in rows if row["item_id"] in line_ids]
    totals: dict[str, Decimal] = {}
    for p in CURRENCY_PREFIXES:
        subtotal = sum((r[p + "row_total"] for r in lines), ZERO)
        tax = sum((r[p + "tax_amount"] for r in lines), ZERO) + shipping[p + "shipping_tax_amount"]
        discount = -sum((r[p + "discount_amount"] for r in lines), ZERO) \
            - shipping[p + "shipping_discount_amount"]
        hidden = sum((r[p + "discount_tax_compensation_amount"] for r in lines), ZERO)
        totals.update({
            p + "subtotal": subtotal,
            p + "subtotal_incl_tax": sum((r[p + "row_total_incl_tax"] for r in lines), ZERO),
            p + "tax_amount": tax,
            p + "discount_amount": discount,
            p + "discount_tax_compensation_amount": hidden,
            p + "shipping_discount_amount": shipping[p + "shipping_discount_amount"],
            # Magento's column name is truncated on the base side (MySQL identifier limit).
            ("base_shipping_discount_tax_compensation_amnt" if p else
             "shipping_discount_tax_compensation_amount"): ZERO,
            p + "grand_total": subtotal + shipping[p + "shipping_amount"] + tax + hidden + discount,
        })
    return totals


def build_order(draft: OrderDraft, next_item_id: int, rng: random.Random) -> dict[str, Any]:
    """One order document (``_``-prefixed keys are private bookkeeping, never served)."""
    rows = _Rows(draft, next_item_id)
    line_ids: list[int] = []
    for product, qty in draft.entries:
        line_ids += _entry_rows(rows, product, qty, rng)
    is_virtual = all(product.is_virtual for product, _ in draft.entries)
    shipping = _shipping(draft, is_virtual)
    totals = order_totals(rows.rows, line_ids, shipping)
    store = draft.store
    customer = draft.customer
    if customer is not None:
        first, last, email = customer["firstname"], customer["lastname"], customer["email"]
    else:
        first, last = rng.choice((("Guest", "Shopper"), ("Zoë", "Ångström"), ("陈", "伟")))
        email = f"guest{draft.entity_id}@example.net"
    billing = address_json(rng, first, last, email)
    moment = format_datetime(draft.created_at)
    method, title = draft.payment_method
    order: dict[str, Any] = {
        "applied_rule_ids": "1" if draft.coupon else None,
        "base_currency_code": store.base_currency, "base_to_global_rate": 1,
        "base_to_order_rate": store.base_to_order_rate, "base_total_due": totals["base_grand_total"],
        "base_total_paid": ZERO, "base_total_invoiced": ZERO, "base_total_refunded": ZERO,
        "billing_address_id": draft.entity_id * 2, "created_at": moment,
        "customer_email": email, "customer_firstname": first, "customer_lastname": last,
        "customer_group_id": customer["group_id"] if customer else 0,
        "customer_id": customer["id"] if customer else None,
        "customer_is_guest": 0 if customer else 1, "customer_note_notify": 1,
        "email_sent": 1, "entity_id": draft.entity_id, "global_currency_code": store.base_currency,
        "increment_id": draft.increment_id, "is_virtual": 1 if is_virtual else 0,
        "order_currency_code": store.order_currency,
        "protect_code": f"{rng.getrandbits(24):06x}", "quote_id": draft.entity_id + 500,
        "shipping_description": None if is_virtual else "Best Way - Table Rate",
        "state": "new", "status": "pending", "store_currency_code": store.base_currency,
        "store_id": store.store_id,
        "store_name": f"Main Website\nMain Website Store\n{store.name}",
        "store_to_base_rate": 0, "store_to_order_rate": 0,
        "total_due": totals["grand_total"], "total_invoiced": ZERO, "total_paid": ZERO,
        "total_refunded": ZERO, "total_item_count": len(rows.rows),
        "total_qty_ordered": sum((Decimal(r["qty_ordered"]) for r in rows.rows
                                  if "parent_item_id" not in r), ZERO),
        "updated_at": moment, "weight": sum((r["row_weight"] for r in rows.rows), ZERO),
        **totals, **shipping,
        "items": rows.rows,
        "billing_address": {**billing, "address_type": "billing", "entity_id": draft.entity_id * 2,
                            "parent_id": draft.entity_id},
        "payment": {
            "account_status": None, "additional_information": [title, ""],
            "amount_ordered": totals["grand_total"], "base_amount_ordered": totals["base_grand_total"],
            "base_shipping_amount": shipping["base_shipping_amount"], "cc_last4": None,
            "entity_id": draft.entity_id, "method": method, "parent_id": draft.entity_id,
            "shipping_amount": shipping["shipping_amount"],
        },
        "status_histories": [],
        "extension_attributes": {"shipping_assignments": [_assignment(draft, billing, shipping,
                                                                      is_virtual)]},
        "_line_item_ids": line_ids,
    }
    if draft.coupon:
        order["coupon_code"], order["discount_description"] = draft.coupon[0], draft.coupon[1]
    if method == "braintree":
        order["payment"]["last_trans_id"] = f"bt{draft.entity_id:08d}"
        order["payment"]["cc_last4"] = "1111"
        order["payment"]["cc_type"] = "VI"
    if totals["tax_amount"]:
        order["extension_attributes"].update(applied_taxes(draft, rows.rows, line_ids, shipping))
    if order["applied_rule_ids"] is None:
        del order["applied_rule_ids"]
    return order


# Jurisdictions a rate is made of, as Magento's tax rules stack them (state + city):
# several rates on one order, each with its own amount.
_RATE_PARTS: dict[Decimal, tuple[tuple[str, str, Decimal], ...]] = {
    Decimal("0.0825"): (("US-TX-*-State", "Texas State", Decimal("0.0625")),
                        ("US-TX-Austin-City", "Austin City", Decimal("0.02"))),
}


def _split_rate(rate: Decimal, tax: dict[str, Decimal]) -> list[dict[str, Any]]:
    """One applied tax per jurisdiction; each amount rounded, the last takes the rest."""
    parts = _RATE_PARTS.get(rate) or ((f"TAX-{rate * 100:.2f}", "Sales Tax", rate),)
    applied: list[dict[str, Any]] = []
    for index, (code, title, part) in enumerate(parts):
        entry: dict[str, Any] = {"code": code, "title": title, "percent": part * 100}
        for key in ("amount", "base_amount"):
            if index == len(parts) - 1:
                entry[key] = tax[key] - sum((a[key] for a in applied), ZERO)
            else:
                entry[key] = cents(tax[key] * part / rate)
        applied.append(entry)
    return applied


def applied_taxes(draft: OrderDraft, rows: list[dict[str, Any]], line_ids: list[int],
                  shipping: dict[str, Decimal]) -> dict[str, Any]:
    """``applied_taxes`` per rate and ``item_applied_taxes`` per row and for shipping."""
    per_item: list[dict[str, Any]] = []
    overall: dict[str, dict[str, Any]] = {}

    def add(kind: str, item_id: int | None, tax: dict[str, Decimal]) -> None:
        if not tax["base_amount"] and not tax["amount"]:
            return
        applied = _split_rate(draft.tax_rate, tax)
        per_item.append({"type": kind, "item_id": item_id, "associated_item_id": None,
                         "applied_taxes": applied})
        for entry in applied:
            total = overall.setdefault(entry["code"], {**entry, "amount": ZERO,
                                                       "base_amount": ZERO})
            total["amount"] += entry["amount"]
            total["base_amount"] += entry["base_amount"]

    for row in rows:
        if row["item_id"] in line_ids:
            add("product", row["item_id"], {"amount": row["tax_amount"],
                                            "base_amount": row["base_tax_amount"]})
    add("shipping", None, {"amount": shipping["shipping_tax_amount"],
                           "base_amount": shipping["base_shipping_tax_amount"]})
    return {"applied_taxes": list(overall.values()), "item_applied_taxes": per_item}


def _assignment(draft: OrderDraft, billing: dict[str, Any], shipping: dict[str, Decimal],
                is_virtual: bool) -> dict[str, Any]:
    total = {**shipping, "shipping_discount_tax_compensation_amount": ZERO}
    if is_virtual:
        # Virtual orders have no shipping address; only the totals block remains.
        return {"shipping": {"total": total}, "items": []}
    address = {**billing, "address_type": "shipping", "entity_id": draft.entity_id * 2 - 1,
               "parent_id": draft.entity_id}
    return {"shipping": {"address": address, "method": "tablerate_bestway", "total": total},
            "items": []}


def next_created_at(start: datetime, index: int, rng: random.Random) -> datetime:
    return start + timedelta(minutes=7 * index, seconds=rng.randint(0, 59))
