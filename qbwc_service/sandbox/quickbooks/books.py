"""The books of a simulated company as a bookkeeper reads them: trial balance, profit and
loss, balance sheet, customers with open credits or balances, inventory per site.

Everything is read from the journal on a read-only connection; amounts are strings with
two decimals. Debit and credit columns follow the account's sign, never its type.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from decimal import Decimal
from typing import Any

from qbwc_service.sandbox.quickbooks.ledger import (
    BALANCE_SHEET_TYPES,
    INCOME_STATEMENT_TYPES,
    account_balances,
    account_types,
    entity_balances,
    inventory_by_site,
    natural,
)
from qbwc_service.sandbox.quickbooks.retxml import from_text, money

__all__ = ["books"]

_TYPE_ORDER = {name: rank for rank, name in enumerate((*BALANCE_SHEET_TYPES,
                                                        *INCOME_STATEMENT_TYPES, "NonPosting"))}


def _names(conn: sqlite3.Connection, kinds: tuple[str, ...]) -> dict[str, str]:
    marks = ",".join("?" * len(kinds))
    rows = conn.execute(f"SELECT list_id, full_name FROM list_record "  # noqa: S608
                        f"WHERE kind IN ({marks})", kinds)
    return {str(list_id): str(name) for list_id, name in rows}


def _trial_balance(conn: sqlite3.Connection, names: dict[str, str], types: dict[str, str],
                   to_date: str | None) -> dict[str, Any]:
    balances = account_balances(conn, None, to_date)
    rows = []
    debits, credits = Decimal(0), Decimal(0)
    for account_id in sorted(balances, key=lambda a: (_TYPE_ORDER.get(types.get(a, ""), 99),
                                                      names.get(a, a))):
        amount = balances[account_id]
        if amount == 0:
            continue
        debit, credit = (amount, Decimal(0)) if amount > 0 else (Decimal(0), -amount)
        debits += debit
        credits += credit
        rows.append({"account": names.get(account_id, account_id),
                     "type": types.get(account_id, ""), "debit": money(debit),
                     "credit": money(credit)})
    return {"accounts": rows, "total_debit": money(debits), "total_credit": money(credits),
            "balanced": debits == credits}


def _section(balances: dict[str, Decimal], names: dict[str, str], types: dict[str, str],
             wanted: tuple[str, ...]) -> tuple[list[dict[str, str]], Decimal]:
    rows, total = [], Decimal(0)
    for account_id, signed in sorted(balances.items(), key=lambda kv: names.get(kv[0], "")):
        account_type = types.get(account_id, "")
        if account_type not in wanted or signed == 0:
            continue
        amount = natural(account_type, signed)
        rows.append({"account": names.get(account_id, account_id), "type": account_type,
                     "amount": money(amount)})
        total += amount
    return rows, total


def _profit_and_loss(conn: sqlite3.Connection, names: dict[str, str], types: dict[str, str],
                     from_date: str | None, to_date: str | None) -> dict[str, Any]:
    balances = account_balances(conn, from_date, to_date)
    income, income_total = _section(balances, names, types, ("Income", "OtherIncome"))
    cogs, cogs_total = _section(balances, names, types, ("CostOfGoodsSold",))
    expenses, expense_total = _section(balances, names, types, ("Expense", "OtherExpense"))
    return {"from": from_date, "to": to_date, "income": income,
            "total_income": money(income_total), "cost_of_goods_sold": cogs,
            "total_cost_of_goods_sold": money(cogs_total),
            "gross_profit": money(income_total - cogs_total), "expenses": expenses,
            "total_expenses": money(expense_total),
            "net_income": money(income_total - cogs_total - expense_total)}


def _balance_sheet(conn: sqlite3.Connection, names: dict[str, str], types: dict[str, str],
                   to_date: str | None) -> dict[str, Any]:
    balances = account_balances(conn, None, to_date)
    assets, asset_total = _section(balances, names, types, BALANCE_SHEET_TYPES[:5])
    liabilities, liability_total = _section(balances, names, types, BALANCE_SHEET_TYPES[5:9])
    equity, equity_total = _section(balances, names, types, ("Equity",))
    # Net income to date belongs to equity until the year is closed, as on QuickBooks' sheet.
    net_income = -sum((amount for account_id, amount in balances.items()
                       if types.get(account_id) in INCOME_STATEMENT_TYPES), Decimal(0))
    equity.append({"account": "Net Income", "type": "Equity", "amount": money(net_income)})
    equity_total += net_income
    return {"to": to_date, "assets": assets, "total_assets": money(asset_total),
            "liabilities": liabilities, "total_liabilities": money(liability_total),
            "equity": equity, "total_equity": money(equity_total),
            "balanced": asset_total == liability_total + equity_total}


def _customers(conn: sqlite3.Connection, types: dict[str, str]) -> list[dict[str, Any]]:
    names = _names(conn, ("Customer",))
    receivables = {a for a, kind in types.items() if kind == "AccountsReceivable"}
    balances = entity_balances(conn, receivables)
    credits: dict[str, Decimal] = defaultdict(Decimal)
    used: dict[str, Decimal] = defaultdict(Decimal)
    for credit_id, amount in conn.execute("SELECT credit_id, amount FROM application "
                                          "WHERE credit_id IS NOT NULL"):
        used[str(credit_id)] += Decimal(amount)
    for txn_id, customer_id, ret_xml in conn.execute(
            "SELECT txn_id, customer_id, ret_xml FROM txn WHERE kind = 'CreditMemo'"):
        total = Decimal(from_text(ret_xml).findtext("TotalAmount") or "0")
        credits[str(customer_id)] += total - used[str(txn_id)]
    rows = []
    for customer_id in sorted(set(balances) | set(credits), key=lambda c: names.get(c, c)):
        balance, open_credit = balances.get(customer_id, Decimal(0)), credits[customer_id]
        if balance < 0 or open_credit > 0:
            rows.append({"customer": names.get(customer_id, customer_id),
                         "balance": money(balance), "open_credit_memos": money(open_credit)})
    return rows


def _inventory(conn: sqlite3.Connection) -> list[dict[str, Any]]:
    items = _names(conn, ("ItemInventory",))
    sites = _names(conn, ("InventorySite",))
    per_item: dict[str, list[tuple[str, Decimal, Decimal]]] = defaultdict(list)
    for (item_id, site_id), (qty, value) in inventory_by_site(conn).items():
        per_item[item_id].append((site_id, qty, value))
    rows = []
    for item_id in sorted(per_item, key=lambda i: items.get(i, i)):
        quantity = sum((qty for _site, qty, _value in per_item[item_id]), Decimal(0))
        value = sum((val for _site, _qty, val in per_item[item_id]), Decimal(0))
        rows.append({
            "item": items.get(item_id, item_id), "quantity": str(quantity.normalize()),
            "value": money(value),
            "average_cost": money(value / quantity) if quantity > 0 else None,
            "sites": [{"site": sites.get(site, site or "(unassigned)"),
                       "quantity": str(qty.normalize()), "value": money(val)}
                      for site, qty, val in sorted(per_item[item_id])]})
    return rows


def books(conn: sqlite3.Connection, from_date: str | None = None,
          to_date: str | None = None) -> dict[str, Any]:
    """The five reports of ``sandbox report`` over an inclusive date range."""
    names = _names(conn, ("Account",))
    types = account_types(conn)
    return {"trial_balance": _trial_balance(conn, names, types, to_date),
            "profit_and_loss": _profit_and_loss(conn, names, types, from_date, to_date),
            "balance_sheet": _balance_sheet(conn, names, types, to_date),
            "customers_with_credit": _customers(conn, types),
            "inventory": _inventory(conn)}
