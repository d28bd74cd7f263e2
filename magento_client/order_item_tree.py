"""Which rows of an order's item tree become accounting lines.

Magento writes one row per product in the cart *and* one per component, so summing every
row double-counts (the reference order sums to 228 over all rows, 160 over the lines).
The rules, decided per row by the tree and by where the money sits:

* simple, virtual, downloadable, grouped members, gift cards: the row itself.
* configurable: the **parent** row is the line. It carries price, discount and tax, and its
  ``sku`` is already the chosen variant's SKU; the child row (same SKU, price 0) is skipped.
* bundle, dynamic price (``price_type 0``): the **children** are the lines; each carries its
  own price, tax and discount. The parent's price is only their sum and is skipped.
* bundle, fixed price (``price_type 1``): the **parent** is the line; children are zero-price
  components and are skipped.
* bundle whose price type cannot be told: treated by the data — children if any child
  carries an amount, otherwise the parent.

Control total, per currency: ``sum(line.row_total) + shipping + tax + discount compensation
+ order discount (negative) == grand_total``; see :func:`expected_grand_total`.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from magento_client.documents import Order, OrderItem

__all__ = [
    "expected_grand_total",
    "is_line",
    "is_priced_child",
    "iter_leaf_lines",
    "lines_subtotal",
]


def is_priced_child(item: OrderItem) -> bool:
    """True for a child row that carries the money: a component of a dynamic bundle."""
    if not item.is_child or item.parent_product_type != "bundle":
        return False
    if item.parent_bundle_price_type == "fixed":
        return False
    if item.parent_bundle_price_type == "dynamic":
        return True
    return bool(item.price or item.row_total)


def _bundle_uses_children(item: OrderItem) -> bool:
    if item.bundle_price_type == "fixed":
        return False
    if item.bundle_price_type == "dynamic":
        return bool(item.children)
    return any(child.price or child.row_total for child in item.children)


def is_line(item: OrderItem) -> bool:
    """True when this row, on its own, becomes one accounting line."""
    if item.is_child:
        return is_priced_child(item)
    if item.product_type == "bundle":
        return not _bundle_uses_children(item)
    return True


def iter_leaf_lines(order: Order) -> Iterator[OrderItem]:
    """The rows to post, in payload order; every money-carrying row exactly once."""
    for item in order.items:
        if item.product_type == "bundle" and _bundle_uses_children(item):
            yield from (child for child in item.children if is_priced_child(child))
        else:
            yield item


def lines_subtotal(order: Order, *, base: bool = False) -> Decimal:
    """Sum of the posted lines' row totals; equals the order ``subtotal``."""
    return sum(
        ((line.base_row_total if base else line.row_total) for line in iter_leaf_lines(order)),
        Decimal("0"),
    )


def expected_grand_total(order: Order, *, base: bool = False) -> Decimal:
    """Lines + shipping + tax + hidden tax - discount: what ``grand_total`` must equal."""
    if base:
        return (
            lines_subtotal(order, base=True)
            + order.base_shipping_amount
            + order.base_tax_amount
            + order.base_discount_tax_compensation_amount
            + order.base_shipping_discount_tax_compensation_amount
            + order.base_discount_amount
        )
    return (
        lines_subtotal(order)
        + order.shipping_amount
        + order.tax_amount
        + order.discount_tax_compensation_amount
        + order.shipping_discount_tax_compensation_amount
        + order.discount_amount
    )
