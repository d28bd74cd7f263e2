"""Invoices and credit memos cut from an order, and the order bookkeeping they cause.

Quantities are chosen per top-level entry (``units_by_top``); child rows follow in
proportion. Each line's amounts are pro-rated, the last share taking the rounding
remainder, so the invoices (or credit memos) of an order add up to the order exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from magento_client.documents import format_datetime
from magento_client.fake.generator import CURRENCY_PREFIXES
from magento_client.fake.money import LINE_FIELDS, ZERO, cents, prorate

__all__ = ["make_credit_memo", "make_invoice", "pay_invoice", "ship_invoiced"]

_COPIED = ("price", "base_price", "price_incl_tax", "base_price_incl_tax")


def _families(order: Mapping[str, Any]) -> tuple[dict[int, dict[str, Any]], dict[int, list[dict[str, Any]]]]:
    rows = {row["item_id"]: row for row in order["items"]}
    children: dict[int, list[dict[str, Any]]] = {}
    for row in order["items"]:
        if "parent_item_id" in row:
            children.setdefault(row["parent_item_id"], []).append(row)
    return rows, children


def _already(documents: list[dict[str, Any]], item_id: int) -> dict[str, Decimal]:
    totals = {p + f: ZERO for p in CURRENCY_PREFIXES for f in LINE_FIELDS}
    for document in documents:
        for item in document["items"]:
            if item["order_item_id"] == item_id and "row_total" in item:
                for key in totals:
                    totals[key] += item.get(key, ZERO)
    return totals


def _rows_for(order: dict[str, Any], units_by_top: Mapping[int, int], prior: list[dict[str, Any]],
              done_key: str, parent_id: int, extra: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Document rows for the chosen units; updates the order rows' ``done_key`` quantity."""
    rows, children = _families(order)
    lines = set(order["_line_item_ids"])
    items: list[dict[str, Any]] = []
    for top_id, units in units_by_top.items():
        top = rows[top_id]
        for row in [top, *children.get(top_id, [])]:
            qty = Decimal(units) * Decimal(row["qty_ordered"]) / Decimal(top["qty_ordered"])
            item: dict[str, Any] = {
                "entity_id": parent_id * 100 + len(items) + 1, "parent_id": parent_id,
                "order_item_id": row["item_id"], "product_id": row["product_id"],
                "sku": row["sku"], "name": row["name"], "qty": qty,
                **{key: row[key] for key in _COPIED}, **extra,
            }
            if row["item_id"] in lines:
                already = _already(prior, row["item_id"])
                remaining = Decimal(row["qty_ordered"]) - Decimal(row[done_key])
                for key in already:
                    item[key] = prorate(row[key], already[key], qty, remaining,
                                        Decimal(row["qty_ordered"]))
            row[done_key] = Decimal(row[done_key]) + qty
            items.append(item)
    return items


def _totals(items: list[dict[str, Any]], shipping: Mapping[str, Decimal]) -> dict[str, Any]:
    priced = [item for item in items if "row_total" in item]
    totals: dict[str, Any] = {}
    for p in CURRENCY_PREFIXES:
        subtotal = sum((i[p + "row_total"] for i in priced), ZERO)
        tax = sum((i[p + "tax_amount"] for i in priced), ZERO) + shipping[p + "shipping_tax_amount"]
        hidden = sum((i[p + "discount_tax_compensation_amount"] for i in priced), ZERO)
        # Magento's document discount includes what the coupon took off shipping.
        discount = -sum((i[p + "discount_amount"] for i in priced), ZERO) \
            - shipping[p + "shipping_discount_amount"]
        totals.update({
            p + "subtotal": subtotal,
            p + "subtotal_incl_tax": sum((i[p + "row_total_incl_tax"] for i in priced), ZERO),
            p + "tax_amount": tax,
            p + "discount_tax_compensation_amount": hidden,
            p + "discount_amount": discount,
            p + "shipping_amount": shipping[p + "shipping_amount"],
            p + "shipping_tax_amount": shipping[p + "shipping_tax_amount"],
            p + "shipping_incl_tax": shipping[p + "shipping_amount"] + shipping[p + "shipping_tax_amount"],
            p + "grand_total": subtotal + shipping[p + "shipping_amount"] + tax + hidden + discount,
        })
    return totals


