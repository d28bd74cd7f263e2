"""Invoices and credit memos: flat rows joined to order rows by ``order_item_id``.

Totals identity kept to the cent (document-level discount negative)::

    grand_total = subtotal + shipping_amount + tax_amount
                  + discount_tax_compensation_amount + discount_amount
                  [credit memos: + adjustment_positive - adjustment_negative]
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from magento_client.documents._values import (
    ZERO,
    as_datetime,
    as_decimal,
    as_int,
    as_optional_int,
    as_optional_str,
    as_raw,
    as_str,
    readable,
)

__all__ = ["CreditMemo", "CreditMemoItem", "Invoice", "InvoiceItem"]


def _negative(value: Any) -> Decimal:
    return -abs(as_decimal(value))


def _positive(value: Any) -> Decimal:
    return abs(as_decimal(value))


class _LineFields:
    """Keyword arguments shared by invoice and credit-memo rows."""

    @staticmethod
    def parse(document: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "entity_id": as_optional_int(document.get("entity_id")),
            "order_item_id": as_int(document.get("order_item_id")),
            "product_id": as_optional_int(document.get("product_id")),
            "sku": as_str(document.get("sku")),
            "name": as_str(document.get("name")),
            "qty": as_decimal(document.get("qty")),
            "price": as_decimal(document.get("price")),
            "base_price": as_decimal(document.get("base_price")),
            "price_incl_tax": as_decimal(document.get("price_incl_tax")),
            "base_price_incl_tax": as_decimal(document.get("base_price_incl_tax")),
            "row_total": as_decimal(document.get("row_total")),
            "base_row_total": as_decimal(document.get("base_row_total")),
            "row_total_incl_tax": as_decimal(document.get("row_total_incl_tax")),
            "base_row_total_incl_tax": as_decimal(document.get("base_row_total_incl_tax")),
            "tax_amount": as_decimal(document.get("tax_amount")),
            "base_tax_amount": as_decimal(document.get("base_tax_amount")),
            "discount_amount": _positive(document.get("discount_amount")),
            "base_discount_amount": _positive(document.get("base_discount_amount")),
            "discount_tax_compensation_amount": as_decimal(
                document.get("discount_tax_compensation_amount")
            ),
            "base_discount_tax_compensation_amount": as_decimal(
                document.get("base_discount_tax_compensation_amount")
            ),
            "has_row_total": "row_total" in document,
            "raw": as_raw(document),
        }


@dataclass(frozen=True)
class InvoiceItem:
    """An invoice row, flat (no tree): join to the order row through ``order_item_id``.

    ``has_row_total`` is False for rows Magento leaves unpriced (dynamic-bundle parents,
    configurable children); their amounts read as zero.
    """

    entity_id: int | None
    order_item_id: int
    product_id: int | None
    sku: str
    name: str
    qty: Decimal
    price: Decimal
    base_price: Decimal
    price_incl_tax: Decimal
    base_price_incl_tax: Decimal
    row_total: Decimal
    base_row_total: Decimal
    row_total_incl_tax: Decimal
    base_row_total_incl_tax: Decimal
    tax_amount: Decimal
    base_tax_amount: Decimal
    discount_amount: Decimal
    base_discount_amount: Decimal
    discount_tax_compensation_amount: Decimal
    base_discount_tax_compensation_amount: Decimal
    has_row_total: bool = True
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> InvoiceItem:
        return cls(**_LineFields.parse(document))


@dataclass(frozen=True)
class CreditMemoItem(InvoiceItem):
    """A credit-memo row; same amounts as an invoice row, plus the restock flag's source."""

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> CreditMemoItem:
        return cls(**_LineFields.parse(document))


