"""Transaction lines from a Magento invoice or credit memo, checked against its total.

Which rows carry money follows the order's item tree (magento-rest.md §10):
configurable parents carry the price of the chosen child; dynamic bundles are posted
as their priced children (or folded into the parent when the merchant models bundles
as one item); fixed bundles as the parent only — never both.

Tax is posted as Magento computed it, one line per rate on a sales tax item
(:mod:`.tax`), so QuickBooks does not recompute it. A discount on tax-inclusive prices
includes tax that Magento hands back as ``discount_tax_compensation_amount`` ("hidden
tax"); the discount line is therefore posted net of it, which keeps the identity

    Σ rows + shipping + tax - (discount - hidden tax) [+ adj. refund - adj. fee] = grand total
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, InvoiceItem, Order, OrderItem
from qbwc_service.sync.config import CompanyMappingConfig
from qbwc_service.sync.exceptions import PlanningError, TotalsMismatch
from qbwc_service.sync.plan import PlanContext, cents, money

__all__ = ["LINE_TAGS", "ProductLine", "TransactionLines", "build_lines", "product_lines"]

# The line aggregate of each sales document add.
LINE_TAGS = {"InvoiceAdd": "InvoiceLineAdd", "SalesReceiptAdd": "SalesReceiptLineAdd",
             "CreditMemoAdd": "CreditMemoLineAdd"}

_ZERO = Decimal(0)


@dataclass(frozen=True)
class ProductLine:
    """One product line to post; amounts in the currency the company books in."""

    sku: str
    description: str
    product_type: str
    is_virtual: bool
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # excluding tax, before discount
    discount: Decimal  # positive
    tax: Decimal
    taxable: bool
    component: bool = False  # a bundle's part: carries the stock, 0.00, its parent the price
    order_item_ids: tuple[int, ...] = ()  # the order rows this line stands for
    cost: Decimal | None = None  # Magento's base_cost of the product, when it has one

    @property
    def stocked(self) -> bool:
        """Whether QuickBooks holds this line's item as inventory (moves stock and COGS)."""
        return not self.is_virtual and self.product_type not in ("bundle", "giftcard", "grouped")


@dataclass(frozen=True)
class TransactionLines:
    """The posted lines (qbXML line contexts) and what they add up to."""

    lines: list[dict[str, Any]]
    total: Decimal
    expected: Decimal
    products: list[ProductLine]
    roles: tuple[str, ...] = ()  # non-product items used (shipping, discount_taxable, …)


def _posts_row(row: OrderItem, config: CompanyMappingConfig) -> bool:
    """Whether this order row becomes a line of its own (the item-tree rules)."""
    if row.parent_product_type == "configurable":
        return False  # the configurable parent carries price, tax and discount
    if row.parent_product_type == "bundle":
        return row.parent_bundle_price_type == "dynamic" and config.bundles == "children"
    if row.product_type == "bundle":
        return row.bundle_price_type == "fixed" or config.bundles == "parent" or not row.children
    return True


def _folded_children(row: OrderItem, config: CompanyMappingConfig) -> bool:
    return (row.product_type == "bundle" and row.bundle_price_type == "dynamic"
            and config.bundles == "parent")


def _cost(row: OrderItem) -> Decimal | None:
    value = row.raw.get("base_cost")
    cost = Decimal(str(value)) if value not in (None, "") else _ZERO
    return cost if cost > 0 else None


def _components(row: OrderItem, document_row: InvoiceItem,
                by_order_item: dict[int, InvoiceItem]) -> list[ProductLine]:
    """A bundle posted as one priced line relieves its parts: each part a 0.00 line with
    its quantity, so QuickBooks moves their stock and cost while the price stays on the
    bundle's line."""
    parts: list[ProductLine] = []
    for child in row.children:
        child_row = by_order_item.get(child.item_id)
        if child_row is not None:
            quantity = child_row.qty
        elif row.qty_ordered:
            quantity = child.qty_ordered * document_row.qty / row.qty_ordered
        else:
            continue
        if not quantity:
            continue
        parts.append(ProductLine(
            sku=child.sku, description=child.name or child.sku, product_type=child.product_type,
            is_virtual=child.is_virtual or child.product_type in ("virtual", "downloadable"),
            quantity=quantity, unit_price=_ZERO, amount=_ZERO, discount=_ZERO, tax=_ZERO,
            taxable=False, component=True, order_item_ids=(child.item_id, row.item_id),
            cost=_cost(child)))
    return parts