def _header(order: Mapping[str, Any], entity_id: int, increment_id: str, created_at: datetime,
            state: int) -> dict[str, Any]:
    moment = format_datetime(created_at)
    return {
        "base_currency_code": order["base_currency_code"],
        "base_to_global_rate": 1, "base_to_order_rate": order["base_to_order_rate"],
        "billing_address_id": order["billing_address_id"], "created_at": moment,
        "email_sent": 1, "entity_id": entity_id,
        "global_currency_code": order["global_currency_code"], "increment_id": increment_id,
        "order_currency_code": order["order_currency_code"], "order_id": order["entity_id"],
        "state": state, "store_currency_code": order["store_currency_code"],
        "store_id": order["store_id"], "store_to_base_rate": 0, "store_to_order_rate": 0,
        "updated_at": moment,
    }


def _shipping_share(order: Mapping[str, Any], include: bool) -> dict[str, Decimal]:
    return {p + key: (order[p + key] if include else ZERO)
            for p in CURRENCY_PREFIXES
            for key in ("shipping_amount", "shipping_tax_amount", "shipping_discount_amount")}


def _add(order: dict[str, Any], key: str, value: Decimal) -> None:
    order[key] = order.get(key, ZERO) + value


def _add_to_rows(order: dict[str, Any], items: list[dict[str, Any]], row_total: str,
                 tax: str, discount: str) -> None:
    """Add each priced line of an invoice or credit memo to its order row's running
    ``row_total``, ``tax`` and ``discount`` fields, in both currencies."""
    for item in items:
        row = next(r for r in order["items"] if r["item_id"] == item["order_item_id"])
        if "row_total" in item:
            for p in CURRENCY_PREFIXES:
                _add(row, p + row_total, item[p + "row_total"])
                _add(row, p + tax, item[p + "tax_amount"])
                _add(row, p + discount, item[p + "discount_amount"])


def make_invoice(order: dict[str, Any], units_by_top: Mapping[int, int], *, entity_id: int,
                 increment_id: str, created_at: datetime, prior: list[dict[str, Any]],
                 paid: bool = True) -> dict[str, Any]:
    """Invoice ``units_by_top`` and update the order; shipping only on its first invoice."""
    first = not prior
    items = _rows_for(order, units_by_top, prior, "qty_invoiced", entity_id, {})
    totals = _totals(items, _shipping_share(order, first))
    invoice = {**_header(order, entity_id, increment_id, created_at, 2 if paid else 1),
               "can_void_flag": 0, **totals,
               "shipping_address_id": order["billing_address_id"] - 1,
               "total_qty": sum((i["qty"] for i in items), ZERO), "items": items}
    if order["payment"].get("last_trans_id"):
        invoice["transaction_id"] = order["payment"]["last_trans_id"]
    for p in CURRENCY_PREFIXES:
        _add(order, p + "total_invoiced", totals[p + "grand_total"])
        _add(order, p + "subtotal_invoiced", totals[p + "subtotal"])
        _add(order, p + "tax_invoiced", totals[p + "tax_amount"])
        _add(order, p + "shipping_invoiced", totals[p + "shipping_amount"])
        _add(order, p + "discount_invoiced", totals[p + "discount_amount"])
        if paid:
            _add(order, p + "total_paid", totals[p + "grand_total"])
            _add(order["payment"], p + "amount_paid", totals[p + "grand_total"])
        order[p + "total_due"] = order[p + "grand_total"] - order.get(p + "total_paid", ZERO)
    _add_to_rows(order, items, "row_invoiced", "tax_invoiced", "discount_invoiced")
    order["state"] = order["status"] = "processing"
    order["updated_at"] = invoice["updated_at"]
    return invoice


