"""The simulated company as the request handlers see it: store, preferences and references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from qbwc_service.sandbox.quickbooks.exceptions import QbRequestRefused
from qbwc_service.sandbox.quickbooks.ledger_view import fill_list
from qbwc_service.sandbox.quickbooks.refusals import (
    CLOSED_PERIOD,
    closed_period,
    not_enabled,
    qb_error,
)
from qbwc_service.sandbox.quickbooks.releases import Release
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, text_of
from qbwc_service.sandbox.quickbooks.store import CompanyStore, ListRow

__all__ = [
    "CLOSED_PERIOD_STATUS",
    "ITEM_KINDS",
    "REF_KINDS",
    "Answer",
    "Company",
    "check_edit_sequence",
    "invalid_reference",
    "object_not_found",
    "required_ref",
]

ITEM_KINDS: tuple[str, ...] = ("ItemInventory", "ItemNonInventory", "ItemService",
                               "ItemOtherCharge", "ItemDiscount", "ItemGroup", "ItemSalesTax")
_ACCOUNT = ("Account",)
_SITE = ("InventorySite",)
REF_KINDS: dict[str, tuple[str, ...]] = {
    "CustomerRef": ("Customer",), "ParentRef": (), "ClassRef": ("Class",),
    "ItemRef": ITEM_KINDS, "ItemGroupRef": ("ItemGroup",),
    "ItemSalesTaxRef": ("ItemSalesTax",), "SalesTaxCodeRef": ("SalesTaxCode",),
    "CustomerSalesTaxCodeRef": ("SalesTaxCode",), "PurchaseTaxCodeRef": ("SalesTaxCode",),
    "PaymentMethodRef": ("PaymentMethod",), "PreferredPaymentMethodRef": ("PaymentMethod",),
    "InventorySiteRef": _SITE, "FromInventorySiteRef": _SITE, "ToInventorySiteRef": _SITE,
    "AccountRef": _ACCOUNT, "ARAccountRef": _ACCOUNT, "IncomeAccountRef": _ACCOUNT,
    "COGSAccountRef": _ACCOUNT, "AssetAccountRef": _ACCOUNT, "ExpenseAccountRef": _ACCOUNT,
    "DepositToAccountRef": _ACCOUNT, "OverrideItemAccountRef": _ACCOUNT,
    "RefundFromAccountRef": _ACCOUNT,
    "PayeeEntityRef": ("Customer", "Vendor", "Employee", "OtherName"),
    "EntityRef": ("Customer", "Vendor", "Employee", "OtherName"),
}
# Lists the simulator keeps only as seeded names (lists.seed_reference_lists) or keeps
# empty; a reference to a name not in them is unresolved (3140), as in real QuickBooks.
_TERMS = ("StandardTerms", "DateDrivenTerms")
_VENDOR = ("Vendor",)
REF_KINDS.update({
    "TermsRef": _TERMS, "ShipMethodRef": ("ShipMethod",), "CustomerMsgRef": ("CustomerMsg",),
    "TemplateRef": ("Template",), "CurrencyRef": ("Currency",), "SalesRepRef": ("SalesRep",),
    "CustomerTypeRef": ("CustomerType",), "JobTypeRef": ("JobType",),
    "PriceLevelRef": ("PriceLevel",), "PrefVendorRef": _VENDOR, "TaxVendorRef": _VENDOR,
    "UnitOfMeasureSetRef": ("UnitOfMeasureSet",),
    "SalesTaxReturnLineRef": ("SalesTaxReturnLine",),
    "InventorySiteLocationRef": ("InventorySiteLocation",),
    "DiscountAccountRef": _ACCOUNT, "DiscountClassRef": ("Class",),
})
# Lists whose records carry a currency once multicurrency is on.
_CURRENCY_KINDS = frozenset({"Customer", "Vendor", "Account"})
# Aggregates whose name ends in "Ref" but which name no list record.
NOT_LIST_REFS = frozenset({"AdditionalContactRef"})
_LABELS = {"Customer": "Customer", "Class": "Class", "Account": "Account",
           "SalesTaxCode": "Sales Tax Code", "PaymentMethod": "Payment Method",
           "InventorySite": "Site", "ItemGroup": "Item", "ItemSalesTax": "Item",
           "StandardTerms": "Terms", "ShipMethod": "Ship Method",
           "CustomerMsg": "Customer Message", "Template": "Template", "Currency": "Currency",
           "SalesRep": "Sales Rep", "CustomerType": "Customer Type", "JobType": "Job Type",
           "PriceLevel": "Price Level", "Vendor": "Vendor",
           "UnitOfMeasureSet": "Unit Of Measure Set",
           "SalesTaxReturnLine": "Sales Tax Return Line",
           "InventorySiteLocation": "Site Location"}
_NOT_IN_LIST = "Invalid argument.  The specified record does not exist in the list."

# A transaction dated on or before the closing date: 3171 in QuickBooks' words
# (``refusals.closed_period`` cites the capture).
CLOSED_PERIOD_STATUS = CLOSED_PERIOD


def check_edit_sequence(source: etree._Element, stored: str,
                        current: etree._Element) -> None:
    """3200 with the record as it stands when a Mod's EditSequence is not the stored one."""
    given = text_of(source, "EditSequence") or ""
    if given != stored:
        raise QbRequestRefused(3200, f'The provided edit sequence "{given}" is out-of-date.',
                               ret=current)


