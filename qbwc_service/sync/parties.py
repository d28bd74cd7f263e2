"""Customers and items a transaction refers to: found in the mappings or planned as adds."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from magento_client.documents import Address, Order, Product
from qbwc_service.sync.names import customer_name, item_name, to_latin1, unicode_note
from qbwc_service.sync.plan import PlanContext, PlannedRequest, Priority, cents, document_hash

if TYPE_CHECKING:
    from qbwc_service.sync.posting.lines import ProductLine

__all__ = [
    "CURRENCY_NAMES",
    "PartyRef",
    "clip",
    "customer_key",
    "foreign_currency",
    "item_key",
    "plan_customer",
    "plan_item",
    "plan_product",
    "plan_setup_items",
    "qb_address",
    "setup_key",
]

# QuickBooks names currencies in full; CurrencyRef takes that name, not the ISO code.
CURRENCY_NAMES = {
    "USD": "US Dollar", "EUR": "Euro", "GBP": "British Pound Sterling",
    "CAD": "Canadian Dollar", "AUD": "Australian Dollar", "JPY": "Japanese Yen",
    "CHF": "Swiss Franc", "MXN": "Mexican Peso", "NZD": "New Zealand Dollar",
}


@dataclass(frozen=True)
class PartyRef:
    """A customer or item to refer to by name, and the request that creates it (if new)."""

    name: str
    key: str
    request: PlannedRequest | None


def clip(value: str | None, max_len: int) -> str | None:
    """A value QuickBooks accepts in a field of ``max_len``: Latin-1, trimmed, cut."""
    if not value:
        return None
    text = " ".join(to_latin1(value).split())
    return text[:max_len] or None


def qb_address(address: Address | None) -> dict[str, str] | None:
    """Magento's 1-4 street lines, city, region, postcode, country as a qbXML address."""
    if address is None:
        return None
    fields: dict[str, Any] = {}
    for index, line in enumerate(address.street[:4], start=1):
        fields[f"Addr{index}"] = clip(line, 41)
    fields.update(City=clip(address.city, 31), State=clip(address.region_code or address.region, 21),
                  PostalCode=clip(address.postcode, 13), Country=clip(address.country_id, 31))
    compact = {key: value for key, value in fields.items() if value}
    return compact or None


def foreign_currency(order: Order, ctx: PlanContext) -> str | None:
    """The order currency when it needs a customer of its own (multicurrency mode only)."""
    if ctx.multicurrency and order.order_currency_code != (order.base_currency_code or ""):
        return order.order_currency_code
    return None


def customer_key(order: Order, ctx: PlanContext) -> tuple[str, str]:
    """(mapping magento_id, idempotency key) of the QuickBooks customer for an order."""
    code = foreign_currency(order, ctx)
    currency = f"#{code}" if code else ""
    if order.customer_id is not None and not order.customer_is_guest:
        magento_id = f"{order.customer_id}{currency}"
    elif ctx.config.guest_customers == "shared":
        magento_id = f"guest:shared{currency}"
    else:
        email = order.customer_email.strip().casefold()
        if len(email) > 40:
            # Request.magento_id holds 64 characters; a digest keeps long addresses distinct.
            email = "#" + hashlib.sha256(email.encode()).hexdigest()[:40]
        magento_id = f"guest:{email}{currency}"
    return magento_id, f"customer:{magento_id}"


def plan_customer(order: Order, ctx: PlanContext) -> PartyRef:
    """The order's QuickBooks customer: mapped already, or a planned ``CustomerAdd``."""
    magento_id, key = customer_key(order, ctx)
    known = ctx.lookup.qb_name("customer", magento_id)
    if known:
        return PartyRef(known, key, None)
    billing = order.billing_address
    shared = magento_id.startswith("guest:shared")
    if shared:
        display = ctx.config.guest_customer_name
    else:
        display = " ".join(p for p in (order.customer_firstname, order.customer_lastname) if p)
        display = display or (billing.name if billing else "") or order.customer_email
    currency = foreign_currency(order, ctx)
    if currency:
        display = f"{display} {currency}"
    label = magento_id.removeprefix("guest:")
    name = customer_name(display, label if shared or order.customer_is_guest
                         else str(order.customer_id),
                         lambda candidate: ctx.lookup.name_owner("customer", candidate)
                         not in (None, magento_id))
    ctx.lookup.claim("customer", magento_id, name)
    context: dict[str, Any] = {"Name": name}
    if not shared:
        context.update(
            CompanyName=clip(billing.company if billing else None, 41),
            FirstName=clip(order.customer_firstname or (billing.firstname if billing else None), 25),
            LastName=clip(order.customer_lastname or (billing.lastname if billing else None), 25),
            BillAddress=qb_address(billing),
            ShipAddress=qb_address(order.shipping_address),
            Phone=clip(billing.telephone if billing else None, 21),
            Email=clip(order.customer_email, 1023),
        )
    if currency:
        context["CurrencyRef"] = {"FullName": CURRENCY_NAMES.get(currency, currency)}
    original = unicode_note(display)
    if original:
        # QuickBooks holds the transliterated name; the note keeps what Magento has.
        context["Notes"] = clip(f"Name in Magento: {original}", 4095)
    context = {k: v for k, v in context.items() if v is not None}
    request = PlannedRequest(
        operation="CustomerAdd", key=key, context=context, entity_type="customer",
        magento_id=magento_id, magento_ref=clip(order.customer_email, 64) if not shared else None,
        document_hash=document_hash(context), priority=Priority.LIST,
    )
    return PartyRef(name, key, request)


def item_key(sku: str) -> str:
    return f"item:{sku}"