def make_credit_memo(order: dict[str, Any], units_by_top: Mapping[int, int], *, entity_id: int,
                     increment_id: str, created_at: datetime, prior: list[dict[str, Any]],
                     refund_shipping: bool, adjustment_positive: Decimal,
                     adjustment_negative: Decimal, invoice_id: int | None,
                     back_to_stock: bool = False) -> dict[str, Any]:
    """Refund ``units_by_top`` (plus optional shipping and base-currency adjustments)."""
    items = _rows_for(order, units_by_top, prior, "qty_refunded", entity_id, {"base_cost": 0})
    totals = _totals(items, _shipping_share(order, refund_shipping))
    rate = Decimal(order["base_to_order_rate"])
    adjustments = {
        "adjustment_positive": cents(adjustment_positive * rate),
        "base_adjustment_positive": adjustment_positive,
        "adjustment_negative": cents(adjustment_negative * rate),
        "base_adjustment_negative": adjustment_negative,
    }
    for p in CURRENCY_PREFIXES:
        net = adjustments[p + "adjustment_positive"] - adjustments[p + "adjustment_negative"]
        adjustments[p + "adjustment"] = net
        totals[p + "grand_total"] += net
    memo = {**_header(order, entity_id, increment_id, created_at, 2), **totals, **adjustments,
            "creditmemo_status": 2, "items": items}
    if invoice_id is not None:
        memo["invoice_id"] = invoice_id
        if order["payment"].get("last_trans_id"):
            # Refunded online through the gateway: Magento keeps the refund transaction.
            memo["transaction_id"] = f"{order['payment']['last_trans_id']}-refund-{entity_id}"
    for item in items:
        # Magento's "Return to Stock" choice per refunded row; core REST does not return
        # it, so the fake serves it as the item extension attribute a small module adds.
        item["extension_attributes"] = {"back_to_stock": back_to_stock}
    for p in CURRENCY_PREFIXES:
        _add(order, p + "total_refunded", totals[p + "grand_total"])
        _add(order, p + ("total_online_refunded" if invoice_id else "total_offline_refunded"),
             totals[p + "grand_total"])
        _add(order, p + "subtotal_refunded", totals[p + "subtotal"])
        _add(order, p + "tax_refunded", totals[p + "tax_amount"])
        _add(order, p + "shipping_refunded", totals[p + "shipping_amount"])
        _add(order, p + "discount_refunded", totals[p + "discount_amount"])
        _add(order, p + "adjustment_positive", adjustments[p + "adjustment_positive"])
        _add(order, p + "adjustment_negative", adjustments[p + "adjustment_negative"])
        _add(order["payment"], p + "amount_refunded", totals[p + "grand_total"])
    _add_to_rows(order, items, "amount_refunded", "tax_refunded", "discount_refunded")
    if all(Decimal(r["qty_refunded"]) >= Decimal(r["qty_ordered"]) for r in order["items"]):
        order["state"] = order["status"] = "closed"
    order["updated_at"] = memo["updated_at"]
    return memo


def pay_invoice(order: dict[str, Any], invoice: dict[str, Any], when: datetime) -> None:
    """Capture an open invoice later (Magento moves it from open to paid and saves it)."""
    if invoice["state"] == 2:
        return
    invoice["state"] = 2
    invoice["updated_at"] = format_datetime(when)
    for p in CURRENCY_PREFIXES:
        _add(order, p + "total_paid", invoice[p + "grand_total"])
        _add(order["payment"], p + "amount_paid", invoice[p + "grand_total"])
        order[p + "total_due"] = order[p + "grand_total"] - order[p + "total_paid"]
    order["updated_at"] = invoice["updated_at"]


def ship_invoiced(order: dict[str, Any], when: datetime, *, entity_id: int,
                  increment_id: str, source_code: str,
                  tops: set[int] | None = None) -> dict[str, Any] | None:
    """Ship the invoiced units not shipped yet (of the cart entries ``tops``, else all)
    from ``source_code``: the shipment document, None when nothing is left to ship.
    Magento deducts the units from that source; the caller lowers its quantity."""
    items: list[dict[str, Any]] = []
    for row in order["items"]:
        top = row.get("parent_item_id", row["item_id"])
        if row.get("is_virtual") or (tops is not None and top not in tops):
            continue
        units = Decimal(row["qty_invoiced"]) - Decimal(row["qty_shipped"])
        if units <= 0:
            continue
        row["qty_shipped"] = Decimal(row["qty_invoiced"])
        items.append({"entity_id": entity_id * 100 + len(items) + 1, "parent_id": entity_id,
                      "order_item_id": row["item_id"], "product_id": row["product_id"],
                      "sku": row["sku"], "name": row["name"], "qty": units,
                      "price": row["price"], "weight": row.get("weight", ZERO)})
    if not items:
        return None
    moment = format_datetime(when)
    order["updated_at"] = moment
    return {"entity_id": entity_id, "increment_id": increment_id,
            "order_id": order["entity_id"], "store_id": order["store_id"],
            "customer_id": order.get("customer_id"),
            "billing_address_id": order["billing_address_id"],
            "shipping_address_id": order["billing_address_id"] - 1,
            "total_qty": sum((item["qty"] for item in items), ZERO),
            "email_sent": 1, "created_at": moment, "updated_at": moment,
            "items": items, "tracks": [], "comments": [], "packages": [],
            "extension_attributes": {"source_code": source_code}}
