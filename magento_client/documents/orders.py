"""Orders with their item tree and payment: Decimal money, UTC datetimes, normalised signs.

Sign conventions after parsing: document-level ``discount_amount`` is always negative
(or zero) and item-level ``discount_amount`` always positive, whatever the payload said.
Magento's own totals identity, which these documents keep to the cent::

    grand_total = subtotal + shipping_amount + tax_amount
                  + discount_tax_compensation_amount + shipping_discount_tax_compensation_amount
                  + discount_amount                  (negative)
                  [credit memos: + adjustment_positive - adjustment_negative]
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from magento_client.documents._values import (
    as_bool,
    as_datetime,
    as_decimal,
    as_int,
    as_optional_int,
    as_optional_str,
    as_raw,
    as_str,
    get_path,
    readable,
)
from magento_client.documents.address import Address

__all__ = ["BundlePriceType", "Order", "OrderItem", "Payment"]

BundlePriceType = Literal["dynamic", "fixed"]

# Magento\Bundle\Model\Product\Price::PRICE_TYPE_DYNAMIC = 0, PRICE_TYPE_FIXED = 1;
# on order rows the same choice is stored as product_calculations (0 child, 1 parent).
_BUNDLE_PRICE_TYPES: dict[str, BundlePriceType] = {"0": "dynamic", "1": "fixed"}


def _negative(value: Any) -> Decimal:
    return -abs(as_decimal(value))


def _positive(value: Any) -> Decimal:
    return abs(as_decimal(value))


@dataclass(frozen=True)
class Payment:
    """The order's payment row: method code and captured amounts."""

    method: str
    amount_ordered: Decimal
    base_amount_ordered: Decimal
    amount_paid: Decimal
    base_amount_paid: Decimal
    amount_refunded: Decimal
    last_trans_id: str | None
    additional_information: list[str]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> Payment:
        return cls(
            method=as_str(document.get("method")),
            amount_ordered=as_decimal(document.get("amount_ordered")),
            base_amount_ordered=as_decimal(document.get("base_amount_ordered")),
            amount_paid=as_decimal(document.get("amount_paid")),
            base_amount_paid=as_decimal(document.get("base_amount_paid")),
            amount_refunded=as_decimal(document.get("amount_refunded")),
            last_trans_id=as_optional_str(document.get("last_trans_id")),
            additional_information=[str(v) for v in document.get("additional_information") or []],
            raw=as_raw(document),
        )


def _bundle_price_type(
    row: Mapping[str, Any], child_rows: list[Mapping[str, Any]]
) -> BundlePriceType | None:
    """Explicit ``product_calculations``/``price_type`` first, else where the money sits."""
    if row.get("product_type") != "bundle":
        return None
    for explicit in (
        get_path(row, "product_options", "product_calculations"),
        get_path(row, "product_options", "info_buyRequest", "price_type"),
        get_path(row, "extension_attributes", "price_type"),
    ):
        if explicit is not None and str(explicit) in _BUNDLE_PRICE_TYPES:
            # product_calculations: 0 = CALCULATE_CHILD (dynamic), 1 = CALCULATE_PARENT (fixed)
            return _BUNDLE_PRICE_TYPES[str(explicit)]
    if not child_rows:
        return None
    if any(as_decimal(c.get("price")) or as_decimal(c.get("row_total")) for c in child_rows):
        return "dynamic"
    return "fixed"


