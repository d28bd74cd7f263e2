"""Totals identities every generated document keeps, to the cent, in both currencies.

Used by the fake's own tests and available to anyone generating test data.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order
from magento_client.order_item_tree import expected_grand_total, lines_subtotal

__all__ = ["credit_memo_problems", "invoice_problems", "order_problems"]


def order_problems(document: Mapping[str, Any]) -> list[str]:
    order = Order.from_json(document)
    problems: list[str] = []
    for base in (False, True):
        label = "base" if base else "order"
        subtotal = order.base_subtotal if base else order.subtotal
        grand = order.base_grand_total if base else order.grand_total
        if lines_subtotal(order, base=base) != subtotal:
            problems.append(f"{order.increment_id} {label}: lines {lines_subtotal(order, base=base)} != subtotal {subtotal}")
        if expected_grand_total(order, base=base) != grand:
            problems.append(f"{order.increment_id} {label}: expected {expected_grand_total(order, base=base)} != grand_total {grand}")
    top_sum = sum((item.row_total for item in order.items), Decimal("0"))
    if top_sum != order.subtotal:
        problems.append(f"{order.increment_id}: top-level rows {top_sum} != subtotal {order.subtotal}")
    return problems


def _document_problems(document: Invoice | CreditMemo, adjustment: Decimal,
                       base_adjustment: Decimal) -> list[str]:
    problems: list[str] = []
    priced = [item for item in document.items if item.has_row_total]
    for base in (False, True):
        p = "base_" if base else ""
        subtotal = sum((getattr(i, p + "row_total") for i in priced), Decimal("0"))
        tax_items = sum((getattr(i, p + "tax_amount") for i in priced), Decimal("0"))
        discount = -sum((getattr(i, p + "discount_amount") for i in priced), Decimal("0"))
        hidden = sum((getattr(i, p + "discount_tax_compensation_amount") for i in priced),
                     Decimal("0"))
        if subtotal != getattr(document, p + "subtotal"):
            problems.append(f"{document.increment_id} {p}subtotal {subtotal} != rows")
        # The document's discount is the rows' plus what a coupon took off its shipping
        # (Magento keeps no shipping discount field on invoices and credit memos).
        shipping_discount = discount - getattr(document, p + "discount_amount")
        if not Decimal("0") <= shipping_discount <= getattr(document, p + "shipping_amount"):
            problems.append(f"{document.increment_id} {p}discount "
                            f"{getattr(document, p + 'discount_amount')} != rows {discount}")
        if tax_items + getattr(document, p + "shipping_tax_amount") != getattr(document, p + "tax_amount"):
            problems.append(f"{document.increment_id} {p}tax != rows + shipping tax")
        expected = (subtotal + getattr(document, p + "shipping_amount")
                    + getattr(document, p + "tax_amount") + hidden
                    + getattr(document, p + "discount_amount")
                    + (base_adjustment if base else adjustment))
        if expected != getattr(document, p + "grand_total"):
            problems.append(f"{document.increment_id} {p}grand_total {getattr(document, p + 'grand_total')} != {expected}")
    return problems


def invoice_problems(document: Mapping[str, Any]) -> list[str]:
    invoice = Invoice.from_json(document)
    return _document_problems(invoice, Decimal("0"), Decimal("0"))


def credit_memo_problems(document: Mapping[str, Any]) -> list[str]:
    memo = CreditMemo.from_json(document)
    return _document_problems(memo, memo.adjustment, memo.base_adjustment)
