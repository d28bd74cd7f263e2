"""List requests: Add for every list the simulator keeps, Mod with EditSequence, seeding."""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import (
    ITEM_KINDS,
    Answer,
    Company,
    check_edit_sequence,
    invalid_reference,
    object_not_found,
    required_ref,
)
from qbwc_service.sandbox.quickbooks.currency import check_list_currency
from qbwc_service.sandbox.quickbooks.defaults import list_defaults
from qbwc_service.sandbox.quickbooks.exceptions import QbRequestRefused
from qbwc_service.sandbox.quickbooks.ledger_view import CHART_OF_ACCOUNTS, post_opening_balance
from qbwc_service.sandbox.quickbooks.refusals import save_refused
from qbwc_service.sandbox.quickbooks.retxml import (
    RET_ORDER,
    echoed,
    element,
    money,
    ordered,
    text_of,
    to_text,
)
from qbwc_service.sandbox.quickbooks.store import ListRow

__all__ = ["LIST_ADDS", "LIST_MODS", "add_list", "create_list", "ensure_chart_of_accounts",
           "mod_list", "seed_company", "seed_reference_lists"]

LIST_ADDS = frozenset({"Customer", "Vendor", "Account", "Class", "PaymentMethod", *ITEM_KINDS})
LIST_MODS = frozenset({"Customer", "ItemInventory"})
_NESTED_WITH_REFS = frozenset({"SalesOrPurchase", "SalesAndPurchase", "ItemGroupLine"})
_ACCOUNTS_REQUIRED = {"ItemInventory": ("IncomeAccountRef", "COGSAccountRef", "AssetAccountRef")}
_DROPPED = frozenset({"BarCode", "OpenBalance", "OpenBalanceDate", "QuantityOnHand",
                      "TotalValue", "InventoryDate", "ListID", "EditSequence", "ForceUOMChange",
                      "ApplyIncomeAccountRefToExistingTxns", "ApplyCOGSAccountRefToExistingTxns"})


def _converted(company: Company, kind: str, child: etree._Element) -> etree._Element | None:
    """A request child as it appears in the Ret (``None``: left out): references resolved,
    aggregates recursed, values normalised as QuickBooks does (``retxml.echoed``)."""
    tag = str(child.tag)
    where = f"{kind} list" if not kind.startswith("Item") else "item"
    if tag.endswith("Ref") and tag != "ParentRef":
        return company.resolve(child, where)
    if tag == "ItemGroupLine":
        # The XSDs leave ItemRef optional; a member without an item is refused as a
        # reference to no item (stricter reading, no capture of QuickBooks' answer found).
        required_ref(child.find("ItemRef"), "ItemRef", "item group line")
    if tag in _NESTED_WITH_REFS:
        kept = [c for c in (_converted(company, kind, c) for c in child
                            if isinstance(c.tag, str)) if c is not None]
        return element(tag, children=kept) if kept else None
    return echoed(child)


def _all_converted(company: Company, kind: str,
                   children: list[etree._Element]) -> list[etree._Element]:
    return [c for c in (_converted(company, kind, child) for child in children)
            if c is not None]


def create_list(company: Company, kind: str, source: etree._Element) -> ListRow:
    """Insert a list record built from an Add aggregate (or a seed shaped like one)."""
    store = company.store
    name = text_of(source, "Name") or ""
    parent_ref = source.find("ParentRef")
    parts: list[etree._Element] = []
    full_name, sublevel = name, 0
    if parent_ref is not None:
        kinds = ITEM_KINDS if kind.startswith("Item") else (kind,)
        parent = company.lookup(kinds, parent_ref)
        if parent is None:
            value = text_of(parent_ref, "FullName") or text_of(parent_ref, "ListID") or ""
            raise invalid_reference(kinds, value, "parent field")
        full_name = f"{parent.full_name}:{name}"
        sublevel = parent.full_name.count(":") + 1
        parts.append(company.ref("ParentRef", parent))
    if store.name_taken(kind, full_name):
        raise QbRequestRefused(3100, f'The name "{full_name}" of the list element is already '
                                     "in use.")
    for tag in _ACCOUNTS_REQUIRED.get(kind, ()):
        if source.find(tag) is None:
            raise save_refused(f'{kind} list, element "{name}"',
                               f"{tag} is required for this item type.")
    stamp, epoch = store.now()
    list_id = store.new_list_id(epoch)
    parts += [element("ListID", list_id), element("TimeCreated", stamp),
              element("TimeModified", stamp), element("EditSequence", str(epoch)),
              element("Name", name), element("FullName", full_name),
              element("Sublevel", str(sublevel))]
    if not (text_of(source, "IsActive") or ""):
        parts.append(element("IsActive", "true"))
    barcode = text_of(source, "BarCode/BarCodeValue")
    if barcode:
        parts.append(element("BarCodeValue", barcode))
    parts += _all_converted(company, kind, [
        child for child in source if isinstance(child.tag, str)
        and child.tag not in _DROPPED and child.tag != "Name" and child.tag != "ParentRef"])
    parts += _computed_fields(kind, source)
    parts += list_defaults(company, kind, parts)
    ret = ordered(f"{kind}Ret", parts)
    row = ListRow(list_id, kind, name, full_name, text_of(ret, "IsActive") != "false",
                  str(epoch), stamp, to_text(ret))
    store.insert_list(row)
    post_opening_balance(company, row, source)
    return row