@dataclass(frozen=True)
class OrderItem:
    """One ``items[]`` row; children hang under their parent (configurable, bundle).

    ``discount_amount`` is positive as Magento sends item discounts. ``parent_product_type``
    and ``parent_bundle_price_type`` describe the parent row for child rows, so a child can
    be judged on its own (see :mod:`magento_client.order_item_tree`).
    """

    item_id: int
    parent_item_id: int | None
    product_id: int | None
    sku: str
    name: str
    product_type: str
    is_virtual: bool
    qty_ordered: Decimal
    qty_invoiced: Decimal
    qty_shipped: Decimal
    qty_refunded: Decimal
    qty_canceled: Decimal
    price: Decimal
    base_price: Decimal
    original_price: Decimal
    price_incl_tax: Decimal
    base_price_incl_tax: Decimal
    row_total: Decimal
    base_row_total: Decimal
    row_total_incl_tax: Decimal
    base_row_total_incl_tax: Decimal
    tax_amount: Decimal
    base_tax_amount: Decimal
    tax_percent: Decimal
    discount_amount: Decimal
    base_discount_amount: Decimal
    discount_percent: Decimal
    discount_tax_compensation_amount: Decimal
    base_discount_tax_compensation_amount: Decimal
    bundle_price_type: BundlePriceType | None = None
    parent_product_type: str | None = None
    parent_bundle_price_type: BundlePriceType | None = None
    children: list[OrderItem] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(
        cls,
        document: Mapping[str, Any],
        *,
        children: list[OrderItem] | None = None,
        child_rows: list[Mapping[str, Any]] | None = None,
        parent: Mapping[str, Any] | None = None,
        parent_bundle_price_type: BundlePriceType | None = None,
    ) -> OrderItem:
        """One row; ``Order.from_json`` passes the tree context (children, parent row)."""
        parent_row = parent if parent is not None else document.get("parent_item")
        return cls(
            item_id=as_int(document.get("item_id")),
            parent_item_id=as_optional_int(document.get("parent_item_id")),
            product_id=as_optional_int(document.get("product_id")),
            sku=as_str(document.get("sku")),
            name=as_str(document.get("name")),
            product_type=as_str(document.get("product_type")) or "simple",
            is_virtual=as_bool(document.get("is_virtual")),
            qty_ordered=as_decimal(document.get("qty_ordered")),
            qty_invoiced=as_decimal(document.get("qty_invoiced")),
            qty_shipped=as_decimal(document.get("qty_shipped")),
            qty_refunded=as_decimal(document.get("qty_refunded")),
            qty_canceled=as_decimal(document.get("qty_canceled")),
            price=as_decimal(document.get("price")),
            base_price=as_decimal(document.get("base_price")),
            original_price=as_decimal(document.get("original_price")),
            price_incl_tax=as_decimal(document.get("price_incl_tax")),
            base_price_incl_tax=as_decimal(document.get("base_price_incl_tax")),
            row_total=as_decimal(document.get("row_total")),
            base_row_total=as_decimal(document.get("base_row_total")),
            row_total_incl_tax=as_decimal(document.get("row_total_incl_tax")),
            base_row_total_incl_tax=as_decimal(document.get("base_row_total_incl_tax")),
            tax_amount=as_decimal(document.get("tax_amount")),
            base_tax_amount=as_decimal(document.get("base_tax_amount")),
            tax_percent=as_decimal(document.get("tax_percent")),
            discount_amount=_positive(document.get("discount_amount")),
            base_discount_amount=_positive(document.get("base_discount_amount")),
            discount_percent=as_decimal(document.get("discount_percent")),
            discount_tax_compensation_amount=as_decimal(
                document.get("discount_tax_compensation_amount")
            ),
            base_discount_tax_compensation_amount=as_decimal(
                document.get("base_discount_tax_compensation_amount")
            ),
            bundle_price_type=_bundle_price_type(document, list(child_rows or [])),
            parent_product_type=(
                as_optional_str(parent_row.get("product_type")) if parent_row else None
            ),
            parent_bundle_price_type=parent_bundle_price_type,
            children=list(children or []),
            raw=as_raw(document),
        )

    @property
    def is_child(self) -> bool:
        return self.parent_item_id is not None

    def walk(self) -> Iterator[OrderItem]:
        """This row, then its descendants, depth first in payload order."""
        yield self
        for child in self.children:
            yield from child.walk()


def _item_tree(rows: list[Mapping[str, Any]]) -> list[OrderItem]:
    """Rows in payload order become top-level items with their children attached."""
    ids = {as_optional_int(row.get("item_id")) for row in rows}
    children_of: dict[int, list[Mapping[str, Any]]] = {}
    top: list[Mapping[str, Any]] = []
    for row in rows:
        parent_id = as_optional_int(row.get("parent_item_id"))
        if parent_id is not None and parent_id in ids:
            children_of.setdefault(parent_id, []).append(row)
        else:
            top.append(row)

    def build(
        row: Mapping[str, Any], parent: Mapping[str, Any] | None, parent_bpt: BundlePriceType | None
    ) -> OrderItem:
        own_rows = children_of.get(as_int(row.get("item_id")), [])
        own_bpt = _bundle_price_type(row, own_rows)
        children = [build(child, row, own_bpt) for child in own_rows]
        return OrderItem.from_json(
            row,
            children=children,
            child_rows=own_rows,
            parent=parent,
            parent_bundle_price_type=parent_bpt,
        )

    return [build(row, None, None) for row in top]


def _shipping_address(document: Mapping[str, Any]) -> Address | None:
    # The shipping address exists only inside shipping_assignments; virtual orders have none.
    address = get_path(document, "extension_attributes", "shipping_assignments", 0, "shipping", "address")
    return Address.from_json(address) if isinstance(address, Mapping) else None


