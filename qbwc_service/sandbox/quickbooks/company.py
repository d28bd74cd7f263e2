"""The simulated company as the request handlers see it: store, preferences and references."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from lxml import etree

from qbwc_service.sandbox.quickbooks.exceptions import QbRequestRefused
from qbwc_service.sandbox.quickbooks.ledger_view import fill_list
from qbwc_service.sandbox.quickbooks.releases import Release
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, text_of
from qbwc_service.sandbox.quickbooks.store import CompanyStore, ListRow

__all__ = [
    "CLOSED_PERIOD_STATUS",
    "ITEM_KINDS",
    "REF_KINDS",
    "Answer",
    "Company",
    "invalid_reference",
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
}
_LABELS = {"Customer": "Customer", "Class": "Class", "Account": "Account",
           "SalesTaxCode": "Sales Tax Code", "PaymentMethod": "Payment Method",
           "InventorySite": "Site", "ItemGroup": "Item", "ItemSalesTax": "Item"}

# qbxml.md §8 names no status for a closed period; the simulator answers 3250 (the
# "not enabled or not available" family) so that a refusal is never mistaken for a lock
# error worth retrying.
CLOSED_PERIOD_STATUS = 3250


def invalid_reference(kinds: tuple[str, ...], value: str, where: str) -> QbRequestRefused:
    label = _LABELS.get(kinds[0], "Item") if kinds else "Item"
    return QbRequestRefused(
        3140, f'There is an invalid reference to QuickBooks {label} "{value}" in the {where}. '
              "QuickBooks error message: Invalid argument. The specified record does not "
              "exist in the list.")


@dataclass
class Company:
    """Handlers receive this; ``version`` is the qbXML version of the current message set."""

    store: CompanyStore
    release: Release
    multi_site: bool
    closing_date: date | None
    version: tuple[int, int] = (13, 0)

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
        kinds = REF_KINDS.get(tag, ()) if kinds is None else kinds
        if tag not in REF_KINDS and kinds == ():
            return ref  # lists the simulator does not keep (terms, reps, ...) pass as given
        if tag in ("InventorySiteRef", "FromInventorySiteRef", "ToInventorySiteRef") \
                and not self.multi_site:
            raise QbRequestRefused(3250, "This feature is not enabled or not available in "
                                         "this version of QuickBooks.")
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
        """The stored Ret with values QuickBooks computes at read time filled in."""
        return fill_list(self.store, row, from_text(row.ret_xml))

    def check_open_period(self, txn_date: str, what: str) -> None:
        if self.closing_date is not None and date.fromisoformat(txn_date) <= self.closing_date:
            raise QbRequestRefused(
                CLOSED_PERIOD_STATUS,
                f"The {what} dated {txn_date} falls on or before the closing date "
                f"{self.closing_date.isoformat()}; QuickBooks does not accept it.")


@dataclass
class Answer:
    """What a handler returns: Ret elements and extra attributes for the Rs element."""

    rets: list[etree._Element]
    attributes: dict[str, str] | None = None
    status_code: int = 0
    status_message: str = "Status OK"
    severity: str = "Info"