def _computed_fields(kind: str, source: etree._Element) -> list[etree._Element]:
    # Balances, quantities and average cost are read from the ledger (``ledger_view``).
    if kind in ("Customer", "Account"):
        return [element("Balance", "0.00"), element("TotalBalance", "0.00")]
    if kind == "Vendor":
        return [element("Balance", "0.00")]  # no bills are modelled: nothing is owed
    if kind == "ItemInventory":
        cost = Decimal(text_of(source, "PurchaseCost") or "0")
        return [element("QuantityOnHand", "0"), element("AverageCost", money(cost)),
                element("QuantityOnOrder", "0"), element("QuantityOnSalesOrder", "0")]
    return []


def add_list(company: Company, request: etree._Element) -> Answer:
    source = request[0]
    kind = str(source.tag)[: -len("Add")]
    check_list_currency(company, kind, source)
    row = create_list(company, kind, source)
    return Answer([company.list_ret(row)])


def mod_list(company: Company, request: etree._Element) -> Answer:
    """CustomerMod / ItemInventoryMod: the EditSequence must match the stored one (3200)."""
    source = request[0]
    kind = str(source.tag)[: -len("Mod")]
    store = company.store
    list_id = text_of(source, "ListID") or ""
    row = store.get_list(list_id)
    if row is None or row.kind != kind:
        raise object_not_found(list_id)
    check_edit_sequence(source, row.edit_sequence, company.list_ret(row))
    check_list_currency(company, kind, source, existing=row)
    ret = company.list_ret(row)
    name, full_name = row.name, row.full_name
    new_name = text_of(source, "Name")
    if new_name is not None and new_name != row.name:
        name = new_name
        full_name = full_name[: len(full_name) - len(row.name)] + new_name
        if store.name_taken(kind, full_name, except_id=row.list_id):
            raise QbRequestRefused(3100, f'The name "{full_name}" of the list element is '
                                         "already in use.")
    # An empty element in a Mod clears that field; the others replace theirs.
    changes: dict[str, etree._Element] = {}
    cleared: set[str] = set()
    for child in source:
        if isinstance(child.tag, str) and child.tag not in _DROPPED:
            converted = _converted(company, kind, child)
            if converted is None:
                cleared.add(str(child.tag))
            else:
                changes[str(child.tag)] = converted
    changes["Name"] = element("Name", name)
    changes["FullName"] = element("FullName", full_name)
    stamp, epoch = store.now()
    edit_sequence = store.next_edit_sequence(row.edit_sequence, epoch)
    changes["TimeModified"] = element("TimeModified", stamp)
    changes["EditSequence"] = element("EditSequence", edit_sequence)
    kept = [child for child in ret if child.tag not in changes and child.tag not in cleared]
    allowed = {n for names in RET_ORDER[f"{kind}Ret"] for n in names.split("|")}
    new_ret = ordered(f"{kind}Ret", kept + [v for k, v in changes.items() if k in allowed])
    updated = ListRow(row.list_id, kind, name, full_name, text_of(new_ret, "IsActive") != "false",
                      edit_sequence, stamp, to_text(new_ret))
    store.update_list(updated)
    return Answer([company.list_ret(updated)])