def _totals(document: Mapping[str, Any]) -> dict[str, Any]:
    """Header fields common to invoices and credit memos."""
    return {
        "entity_id": as_int(document.get("entity_id")),
        "increment_id": as_str(document.get("increment_id")),
        "order_id": as_int(document.get("order_id")),
        "store_id": as_optional_int(document.get("store_id")),
        "state": as_int(document.get("state")),
        "created_at": as_datetime(document.get("created_at")),
        "updated_at": as_datetime(document.get("updated_at")),
        "order_currency_code": as_str(document.get("order_currency_code")),
        "base_currency_code": as_str(document.get("base_currency_code")),
        "base_to_order_rate": as_decimal(document.get("base_to_order_rate", 1)),
        "grand_total": as_decimal(document.get("grand_total")),
        "base_grand_total": as_decimal(document.get("base_grand_total")),
        "subtotal": as_decimal(document.get("subtotal")),
        "base_subtotal": as_decimal(document.get("base_subtotal")),
        "subtotal_incl_tax": as_decimal(document.get("subtotal_incl_tax")),
        "tax_amount": as_decimal(document.get("tax_amount")),
        "base_tax_amount": as_decimal(document.get("base_tax_amount")),
        "shipping_amount": as_decimal(document.get("shipping_amount")),
        "base_shipping_amount": as_decimal(document.get("base_shipping_amount")),
        "shipping_tax_amount": as_decimal(document.get("shipping_tax_amount")),
        "base_shipping_tax_amount": as_decimal(document.get("base_shipping_tax_amount")),
        "shipping_incl_tax": as_decimal(document.get("shipping_incl_tax")),
        "discount_amount": _negative(document.get("discount_amount")),
        "base_discount_amount": _negative(document.get("base_discount_amount")),
        "discount_tax_compensation_amount": as_decimal(
            document.get("discount_tax_compensation_amount")
        ),
        "base_discount_tax_compensation_amount": as_decimal(
            document.get("base_discount_tax_compensation_amount")
        ),
        "raw": as_raw(document),
    }


@dataclass(frozen=True)
class _SalesTotals:
    """What invoices and credit memos share: identity, dates, currencies and totals."""

    entity_id: int
    increment_id: str
    order_id: int
    store_id: int | None
    state: int
    created_at: datetime | None
    updated_at: datetime | None
    order_currency_code: str
    base_currency_code: str
    base_to_order_rate: Decimal
    grand_total: Decimal
    base_grand_total: Decimal
    subtotal: Decimal
    base_subtotal: Decimal
    subtotal_incl_tax: Decimal
    tax_amount: Decimal
    base_tax_amount: Decimal
    shipping_amount: Decimal
    base_shipping_amount: Decimal
    shipping_tax_amount: Decimal
    base_shipping_tax_amount: Decimal
    shipping_incl_tax: Decimal
    discount_amount: Decimal
    base_discount_amount: Decimal
    discount_tax_compensation_amount: Decimal
    base_discount_tax_compensation_amount: Decimal


@dataclass(frozen=True)
class Invoice(_SalesTotals):
    """``GET /V1/invoices/{id}``; ``state`` 1 open, 2 paid, 3 canceled."""

    total_qty: Decimal = ZERO
    transaction_id: str | None = None
    items: list[InvoiceItem] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    STATE_OPEN = 1
    STATE_PAID = 2
    STATE_CANCELED = 3

    @classmethod
    @readable("invoice")
    def from_json(cls, document: Mapping[str, Any]) -> Invoice:
        return cls(
            **_totals(document),
            total_qty=as_decimal(document.get("total_qty")),
            transaction_id=as_optional_str(document.get("transaction_id")),
            items=[InvoiceItem.from_json(row) for row in document.get("items") or []],
        )

    @property
    def is_paid(self) -> bool:
        return self.state == self.STATE_PAID


@dataclass(frozen=True)
class CreditMemo(_SalesTotals):
    """``GET /V1/creditmemo/{id}``; ``state`` 1 open, 2 refunded, 3 canceled.

    ``adjustment_positive`` is an extra refund, ``adjustment_negative`` a fee kept back;
    ``adjustment`` is their difference as Magento stores it. ``invoice_id`` is None for
    offline refunds made from the order.
    """

    invoice_id: int | None = None
    adjustment_positive: Decimal = ZERO
    base_adjustment_positive: Decimal = ZERO
    adjustment_negative: Decimal = ZERO
    base_adjustment_negative: Decimal = ZERO
    adjustment: Decimal = ZERO
    base_adjustment: Decimal = ZERO
    items: list[CreditMemoItem] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    STATE_OPEN = 1
    STATE_REFUNDED = 2
    STATE_CANCELED = 3

    @classmethod
    @readable("credit memo")
    def from_json(cls, document: Mapping[str, Any]) -> CreditMemo:
        positive = abs(as_decimal(document.get("adjustment_positive")))
        negative = abs(as_decimal(document.get("adjustment_negative")))
        base_positive = abs(as_decimal(document.get("base_adjustment_positive")))
        base_negative = abs(as_decimal(document.get("base_adjustment_negative")))
        return cls(
            **_totals(document),
            invoice_id=as_optional_int(document.get("invoice_id")),
            adjustment_positive=positive,
            base_adjustment_positive=base_positive,
            adjustment_negative=negative,
            base_adjustment_negative=base_negative,
            adjustment=as_decimal(document.get("adjustment", positive - negative)),
            base_adjustment=as_decimal(
                document.get("base_adjustment", base_positive - base_negative)
            ),
            items=[CreditMemoItem.from_json(row) for row in document.get("items") or []],
        )