def product_lines(
    rows: Sequence[InvoiceItem], order: Order, ctx: PlanContext, document: str
) -> list[ProductLine]:
    """The product lines of an invoice or credit memo, joined to the order's item tree."""
    multicurrency = ctx.multicurrency
    by_order_item = {row.order_item_id: row for row in rows}
    lines: list[ProductLine] = []
    for row in rows:
        order_row = order.item_by_id(row.order_item_id)
        if order_row is None:
            raise PlanningError(document, f"row {row.sku!r} refers to order item "
                                f"{row.order_item_id}, which the order does not have")
        if not _posts_row(order_row, ctx.config):
            continue
        sources: list[InvoiceItem] = [row]
        if _folded_children(order_row, ctx.config):
            sources += [by_order_item[child.item_id] for child in order_row.children
                        if child.item_id in by_order_item]
        amount = sum((money(s, "row_total", multicurrency=multicurrency) for s in sources), _ZERO)
        tax = sum((money(s, "tax_amount", multicurrency=multicurrency) for s in sources), _ZERO)
        discount = sum((money(s, "discount_amount", multicurrency=multicurrency)
                        for s in sources), _ZERO)
        taxable = tax != 0 or order_row.tax_percent != 0
        quantity = row.qty
        lines.append(ProductLine(
            sku=order_row.sku or row.sku,
            description=order_row.name or row.name,
            product_type=order_row.product_type,
            is_virtual=order_row.is_virtual or order_row.product_type in ("virtual", "downloadable"),
            quantity=quantity,
            unit_price=money(order_row, "price", multicurrency=multicurrency),
            amount=amount,
            discount=discount,
            tax=tax,
            taxable=taxable,
            order_item_ids=(order_row.item_id, *(c.item_id for c in order_row.children)),
            # A configurable's cost sits on its chosen child.
            cost=_cost(order_row) or next((_cost(c) for c in order_row.children
                                           if _cost(c)), None),
        ))
        if order_row.product_type == "bundle" and (order_row.bundle_price_type == "fixed"
                                                   or _folded_children(order_row, ctx.config)):
            lines += _components(order_row, row, by_order_item)
    return lines


def _line(item: str, amount: Decimal, *, desc: str | None = None,
          quantity: Decimal | None = None, tax_code: str | None = None,
          site: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {"ItemRef": {"FullName": item}}
    if desc:
        line["Desc"] = desc
    if quantity is not None:
        line["Quantity"] = quantity.normalize() if quantity == quantity.to_integral() else quantity
    line["Amount"] = cents(amount)
    if tax_code:
        line["SalesTaxCodeRef"] = {"FullName": tax_code}
    if site:
        line["InventorySiteRef"] = {"FullName": site}
    return line


def build_lines(
    document: Invoice | CreditMemo,
    order: Order,
    ctx: PlanContext,
    item_names: dict[str, str],
    *,
    label: str,
    tax_lines: Sequence[dict[str, Any]] = (),
) -> TransactionLines:
    """Every line of the transaction; raises :class:`TotalsMismatch` unless Σ = total."""
    config, tax = ctx.config, ctx.config.tax
    multicurrency = ctx.multicurrency
    use_codes = tax.mode == "line_codes_plus_tax_item"
    products = product_lines(document.items, order, ctx, label)

    def code(taxable: bool) -> str | None:
        if not use_codes:
            return None
        return tax.taxable_code if taxable else tax.non_taxable_code

    lines: list[dict[str, Any]] = []
    roles: list[str] = []
    for product in products:
        name = item_names[product.sku]
        # Stock leaves (or returns to) the site of the MSI source that shipped the row.
        inventory_site = (ctx.line_site(order.entity_id, product.order_item_ids)
                          if product.stocked else None)
        lines.append(_line(name, product.amount, desc=product.description,
                           quantity=product.quantity, tax_code=code(product.taxable),
                           site=inventory_site))
    shipping = money(document, "shipping_amount", multicurrency=multicurrency)
    if shipping:
        shipping_taxed = money(document, "shipping_tax_amount", multicurrency=multicurrency) != 0
        lines.append(_line(config.items.shipping, shipping, desc="Shipping",
                           tax_code=code(shipping_taxed)))
        roles.append("shipping")
    discount_total = abs(money(document, "discount_amount", multicurrency=multicurrency))
    hidden_tax = money(document, "discount_tax_compensation_amount", multicurrency=multicurrency)
    hidden_tax += money(document, "shipping_discount_tax_compensation_amount",
                        multicurrency=multicurrency)
    taxable_discount = sum((p.discount for p in products if p.taxable), _ZERO)
    taxable_discount = min(taxable_discount, discount_total)
    non_taxable_discount = discount_total - taxable_discount
    if taxable_discount - hidden_tax:
        lines.append(_line(config.items.discount_taxable, -(taxable_discount - hidden_tax),
                           desc="Discount", tax_code=code(True)))
        roles.append("discount_taxable")
    if non_taxable_discount:
        lines.append(_line(config.items.discount_non_taxable, -non_taxable_discount,
                           desc="Discount", tax_code=code(False)))
        roles.append("discount_non_taxable")
    if isinstance(document, CreditMemo):
        refund = money(document, "adjustment_positive", multicurrency=multicurrency)
        fee = money(document, "adjustment_negative", multicurrency=multicurrency)
        if refund:
            lines.append(_line(config.items.adjustment_refund, refund,
                               desc="Adjustment refund", tax_code=code(False)))
            roles.append("adjustment_refund")
        if fee:
            lines.append(_line(config.items.adjustment_fee, -fee, desc="Adjustment fee",
                               tax_code=code(False)))
            roles.append("adjustment_fee")
    lines.extend(tax_lines)
    total = sum_lines(lines)
    expected = cents(money(document, "grand_total", multicurrency=multicurrency))
    if total != expected:
        raise TotalsMismatch(label, expected, total)
    return TransactionLines(lines=lines, total=total, expected=expected, products=products,
                            roles=tuple(roles))


def sum_lines(lines: Iterable[dict[str, Any]]) -> Decimal:
    """What QuickBooks will total the transaction to: Σ line Amounts."""
    return sum((Decimal(line["Amount"]) for line in lines), Decimal("0.00"))
