"""Fields real QuickBooks always writes in a Ret even when the request left them out.

Lists: ``JobStatus`` on customers; ``PurchaseCost`` and ``SalesTaxCodeRef`` on inventory
items. Sales documents (invoice, sales receipt, credit memo): ``TemplateRef``, ``DueDate``,
``ShipDate``, ``IsPending``, ``IsToBePrinted`` and ``CustomerSalesTaxCodeRef``. Each helper
returns only the elements missing from ``parts``; ``retxml.ordered`` puts them in place.
"""

from __future__ import annotations

from datetime import date, timedelta

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Company
from qbwc_service.sandbox.quickbooks.retxml import element, text_of

__all__ = ["list_defaults", "sales_defaults"]

# The form template a new company file uses for each sales document.
_TEMPLATES = {"Invoice": "Intuit Product Invoice", "SalesReceipt": "Custom Sales Receipt",
              "CreditMemo": "Custom Credit Memo"}
# PreferencesRet/SalesTaxPreferences/DefaultTaxableSalesTaxCodeRef of the simulated company.
_TAXABLE_CODE = "Tax"


def _missing(parts: list[etree._Element], tag: str) -> bool:
    return all(part.tag != tag for part in parts)


def list_defaults(company: Company, kind: str,
                  parts: list[etree._Element]) -> list[etree._Element]:
    """Defaults for a new list record of ``kind`` built from ``parts``."""
    added: list[etree._Element] = []
    if kind == "Customer" and _missing(parts, "JobStatus"):
        added.append(element("JobStatus", "None"))
    if kind == "ItemInventory":
        if _missing(parts, "PurchaseCost"):
            added.append(element("PurchaseCost", "0.00"))
        if _missing(parts, "SalesTaxCodeRef"):
            code = company.default_ref("SalesTaxCodeRef", "SalesTaxCode", _TAXABLE_CODE)
            if code is not None:
                added.append(code)
    return added


def sales_defaults(company: Company, kind: str,
                   parts: list[etree._Element]) -> list[etree._Element]:
    """Defaults for an Invoice, SalesReceipt or CreditMemo Ret being built from ``parts``.

    DueDate is the transaction date plus the standard terms' due days (the date itself
    without terms); ShipDate is the transaction date; the customer tax code is the
    customer's own, else the company's default taxable code.
    """
    added: list[etree._Element] = []
    txn_date = next((part.text for part in parts if part.tag == "TxnDate"), None)
    if _missing(parts, "TemplateRef"):
        template = company.default_ref("TemplateRef", "Template", _TEMPLATES[kind])
        if template is not None:
            added.append(template)
    if txn_date and _missing(parts, "DueDate"):
        added.append(element("DueDate", _due_date(company, parts, date.fromisoformat(txn_date))))
    if txn_date and _missing(parts, "ShipDate"):
        added.append(element("ShipDate", txn_date))
    for tag, value in (("IsPending", "false"), ("IsToBePrinted", "true")):
        if _missing(parts, tag):
            added.append(element(tag, value))
    if _missing(parts, "CustomerSalesTaxCodeRef"):
        code = _customer_tax_code(company, parts)
        if code is not None:
            added.append(code)
    return added


def _due_date(company: Company, parts: list[etree._Element], txn_date: date) -> str:
    terms = next((part for part in parts if part.tag == "TermsRef"), None)
    row = company.lookup(("StandardTerms",), terms) if terms is not None else None
    days = int(text_of(company.list_ret(row), "StdDueDays") or "0") if row is not None else 0
    return (txn_date + timedelta(days=days)).isoformat()


def _customer_tax_code(company: Company,
                       parts: list[etree._Element]) -> etree._Element | None:
    customer = next((part for part in parts if part.tag == "CustomerRef"), None)
    row = company.lookup(("Customer",), customer) if customer is not None else None
    name = text_of(company.list_ret(row), "SalesTaxCodeRef/FullName") if row is not None \
        else None
    return company.default_ref("CustomerSalesTaxCodeRef", "SalesTaxCode",
                               name or _TAXABLE_CODE)
