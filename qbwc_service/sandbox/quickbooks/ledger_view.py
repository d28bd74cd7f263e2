"""Where lists meet the ledger: the seeded chart of accounts, opening balances, and the
balances, quantities and average cost QuickBooks computes into AccountRet, CustomerRet and
ItemInventoryRet at read time.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING

from lxml import etree

from qbwc_service.sandbox.quickbooks.ledger import (
    DEBIT_NORMAL,
    Posting,
    account_types,
    average_cost,
    item_totals,
    natural,
)
from qbwc_service.sandbox.quickbooks.retxml import from_text, money, quantity, text_of
from qbwc_service.sandbox.quickbooks.store import CompanyStore, ListRow

if TYPE_CHECKING:
    from qbwc_service.sandbox.quickbooks.company import Company

__all__ = ["CHART_OF_ACCOUNTS", "fill_list", "post_opening_balance", "receivable_ids"]

# A new QuickBooks Desktop company's accounts (name, AccountType, SpecialAccountType), plus
# the ones a web store needs: a merchant account for card deposits, shipping income,
# discounts, and an inventory shrinkage expense.
CHART_OF_ACCOUNTS: tuple[tuple[str, str, str], ...] = (
    ("Checking", "Bank", ""),
    ("Merchant Account", "Bank", ""),
    ("Accounts Receivable", "AccountsReceivable", "AccountsReceivable"),
    ("Undeposited Funds", "OtherCurrentAsset", "UndepositedFunds"),
    ("Inventory Asset", "OtherCurrentAsset", "InventoryAssets"),
    ("Accounts Payable", "AccountsPayable", "AccountsPayable"),
    ("Sales Tax Payable", "OtherCurrentLiability", "SalesTaxPayable"),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity"),
    ("Retained Earnings", "Equity", "RetainedEarnings"),
    ("Sales", "Income", ""),
    ("Shipping Income", "Income", ""),
    ("Discounts Given", "Income", ""),
    ("Uncategorized Income", "Income", "UncategorizedIncome"),
    ("Cost of Goods Sold", "CostOfGoodsSold", "CostOfGoodsSold"),
    ("Inventory Adjustments", "CostOfGoodsSold", ""),
    ("Inventory Shrinkage", "Expense", ""),
    ("Merchant Fees", "Expense", ""),
    ("Uncategorized Expenses", "Expense", "UncategorizedExpenses"),
)


def _account(store: CompanyStore, name: str) -> str:
    row = store.find_list(("Account",), name)
    assert row is not None, f"the seeded account {name} is missing"
    return row.list_id


def post_opening_balance(company: Company, row: ListRow, source: etree._Element) -> None:
    """What QuickBooks posts for an opening balance given on a new list record.

    Account: the account against Opening Balance Equity. Customer: Accounts Receivable
    against Uncategorized Income. Inventory item: QuantityOnHand at TotalValue (or at
    PurchaseCost) into Inventory Asset at no site, against Opening Balance Equity.
    """
    store = company.store
    ret = from_text(row.ret_xml)
    if row.kind == "ItemInventory":
        opening = text_of(source, "QuantityOnHand")
        if not opening or Decimal(opening) == 0:
            return
        qty = Decimal(opening)
        value_text = text_of(source, "TotalValue")
        value = Decimal(value_text) if value_text else \
            qty * Decimal(text_of(source, "PurchaseCost") or "0")
        posting = Posting(f"{row.list_id}-opening", "InventoryOpening",
                          text_of(source, "InventoryDate") or date.today().isoformat())
        posting.add(text_of(ret, "AssetAccountRef/ListID") or _account(store, "Inventory Asset"),
                    value, item_id=row.list_id, site_id="", quantity=qty)
        posting.add(_account(store, "Opening Balance Equity"), -value, item_id=row.list_id)
        posting.save(store)
        return
    amount_text = text_of(source, "OpenBalance")
    if row.kind not in ("Account", "Customer") or not amount_text or Decimal(amount_text) == 0:
        return
    amount = Decimal(amount_text)
    posting = Posting(f"{row.list_id}-opening", "OpeningBalance",
                      text_of(source, "OpenBalanceDate") or date.today().isoformat())
    if row.kind == "Customer":
        posting.add(_account(store, "Accounts Receivable"), amount, entity_id=row.list_id)
        posting.add(_account(store, "Uncategorized Income"), -amount, entity_id=row.list_id)
    else:
        signed = amount if (text_of(ret, "AccountType") or "") in DEBIT_NORMAL else -amount
        posting.add(row.list_id, signed)
        posting.add(_account(store, "Opening Balance Equity"), -signed)
    posting.save(store)


def receivable_ids(store: CompanyStore) -> set[str]:
    return {list_id for list_id, kind in account_types(store.connection).items()
            if kind == "AccountsReceivable"}


def _sum(store: CompanyStore, column: str, values: list[str],
         accounts: set[str] | None = None) -> Decimal:
    if not values:
        return Decimal(0)
    marks = ",".join("?" * len(values))
    rows = store.connection.execute(
        f"SELECT account_id, amount FROM journal WHERE {column} IN ({marks})",  # noqa: S608
        values)
    return sum((Decimal(amount) for account, amount in rows
                if accounts is None or account in accounts), Decimal(0))


def _family(store: CompanyStore, row: ListRow) -> list[str]:
    """The record and its sub-records (sub-accounts, jobs)."""
    prefix = row.full_name.lower() + ":"
    return [row.list_id] + [other.list_id for other in store.lists_of((row.kind,))
                            if other.full_name.lower().startswith(prefix)]


def _set(ret: etree._Element, tag: str, value: str) -> None:
    node = ret.find(tag)
    if node is not None:
        node.text = value


def fill_list(store: CompanyStore, row: ListRow, ret: etree._Element) -> etree._Element:
    """Balance/TotalBalance of accounts and customers; on-hand and average cost of items."""
    if row.kind == "Account":
        account_type = text_of(ret, "AccountType") or ""
        _set(ret, "Balance", money(natural(account_type, _sum(store, "account_id",
                                                              [row.list_id]))))
        _set(ret, "TotalBalance", money(natural(account_type, _sum(
            store, "account_id", _family(store, row)))))
    elif row.kind == "Customer":
        receivables = receivable_ids(store)
        _set(ret, "Balance", money(_sum(store, "entity_id", [row.list_id], receivables)))
        _set(ret, "TotalBalance", money(_sum(store, "entity_id", _family(store, row),
                                             receivables)))
    elif row.kind == "ItemInventory":
        on_hand, _value = item_totals(store, row.list_id)
        fallback = Decimal(text_of(ret, "PurchaseCost") or "0")
        _set(ret, "QuantityOnHand", quantity(on_hand))
        # PRICETYPE: two decimals unless more are needed (10.00 / 3 is 3.33333).
        cost = average_cost(store, row.list_id, fallback)
        exact = quantity(cost)
        _set(ret, "AverageCost", money(cost) if len(exact.partition(".")[2]) <= 2 else exact)
    return ret