def invalid_reference(kinds: tuple[str, ...], value: str, where: str) -> QbRequestRefused:
    kind = kinds[0] if kinds else "Item"
    label = _LABELS.get(kind, "Item" if kind.startswith("Item") else kind)
    return QbRequestRefused(
        3140, qb_error(f'There is an invalid reference to QuickBooks {label} "{value}" in the '
                       f"{where}.", _NOT_IN_LIST))


def required_ref(ref: etree._Element | None, tag: str, where: str) -> etree._Element:
    """``ref``, or 3140 for the ``tag`` reference the request left out where a record is
    needed (no capture of QuickBooks' answer was found: taken as a reference to no record)."""
    if ref is None:
        raise invalid_reference(REF_KINDS.get(tag, (tag[:-3],)), "", where)
    return ref


def object_not_found(identifier: str) -> QbRequestRefused:
    """3120 as QuickBooks words it (a real CustomerQueryRs quoted in the qbwc gem's tests)."""
    return QbRequestRefused(3120, qb_error(f'Object "{identifier}" specified in the request '
                                           "cannot be found.", _NOT_IN_LIST))


@dataclass
class Company:
    """Handlers receive this; ``version`` is the qbXML version of the current message set."""

    store: CompanyStore
    release: Release
    multi_site: bool
    closing_date: date | None
    version: tuple[int, int] = (13, 0)
    # QuickBooks' home currency once multicurrency is on (``None``: off); set in the
    # simulator's company file, never turned off again (QuickBooks cannot turn it off).
    home_currency: str | None = None

    # -- references ---------------------------------------------------------------------
    def lookup(self, kinds: tuple[str, ...], ref: etree._Element) -> ListRow | None:
        list_id = text_of(ref, "ListID")
        if list_id:
            row = self.store.get_list(list_id)
            return row if row is not None and (not kinds or row.kind in kinds) else None
        full_name = text_of(ref, "FullName")
        return self.store.find_list(kinds, full_name) if full_name else None

    def resolve(self, ref: etree._Element, where: str,
                kinds: tuple[str, ...] | None = None) -> etree._Element:
        """A Ref element rewritten with the record's ListID and FullName, or 3140."""
        tag = str(ref.tag)
        if tag in NOT_LIST_REFS:
            return ref
        # A reference to a list this table does not name is taken to name its own list
        # ("FooRef" -> "Foo"), which the simulator keeps empty: unresolved, as it would be.
        kinds = REF_KINDS.get(tag, (tag[:-3],)) if kinds is None else kinds
        if tag in ("InventorySiteRef", "FromInventorySiteRef", "ToInventorySiteRef") \
                and not self.multi_site:
            raise not_enabled()
        row = self.lookup(kinds, ref)
        if row is None:
            value = text_of(ref, "FullName") or text_of(ref, "ListID") or ""
            raise invalid_reference(kinds, value, where)
        return self.ref(tag, row)

    @staticmethod
    def ref(tag: str, row: ListRow) -> etree._Element:
        return element(tag, children=[element("ListID", row.list_id),
                                      element("FullName", row.full_name)])

    def default_ref(self, tag: str, kind: str, full_name: str) -> etree._Element | None:
        row = self.store.find_list((kind,), full_name)
        return None if row is None else self.ref(tag, row)

    # -- list records as returned ---------------------------------------------------------
    def list_ret(self, row: ListRow) -> etree._Element:
        """The stored Ret with values QuickBooks computes at read time filled in; with
        multicurrency on, names and accounts without a currency are in the home currency
        (Intuit, "Set up and use multicurrency": existing names and accounts are assigned
        the home currency)."""
        ret = fill_list(self.store, row, from_text(row.ret_xml))
        if self.home_currency and row.kind in _CURRENCY_KINDS and ret.find("CurrencyRef") is None:
            home = self.default_ref("CurrencyRef", "Currency", self.home_currency)
            if home is not None:
                ret.append(home)
        return ret

    def check_open_period(self, txn_date: str, what: str) -> None:
        if self.closing_date is not None and date.fromisoformat(txn_date) <= self.closing_date:
            raise closed_period(what)


@dataclass
class Answer:
    """What a handler returns: Ret elements and extra attributes for the Rs element."""

    rets: list[etree._Element]
    attributes: dict[str, str] | None = None
    status_code: int = 0
    status_message: str = "Status OK"
    severity: str = "Info"