@dataclass(frozen=True)
class Order:
    """``GET /V1/orders/{id}``: header, totals in order and base currency, items as a tree."""

    entity_id: int
    increment_id: str
    store_id: int | None
    created_at: datetime | None
    updated_at: datetime | None
    state: str
    status: str
    customer_id: int | None
    customer_is_guest: bool
    customer_group_id: int | None
    customer_email: str
    customer_firstname: str | None
    customer_lastname: str | None
    billing_address: Address | None
    shipping_address: Address | None
    shipping_method: str | None
    shipping_description: str | None
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
    base_shipping_incl_tax: Decimal
    discount_amount: Decimal
    base_discount_amount: Decimal
    discount_tax_compensation_amount: Decimal
    base_discount_tax_compensation_amount: Decimal
    shipping_discount_tax_compensation_amount: Decimal
    base_shipping_discount_tax_compensation_amount: Decimal
    discount_description: str | None
    coupon_code: str | None
    total_paid: Decimal
    base_total_paid: Decimal
    total_invoiced: Decimal
    total_refunded: Decimal
    base_total_refunded: Decimal
    payment: Payment | None
    items: list[OrderItem]
    relation_parent_id: int | None = None
    original_increment_id: str | None = None
    edit_increment: int | None = None
    is_virtual: bool = False
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    @readable("order")
    def from_json(cls, document: Mapping[str, Any]) -> Order:
        payment = document.get("payment")
        billing = document.get("billing_address")
        return cls(
            entity_id=as_int(document.get("entity_id")),
            increment_id=as_str(document.get("increment_id")),
            store_id=as_optional_int(document.get("store_id")),
            created_at=as_datetime(document.get("created_at")),
            updated_at=as_datetime(document.get("updated_at")),
            state=as_str(document.get("state")),
            status=as_str(document.get("status")),
            customer_id=as_optional_int(document.get("customer_id")),
            customer_is_guest=as_bool(document.get("customer_is_guest")),
            customer_group_id=as_optional_int(document.get("customer_group_id")),
            customer_email=as_str(document.get("customer_email")),
            customer_firstname=as_optional_str(document.get("customer_firstname")),
            customer_lastname=as_optional_str(document.get("customer_lastname")),
            billing_address=Address.from_json(billing) if isinstance(billing, Mapping) else None,
            shipping_address=_shipping_address(document),
            shipping_method=as_optional_str(
                get_path(document, "extension_attributes", "shipping_assignments", 0, "shipping", "method")
            ),
            shipping_description=as_optional_str(document.get("shipping_description")),
            order_currency_code=as_str(document.get("order_currency_code")),
            base_currency_code=as_str(document.get("base_currency_code")),
            base_to_order_rate=as_decimal(document.get("base_to_order_rate", 1)),
            grand_total=as_decimal(document.get("grand_total")),
            base_grand_total=as_decimal(document.get("base_grand_total")),
            subtotal=as_decimal(document.get("subtotal")),
            base_subtotal=as_decimal(document.get("base_subtotal")),
            subtotal_incl_tax=as_decimal(document.get("subtotal_incl_tax")),
            tax_amount=as_decimal(document.get("tax_amount")),
            base_tax_amount=as_decimal(document.get("base_tax_amount")),
            shipping_amount=as_decimal(document.get("shipping_amount")),
            base_shipping_amount=as_decimal(document.get("base_shipping_amount")),
            shipping_tax_amount=as_decimal(document.get("shipping_tax_amount")),
            base_shipping_tax_amount=as_decimal(document.get("base_shipping_tax_amount")),
            shipping_incl_tax=as_decimal(document.get("shipping_incl_tax")),
            base_shipping_incl_tax=as_decimal(document.get("base_shipping_incl_tax")),
            discount_amount=_negative(document.get("discount_amount")),
            base_discount_amount=_negative(document.get("base_discount_amount")),
            discount_tax_compensation_amount=as_decimal(
                document.get("discount_tax_compensation_amount")
            ),
            base_discount_tax_compensation_amount=as_decimal(
                document.get("base_discount_tax_compensation_amount")
            ),
            shipping_discount_tax_compensation_amount=as_decimal(
                document.get("shipping_discount_tax_compensation_amount")
            ),
            base_shipping_discount_tax_compensation_amount=as_decimal(
                document.get("base_shipping_discount_tax_compensation_amnt")
                if "base_shipping_discount_tax_compensation_amnt" in document
                else document.get("base_shipping_discount_tax_compensation_amount")
            ),
            discount_description=as_optional_str(document.get("discount_description")),
            coupon_code=as_optional_str(document.get("coupon_code")),
            total_paid=as_decimal(document.get("total_paid")),
            base_total_paid=as_decimal(document.get("base_total_paid")),
            total_invoiced=as_decimal(document.get("total_invoiced")),
            total_refunded=as_decimal(document.get("total_refunded")),
            base_total_refunded=as_decimal(document.get("base_total_refunded")),
            payment=Payment.from_json(payment) if isinstance(payment, Mapping) else None,
            items=_item_tree(list(document.get("items") or [])),
            relation_parent_id=as_optional_int(document.get("relation_parent_id")),
            original_increment_id=as_optional_str(document.get("original_increment_id")),
            edit_increment=as_optional_int(document.get("edit_increment")),
            is_virtual=as_bool(document.get("is_virtual")),
            raw=as_raw(document),
        )

    @property
    def is_edited(self) -> bool:
        """An admin edit: Magento cancelled ``original_increment_id`` and created this one."""
        return self.relation_parent_id is not None or self.original_increment_id is not None

    def all_items(self) -> Iterator[OrderItem]:
        """Every row, parents before their children, in payload order."""
        for item in self.items:
            yield from item.walk()

    def item_by_id(self, item_id: int) -> OrderItem | None:
        return next((item for item in self.all_items() if item.item_id == item_id), None)
