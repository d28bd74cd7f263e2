"""HostQuery, CompanyQuery and PreferencesQuery: what the Web Connector sends first."""

from __future__ import annotations

import json

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Company
from qbwc_service.sandbox.quickbooks.retxml import element

__all__ = ["company_ret", "data_extensions", "host_ret", "preferences_ret"]

_BOOL = {True: "true", False: "false"}


def data_extensions(company: Company) -> dict[str, dict[str, str]]:
    """``{owner_id: {name: value}}`` as stamped into the company file."""
    raw = company.store.get_meta("data_extensions")
    return json.loads(raw) if raw else {}


def host_ret(company: Company) -> etree._Element:
    release = company.release
    return element("HostRet", children=[
        element("ProductName", release.product_name),
        element("MajorVersion", release.major_version),
        element("MinorVersion", release.minor_version),
        element("Country", "US"),
        *(element("SupportedQBXMLVersion", v) for v in release.supported_versions),
        element("IsAutomaticLogin", "true"),
        element("QBFileMode", "SingleUser"),
    ])


def company_ret(company: Company) -> etree._Element:
    name = company.store.get_meta("company_name") or "Sandbox Company"
    children = [
        element("IsSampleCompany", "false"),
        element("CompanyName", name),
        element("LegalCompanyName", name),
        element("Address", children=[element("Addr1", name), element("City", "Mountain View"),
                                     element("State", "CA"), element("PostalCode", "94043"),
                                     element("Country", "US")]),
        element("FirstMonthFiscalYear", "January"),
        element("FirstMonthIncomeTaxYear", "January"),
        element("CompanyType", "RetailShopOrOnlineCommerce"),
        element("TaxForm", "Form1120"),
    ]
    for owner_id, values in data_extensions(company).items():
        for ext_name, value in values.items():
            children.append(element("DataExtRet", children=[
                element("OwnerID", owner_id), element("DataExtName", ext_name),
                element("DataExtType", "STR255TYPE"), element("DataExtValue", value)]))
    return element("CompanyRet", children=children)


def _ref(company: Company, tag: str, kind: str, name: str) -> etree._Element:
    row = company.store.find_list((kind,), name)
    children = [element("ListID", row.list_id)] if row is not None else []
    return element(tag, children=[*children, element("FullName", name)])


def _multicurrency(company: Company) -> list[etree._Element]:
    """IsMultiCurrencyOn and, when on, HomeCurrencyRef (qbXML 8.0 and later)."""
    if company.home_currency is None:
        return [element("IsMultiCurrencyOn", "false")]
    return [element("IsMultiCurrencyOn", "true"),
            _ref(company, "HomeCurrencyRef", "Currency", company.home_currency)]


def preferences_ret(company: Company) -> etree._Element:
    accounting = [element("IsUsingAccountNumbers", "false"),
                  element("IsRequiringAccounts", "true"),
                  element("IsUsingClassTracking", "true"),
                  element("IsUsingAuditTrail", "true"),
                  element("IsAssigningJournalEntryNumbers", "true")]
    if company.closing_date is not None:
        accounting.append(element("ClosingDate", company.closing_date.isoformat()))
    return element("PreferencesRet", children=[
        element("AccountingPreferences", children=accounting),
        element("FinanceChargePreferences", children=[
            element("GracePeriod", "0"), element("IsAssessingForOverdueCharges", "false"),
            element("CalculateChargesFrom", "DueDate"), element("IsMarkedToBePrinted", "false")]),
        element("JobsAndEstimatesPreferences", children=[
            element("IsUsingEstimates", "true"), element("IsUsingProgressInvoicing", "false"),
            element("IsPrintingItemsWithZeroAmounts", "false")]),
        element("MultiCurrencyPreferences", children=_multicurrency(company)),
        element("MultiLocationInventoryPreferences", children=[
            element("IsMultiLocationInventoryAvailable", "true"),
            element("IsMultiLocationInventoryEnabled", _BOOL[company.multi_site])]),
        element("PurchasesAndVendorsPreferences", children=[
            element("IsUsingInventory", "true"), element("DaysBillsAreDue", "10"),
            element("IsAutomaticallyUsingDiscounts", "false")]),
        element("ReportsPreferences", children=[
            element("AgingReportBasis", "AgeFromDueDate"),
            element("SummaryReportBasis", "Accrual")]),
        element("SalesAndCustomersPreferences", children=[
            element("IsTrackingReimbursedExpensesAsIncome", "false"),
            element("IsAutoApplyingPayments", "true"),
            element("PriceLevels", children=[element("IsUsingPriceLevels", "true")])]),
        element("SalesTaxPreferences", children=[
            _ref(company, "DefaultItemSalesTaxRef", "ItemSalesTax", "State Tax"),
            element("PaySalesTax", "Monthly"),
            _ref(company, "DefaultTaxableSalesTaxCodeRef", "SalesTaxCode", "Tax"),
            _ref(company, "DefaultNonTaxableSalesTaxCodeRef", "SalesTaxCode", "Non")]),
        element("TimeTrackingPreferences", children=[element("FirstDayOfWeek", "Monday")]),
        element("CurrentAppAccessRights", children=[
            element("IsAutomaticLoginAllowed", "true"),
            element("IsPersonalDataAccessAllowed", "true")]),
    ])