def _item_operation(product_type: str, is_virtual: bool, ctx: PlanContext) -> str:
    if product_type in ("bundle", "giftcard", "grouped"):
        return "ItemNonInventoryAdd"
    if is_virtual or product_type in ("virtual", "downloadable"):
        return "ItemServiceAdd" if ctx.config.virtual_item_type == "service" else \
            "ItemNonInventoryAdd"
    return "ItemInventoryAdd"


def _item_request(sku: str, title: str, product_type: str, is_virtual: bool,
                  price: Decimal | None, ctx: PlanContext,
                  cost: Decimal | None = None) -> PartyRef:
    key = item_key(sku)
    known = ctx.lookup.qb_name("item", sku)
    if known:
        return PartyRef(known, key, None)
    name = item_name(sku, lambda candidate: ctx.lookup.name_owner("item", candidate)
                     not in (None, sku))
    ctx.lookup.claim("item", sku, name)
    operation = _item_operation(product_type, is_virtual, ctx)
    accounts = ctx.config.accounts
    # The full SKU stays in the description when the name had to be shortened.
    description = clip(f"{sku} {title}" if name != sku else title, 4095) or sku
    context: dict[str, Any] = {"Name": name}
    if operation == "ItemInventoryAdd":
        context.update(SalesDesc=description, IncomeAccountRef={"FullName": accounts.income},
                       COGSAccountRef={"FullName": accounts.cogs},
                       AssetAccountRef={"FullName": accounts.asset})
        if price is not None:
            context["SalesPrice"] = cents(price)
        if cost is not None:
            # Magento's cost attribute, so cost of goods sold is not near zero.
            context["PurchaseCost"] = cents(cost)
    else:
        sales: dict[str, Any] = {"Desc": description}
        if price is not None:
            sales["Price"] = cents(price)
        sales["AccountRef"] = {"FullName": accounts.income}
        context["SalesOrPurchase"] = sales
    hold = None
    if ctx.config.missing_items == "hold":
        hold = f"item {sku!r} is not in QuickBooks yet; approve to create it as {operation[:-3]}"
    request = PlannedRequest(
        operation=operation, key=key, context=context, entity_type="item", magento_id=sku,
        magento_ref=sku[:64], document_hash=document_hash(context), priority=Priority.LIST,
        hold_reason=hold,
    )
    return PartyRef(name, key, request)


def plan_item(line: ProductLine, ctx: PlanContext) -> PartyRef:
    """The QuickBooks item of a product line: mapped already, or a planned item add."""
    unit: Decimal | None = line.amount / line.quantity if line.quantity else line.unit_price
    if line.component:
        unit = None  # a bundle part is priced on its bundle, not on its own
    return _item_request(line.sku, line.description, line.product_type, line.is_virtual,
                         unit, ctx, line.cost)


def plan_product(product: Product, ctx: PlanContext) -> PlannedRequest | None:
    """An item add for a catalogue product that is sold as itself (not configurable parents,
    not dynamic bundles, whose children are the items)."""
    if product.type_id in ("configurable", "grouped"):
        return None
    if product.type_id == "bundle" and product.bundle_price_type != "fixed" \
            and ctx.config.bundles == "children":
        return None
    cost = product.custom_attributes.get("cost")
    return _item_request(product.sku, product.name, product.type_id,
                         product.type_id in ("virtual", "downloadable"), product.price, ctx,
                         Decimal(str(cost)) if cost not in (None, "") else None).request


def setup_key(role: str) -> str:
    return f"setup-item:{role}"


def plan_setup_items(ctx: PlanContext) -> list[PlannedRequest]:
    """The non-product items transactions refer to (shipping, discounts, refund
    adjustments, the zero-rate header tax item), created once so the first invoice does
    not fail on a reference."""
    names = ctx.config.items
    income = {"FullName": ctx.config.accounts.income}
    roles = (
        ("shipping", "ItemOtherChargeAdd", names.shipping, "Shipping charged in Magento"),
        ("adjustment_refund", "ItemOtherChargeAdd", names.adjustment_refund,
         "Magento credit memo adjustment refund"),
        ("adjustment_fee", "ItemOtherChargeAdd", names.adjustment_fee,
         "Magento credit memo adjustment fee"),
        ("discount_taxable", "ItemDiscountAdd", names.discount_taxable, "Magento discount"),
        ("discount_non_taxable", "ItemDiscountAdd", names.discount_non_taxable,
         "Magento discount (non-taxable)"),
        ("zero_rate_tax", "ItemSalesTaxAdd", ctx.config.tax.zero_rate_tax_item,
         "Zero rate: Magento's own tax is posted as a line"),
    )
    planned: list[PlannedRequest] = []
    for role, operation, name, description in roles:
        magento_id = f"@{role}"
        if ctx.lookup.qb_name("item", magento_id):
            continue
        context: dict[str, Any] = {"Name": name}
        if operation == "ItemSalesTaxAdd":
            # On the header of every sales transaction so QuickBooks adds no tax of its own.
            context.update(ItemDesc=description, TaxRate=Decimal("0"))
            if ctx.config.tax.agency:
                context["TaxVendorRef"] = {"FullName": ctx.config.tax.agency}
        elif operation == "ItemDiscountAdd":
            context.update(ItemDesc=description, AccountRef=income)
            if role == "discount_non_taxable":
                context["SalesTaxCodeRef"] = {"FullName": ctx.config.tax.non_taxable_code}
        else:
            context["SalesOrPurchase"] = {"Desc": description, "AccountRef": income}
            if role != "shipping":
                context["SalesTaxCodeRef"] = {"FullName": ctx.config.tax.non_taxable_code}
        planned.append(PlannedRequest(
            operation=operation, key=setup_key(role), context=context, entity_type="item",
            magento_id=magento_id, document_hash=document_hash(context), priority=Priority.LIST,
        ))
    return planned