def ensure_chart_of_accounts(company: Company) -> None:
    """Add the seeded accounts a company file lacks (files made before the ledger)."""
    for name, account_type, special in CHART_OF_ACCOUNTS:
        if company.store.find_list(("Account",), name) is None:
            create_list(company, "Account", _seed(("Name", name), ("AccountType", account_type),
                                                  *((("SpecialAccountType", special),)
                                                    if special else ())))


def seed_company(company: Company) -> None:
    """A fresh company: chart of accounts, tax codes, a tax item, payment methods, sites."""
    ensure_chart_of_accounts(company)
    for name, taxable, desc in (("Tax", "true", "Taxable Sales"),
                                ("Non", "false", "Non-Taxable Sales")):
        create_list(company, "SalesTaxCode",
                    _seed(("Name", name), ("IsTaxable", taxable), ("Desc", desc)))
    create_list(company, "ItemSalesTax", _seed(("Name", "State Tax"),
                                               ("ItemDesc", "State sales tax"),
                                               ("TaxRate", "8.25")))
    for name, method_type in (("Visa", "Visa"), ("MasterCard", "MasterCard"),
                              ("Check", "Check"), ("PayPal", "Other")):
        create_list(company, "PaymentMethod",
                    _seed(("Name", name), ("PaymentMethodType", method_type)))
    for name in ("Online Store", "Wholesale"):
        create_list(company, "Class", _seed(("Name", name)))
    if company.multi_site:
        for name, default in (("Main Warehouse", "true"), ("East Warehouse", "false")):
            create_list(company, "InventorySite",
                        _seed(("Name", name), ("IsDefaultSite", default),
                              ("SiteDesc", f"{name} stock")))
    seed_reference_lists(company)


# What a new QuickBooks Desktop company file lists before anyone adds to them (terms, ship
# methods, customer messages, form templates, currencies). Other lists a reference can name
# (sales reps, vendors, customer and job types, price levels, units of measure) start empty
# here, and the simulator has no Add for them: a reference to one is unresolved (3140).
_TERMS = (("Net 30", "30", "0", "0"), ("Net 15", "15", "0", "0"), ("Net 60", "60", "0", "0"),
          ("Due on receipt", "0", "0", "0"), ("1% 10 Net 30", "30", "10", "1.0"),
          ("2% 10 Net 30", "30", "10", "2.0"), ("Consignment", "0", "0", "0"))
_SHIP_METHODS = ("DHL", "Federal Express", "UPS", "US Mail", "USPS")
_CUSTOMER_MESSAGES = ("Thank you for your business.", "Please remit to above address.",
                      "All work is complete!", "We appreciate your prompt payment.",
                      "It's been a pleasure working with you!", "Happy Holidays!")
_TEMPLATES = (("Intuit Product Invoice", "Invoice"), ("Intuit Service Invoice", "Invoice"),
              ("Intuit Professional Invoice", "Invoice"), ("Custom Sales Receipt", "SalesReceipt"),
              ("Custom Credit Memo", "CreditMemo"))
_CURRENCIES = (("US Dollar", "USD"), ("Euro", "EUR"), ("British Pound Sterling", "GBP"),
               ("Canadian Dollar", "CAD"), ("Australian Dollar", "AUD"),
               ("Japanese Yen", "JPY"), ("Swiss Franc", "CHF"), ("Mexican Peso", "MXN"),
               ("New Zealand Dollar", "NZD"))


def seed_reference_lists(company: Company) -> None:
    """Seed the name-only lists; also run on company files created before they existed."""
    if company.store.lists_of(("StandardTerms",)):
        return
    for name, due, discount_days, percent in _TERMS:
        create_list(company, "StandardTerms", _seed(
            ("Name", name), ("StdDueDays", due), ("StdDiscountDays", discount_days),
            ("DiscountPct", percent)))
    for kind, names in (("ShipMethod", _SHIP_METHODS), ("CustomerMsg", _CUSTOMER_MESSAGES)):
        for name in names:
            create_list(company, kind, _seed(("Name", name)))
    for name, template_type in _TEMPLATES:
        create_list(company, "Template", _seed(("Name", name), ("TemplateType", template_type)))
    for name, code in _CURRENCIES:
        create_list(company, "Currency", _seed(("Name", name), ("CurrencyCode", code)))


def _seed(*fields: tuple[str, str]) -> etree._Element:
    return element("Seed", children=[element(tag, text) for tag, text in fields])
