"""Queries that read the journal: TransactionQuery, TxnDeletedQuery and
GeneralSummaryReportQuery (ProfitAndLossStandard, BalanceSheetStandard, TrialBalance).

TransactionQuery answers one TransactionRet per transaction (``SummaryOnly``, the
default: the header line, e.g. Accounts Receivable for an invoice) or per journal line
(``All``; ``AllExceptSummary`` leaves the header line out). Amounts are signed the way
the journal has them: debits positive, credits negative. A transaction in a foreign
currency answers, as the XSD's TransactionRet allows, its ``CurrencyRef``, ``ExchangeRate``
and each line's ``AmountInHomeCurrency``; the simulator's journal keeps home-currency
amounts only, so the line's ``Amount`` in the foreign currency is not modelled and left
out (real QuickBooks gives it too).

Reports follow the XSD's ReportRet shape: ReportTitle, ReportSubtitle, ReportBasis,
NumRows, NumColumns, NumColTitleRows, ColDesc (ColTitle, ColType) and ReportData rows
(TextRow, DataRow with RowData and ColData, SubtotalRow, TotalRow).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from qbwc_service.sandbox.quickbooks.books import books
from qbwc_service.sandbox.quickbooks.company import ITEM_KINDS, Answer, Company
from qbwc_service.sandbox.quickbooks.ledger import (
    BALANCE_SHEET_TYPES,
    INCOME_STATEMENT_TYPES,
    account_types,
    fill_txn,
)
from qbwc_service.sandbox.quickbooks.queries import IteratorBook, max_returned, ref_match
from qbwc_service.sandbox.quickbooks.refusals import not_supported
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, money, text_of, to_text
from qbwc_service.sandbox.quickbooks.store import Entry, TxnRow

__all__ = ["LEDGER_QUERIES", "run_ledger_query"]

LEDGER_QUERIES = frozenset({"TransactionQueryRq", "TxnDeletedQueryRq",
                            "GeneralSummaryReportQueryRq"})


def _in(value: str, low: str | None, high: str | None) -> bool:
    return (not low or value[:len(low)] >= low) and (not high or value[:len(high)] <= high)


def _listed(company: Company, kinds: tuple[str, ...], holder: etree._Element | None
            ) -> set[str] | None:
    """ListIDs named by an entity/account filter (with children when asked), or ``None``."""
    if holder is None:
        return None
    store = company.store
    by_type = _by_type(company, holder)
    if by_type is not None:
        return by_type
    wanted: set[str] = {t.text or "" for t in holder.findall("ListID")}
    names = {(t.text or "").lower() for t in holder.findall("FullName")}
    parents = {t.text or "" for t in holder.findall("ListIDWithChildren")}
    parent_names = {(t.text or "").lower() for t in holder.findall("FullNameWithChildren")}
    for row in store.lists_of(kinds):
        name = row.full_name.lower()
        if name in names or row.list_id in parents or name in parent_names:
            wanted.add(row.list_id)
        parent_name = name.rsplit(":", 1)[0] if ":" in name else None
        if parent_name is not None and any(
                parent_name == p or parent_name.startswith(p + ":") for p in parent_names):
            wanted.add(row.list_id)
    return wanted


_ITEM_TYPES = {"Inventory": ("ItemInventory",), "InventoryAndAssembly": ("ItemInventory",),
               "NonInventory": ("ItemNonInventory",), "Service": ("ItemService",),
               "OtherCharge": ("ItemOtherCharge",), "Discount": ("ItemDiscount",),
               "SalesTax": ("ItemSalesTax",), "AllExceptFixedAsset": ITEM_KINDS}


def _by_type(company: Company, holder: etree._Element) -> set[str] | None:
    """ListIDs an EntityTypeFilter, AccountTypeFilter or ItemTypeFilter selects."""
    store = company.store
    entity_type = text_of(holder, "EntityTypeFilter")
    if entity_type is not None:
        return {row.list_id for row in store.lists_of((entity_type,))}
    item_type = text_of(holder, "ItemTypeFilter")
    if item_type is not None:
        if item_type not in _ITEM_TYPES:
            raise not_supported(f'ItemTypeFilter "{item_type}"')
        return {row.list_id for row in store.lists_of(_ITEM_TYPES[item_type])}
    account_type = text_of(holder, "AccountTypeFilter")
    if account_type is not None:
        types = account_types(store.connection)
        if account_type not in set(types.values()) | set(BALANCE_SHEET_TYPES) | \
                set(INCOME_STATEMENT_TYPES):
            raise not_supported(f'AccountTypeFilter "{account_type}"')
        return {list_id for list_id, kind in types.items() if kind == account_type}
    return None


def _transaction_ret(company: Company, row: TxnRow, entry: Entry,
                     ret: etree._Element) -> etree._Element:
    created = text_of(ret, "TimeCreated") or row.time_modified
    store = company.store
    parts = [element("TxnType", row.kind), element("TxnID", row.txn_id)]
    if entry.line > 1:
        parts.append(element("TxnLineID", f"{entry.line:X}-{row.edit_sequence}"))
    parts += [element("TimeCreated", created), element("TimeModified", row.time_modified)]
    if entry.entity_id:
        entity = store.get_list(entry.entity_id)
        if entity is not None:
            parts.append(company.ref("EntityRef", entity))
    account = store.get_list(entry.account_id)
    if account is not None:
        parts.append(company.ref("AccountRef", account))
    parts.append(element("TxnDate", row.txn_date))
    if row.ref_number:
        parts.append(element("RefNumber", row.ref_number))
    currency = ret.find("CurrencyRef")
    if currency is None:
        parts.append(element("Amount", money(entry.amount)))
    else:
        # The journal keeps home amounts only: a foreign transaction's line is answered
        # in home currency (AmountInHomeCurrency), without the foreign Amount.
        parts += [from_text(to_text(currency)),
                  element("ExchangeRate", text_of(ret, "ExchangeRate") or "1"),
                  element("AmountInHomeCurrency", money(entry.amount))]
    if row.memo:
        parts.append(element("Memo", row.memo))
    return element("TransactionRet", children=parts)


def _transactions(company: Company, query: etree._Element) -> list[etree._Element]:
    store = company.store
    ids = {t.text for t in query.findall("TxnID")}
    refs = {(t.text or "").lower() for t in query.findall("RefNumber")}
    exact = {t.text for t in query.findall("RefNumberCaseSensitive")}
    types = {t.text for t in query.findall("TransactionTypeFilter/TxnTypeFilter")} - {"All"}
    low = text_of(query, "TransactionDateRangeFilter/FromTxnDate")
    high = text_of(query, "TransactionDateRangeFilter/ToTxnDate")
    mod_low = text_of(query, "TransactionModifiedDateRangeFilter/FromModifiedDate")
    mod_high = text_of(query, "TransactionModifiedDateRangeFilter/ToModifiedDate")
    entities = _listed(company, ("Customer", "Vendor", "Employee", "OtherName"),
                       query.find("TransactionEntityFilter"))
    accounts = _listed(company, ("Account",), query.find("TransactionAccountFilter"))
    items = _listed(company, ITEM_KINDS, query.find("TransactionItemFilter"))
    level = text_of(query, "TransactionDetailLevelFilter") or "SummaryOnly"
    paid = text_of(query, "TransactionPaidStatusFilter") or "Either"
    if query.find("TransactionClassFilter") is not None or \
            text_of(query, "TransactionPostingStatusFilter") == "NonPosting":
        # Classes are not posted to the journal, and every kept transaction posts.
        if query.find("TransactionClassFilter") is not None:
            raise not_supported("TransactionClassFilter")
        return []
    ref_filter = query.find("RefNumberFilter")
    ref_range = query.find("RefNumberRangeFilter")
    rets = []
    for row in store.all_txns():
        if (ids and row.txn_id not in ids) or (types and row.kind not in types):
            continue
        if (refs or exact) and (row.ref_number or "").lower() not in refs \
                and row.ref_number not in exact:
            continue
        if not _in(row.txn_date, low, high) or not _in(row.time_modified, mod_low, mod_high):
            continue
        if ref_filter is not None and not ref_match(row.ref_number or "", ref_filter):
            continue
        if ref_range is not None and not _in(row.ref_number or "",
                                             text_of(ref_range, "FromRefNumber"),
                                             text_of(ref_range, "ToRefNumber")):
            continue
        ret = fill_txn(store, row.kind, row.txn_id, from_text(row.ret_xml))
        if paid != "Either" and _is_open(row.kind, ret) != (paid == "Open"):
            continue
        entries = store.entries_of(row.txn_id)
        if level == "SummaryOnly":
            entries = entries[:1]
        elif level == "AllExceptSummary":
            entries = entries[1:]
        for entry in entries:
            if entities is not None and entry.entity_id not in entities:
                continue
            if accounts is not None and entry.account_id not in accounts:
                continue
            if items is not None and entry.item_id not in items:
                continue
            rets.append(_transaction_ret(company, row, entry, ret))
    return rets


def _is_open(kind: str, ret: etree._Element) -> bool | None:
    """Whether an invoice, credit memo or payment still has an open amount; ``None`` for
    kinds that are neither open nor closed (they match neither filter value)."""
    field = {"Invoice": "BalanceRemaining", "CreditMemo": "CreditRemaining",
             "ReceivePayment": "UnusedPayment"}.get(kind)
    if field is None:
        return None
    return Decimal(text_of(ret, field) or "0") != 0


def _deleted(company: Company, query: etree._Element) -> list[etree._Element]:
    kinds = tuple(t.text or "" for t in query.findall("TxnDelType"))
    low = text_of(query, "DeletedDateRangeFilter/FromDeletedDate")
    high = text_of(query, "DeletedDateRangeFilter/ToDeletedDate")
    rets = []
    for txn_id, kind, ref_number, created, deleted in company.store.deleted_txns(kinds):
        if not _in(deleted, low, high):
            continue
        parts = [element("TxnDelType", kind), element("TxnID", txn_id),
                 element("TimeCreated", created), element("TimeDeleted", deleted)]
        if ref_number:
            parts.append(element("RefNumber", ref_number))
        rets.append(element("TxnDeletedRet", children=parts))
    return rets


# Report options the simulator does not model: refused, never silently ignored.
_UNMODELLED_REPORT_OPTIONS = frozenset({
    "ReportDateMacro", "ReportAccountFilter", "ReportEntityFilter", "ReportItemFilter",
    "ReportClassFilter", "ReportTxnTypeFilter", "ReportModifiedDateRangeFilter",
    "ReportModifiedDateRangeMacro", "IncludeSubcolumns", "ReportCalendar"})


class _Report:
    """ReportRet under construction: a label column and amount columns."""

    def __init__(self, title: str, subtitle: str, columns: list[tuple[str, str]]) -> None:
        self.title, self.subtitle, self.columns = title, subtitle, columns
        self.rows: list[etree._Element] = []

    def _cells(self, row: etree._Element, label: str, amounts: list[str]) -> etree._Element:
        row.append(element("ColData"))
        row[-1].attrib.update({"colID": "1", "value": label})
        for number, amount in enumerate(amounts, start=2):
            if amount:
                cell = element("ColData")
                cell.attrib.update({"colID": str(number), "value": amount})
                row.append(cell)
        return row

    def text(self, value: str) -> None:
        row = element("TextRow")
        row.attrib.update({"rowNumber": str(len(self.rows) + 1), "value": value})
        self.rows.append(row)

    def data(self, account: str, amounts: list[str]) -> None:
        row = element("DataRow")
        row.set("rowNumber", str(len(self.rows) + 1))
        data = element("RowData")
        data.attrib.update({"rowType": "account", "value": account})
        row.append(data)
        self.rows.append(self._cells(row, account, amounts))

    def total(self, tag: str, label: str, amounts: list[str]) -> None:
        row = element(tag)
        row.set("rowNumber", str(len(self.rows) + 1))
        self.rows.append(self._cells(row, label, amounts))

    def ret(self) -> etree._Element:
        parts = [element("ReportTitle", self.title), element("ReportSubtitle", self.subtitle),
                 element("ReportBasis", "Accrual"), element("NumRows", str(len(self.rows))),
                 element("NumColumns", str(len(self.columns) + 1)),
                 element("NumColTitleRows", "1")]
        for number, (title, col_type) in enumerate([("", "Label"), *self.columns], start=1):
            desc = element("ColDesc")
            desc.attrib.update({"colID": str(number),
                                "dataType": "STRTYPE" if col_type == "Label" else "AMTTYPE"})
            col_title = element("ColTitle")
            col_title.set("titleRow", "1")
            if title:
                col_title.set("value", title)
            desc.extend([col_title, element("ColType", col_type)])
            parts.append(desc)
        parts.append(element("ReportData", children=self.rows))
        return element("ReportRet", children=parts)


def _section(report: _Report, rows: list[dict[str, str]], total_label: str,
             total: str) -> None:
    for row in rows:
        report.data(row["account"], [row["amount"]])
    report.total("SubtotalRow", total_label, [total])


def _general_summary(company: Company, query: etree._Element) -> etree._Element:
    kind = text_of(query, "GeneralSummaryReportType") or ""
    unmodelled = [str(c.tag) for c in query if c.tag in _UNMODELLED_REPORT_OPTIONS]
    if text_of(query, "SummarizeColumnsBy") not in (None, "TotalOnly"):
        unmodelled.append("SummarizeColumnsBy")
    if text_of(query, "ReportBasis") not in (None, "Accrual"):
        unmodelled.append("ReportBasis")
    if unmodelled:
        raise not_supported(f"{', '.join(unmodelled)} in a report request")
    low = text_of(query, "ReportPeriod/FromReportDate")
    high = text_of(query, "ReportPeriod/ToReportDate")
    data: dict[str, Any] = books(company.store.connection, low, high)
    as_of = f"As of {date.fromisoformat(high or date.today().isoformat()):%B %d, %Y}"
    if kind == "TrialBalance":
        trial = data["trial_balance"]
        report = _Report("Trial Balance", as_of, [("Debit", "Debit"), ("Credit", "Credit")])
        for row in trial["accounts"]:
            report.data(row["account"], [row["debit"] if Decimal(row["debit"]) else "",
                                         row["credit"] if Decimal(row["credit"]) else ""])
        report.total("TotalRow", "TOTAL", [trial["total_debit"], trial["total_credit"]])
        return report.ret()
    if kind == "ProfitAndLossStandard":
        pnl = data["profit_and_loss"]
        span = f"{low or 'All dates'} through {high or 'today'}"
        report = _Report("Profit & Loss", span, [("TOTAL", "Total")])
        report.text("Income")
        _section(report, pnl["income"], "Total Income", pnl["total_income"])
        report.text("Cost of Goods Sold")
        _section(report, pnl["cost_of_goods_sold"], "Total COGS",
                 pnl["total_cost_of_goods_sold"])
        report.total("SubtotalRow", "Gross Profit", [pnl["gross_profit"]])
        report.text("Expense")
        _section(report, pnl["expenses"], "Total Expense", pnl["total_expenses"])
        report.total("TotalRow", "Net Income", [pnl["net_income"]])
        return report.ret()
    if kind == "BalanceSheetStandard":
        sheet = data["balance_sheet"]
        report = _Report("Balance Sheet", as_of, [("TOTAL", "Total")])
        report.text("ASSETS")
        _section(report, sheet["assets"], "TOTAL ASSETS", sheet["total_assets"])
        report.text("LIABILITIES & EQUITY")
        _section(report, sheet["liabilities"], "Total Liabilities", sheet["total_liabilities"])
        _section(report, sheet["equity"], "Total Equity", sheet["total_equity"])
        both = Decimal(sheet["total_liabilities"]) + Decimal(sheet["total_equity"])
        report.total("TotalRow", "TOTAL LIABILITIES & EQUITY", [money(both)])
        return report.ret()
    raise not_supported(f'The report type "{kind}"')


def run_ledger_query(company: Company, book: IteratorBook, query: etree._Element) -> Answer:
    tag = str(query.tag)
    if tag == "GeneralSummaryReportQueryRq":
        return Answer([_general_summary(company, query)])
    resumed = book.resume(tag, query)
    if resumed is not None:
        return resumed
    rets = _transactions(company, query) if tag == "TransactionQueryRq" \
        else _deleted(company, query)
    return book.paged(tag, rets, max_returned(query), query.get("iterator"))
