"""The simulated company's double-entry ledger: journal lines, balances, average cost.

Every accepted transaction writes its journal lines through ``Posting``, which refuses to
save lines whose debits and credits differ (``LedgerImbalance``): the trial balance of
the company file is therefore balanced after every transaction.

Average cost: QuickBooks Desktop values inventory at a moving average cost per item (the
total value of the units on hand divided by their number, recalculated on each receipt or
adjustment; Sleeter, "Understanding QuickBooks Inventory Cost"; QuickBooks help, "Average
cost"). With multi-location inventory the item keeps that one average across all sites:
sites split the quantity, not the cost. The simulator does the same: one average per item,
quantities (and the value that moves with them) per site.

Read functions take a ``sqlite3.Connection`` so that ``report`` can use them on a
read-only connection.
"""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.exceptions import QbSimulatorError
from qbwc_service.sandbox.quickbooks.retxml import money
from qbwc_service.sandbox.quickbooks.store import CompanyStore, Entry

__all__ = [
    "BALANCE_SHEET_TYPES",
    "DEBIT_NORMAL",
    "INCOME_STATEMENT_TYPES",
    "LedgerImbalance",
    "Posting",
    "account_balances",
    "account_types",
    "average_cost",
    "entity_balances",
    "fill_txn",
    "inventory_by_site",
    "item_totals",
    "natural",
    "to_home",
]

_CENT = Decimal("0.01")
_HALF_CENT = Decimal("0.005")
# Account types whose balance is a debit balance (assets, costs); the rest are credits.
DEBIT_NORMAL = frozenset({"Bank", "AccountsReceivable", "OtherCurrentAsset", "FixedAsset",
                          "OtherAsset", "CostOfGoodsSold", "Expense", "OtherExpense",
                          "NonPosting"})
BALANCE_SHEET_TYPES = ("Bank", "AccountsReceivable", "OtherCurrentAsset", "FixedAsset",
                       "OtherAsset", "AccountsPayable", "CreditCard", "OtherCurrentLiability",
                       "LongTermLiability", "Equity")
INCOME_STATEMENT_TYPES = ("Income", "CostOfGoodsSold", "Expense", "OtherIncome",
                          "OtherExpense")
_ACCOUNT_TYPE = re.compile(r"<AccountType>([A-Za-z]+)</AccountType>")


class LedgerImbalance(QbSimulatorError):
    """A transaction's journal lines do not balance: a defect of the simulator itself."""


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def to_home(amount: Decimal, rate: Decimal | None) -> Decimal:
    """A foreign ``amount`` in home currency at ``rate`` (None: a home-currency amount),
    rounded half up to the cent: QuickBooks' conversion of one amount."""
    return _round(amount * rate if rate is not None else amount)


def natural(account_type: str, signed: Decimal) -> Decimal:
    """A signed (debit-positive) sum as QuickBooks shows the account's balance."""
    return signed if account_type in DEBIT_NORMAL else -signed


@dataclass
class Posting:
    """The journal lines of one transaction, saved only when they balance.

    ``rate`` (a foreign-currency transaction's ExchangeRate) converts each amount given
    into home currency as it is added, rounded to the cent line by line; amounts already
    in home currency (inventory at average cost, what an application takes off an open
    balance) are added with ``home=True``. The journal holds home-currency amounts only.
    """

    txn_id: str
    txn_kind: str
    txn_date: str
    entries: list[Entry] = field(default_factory=list)
    rate: Decimal | None = None
    converted: int = 0

    def add(self, account_id: str, amount: Decimal, *, entity_id: str | None = None,
            item_id: str | None = None, site_id: str | None = None,
            quantity: Decimal | None = None, home: bool = False) -> Decimal:
        """``amount`` positive debits ``account_id``, negative credits it; returns the
        home-currency amount posted."""
        if self.rate is not None and not home:
            amount *= self.rate
            self.converted += 1
        if amount == 0 and quantity is None:
            return Decimal(0)
        self.entries.append(Entry(self.txn_id, self.txn_kind, len(self.entries) + 1,
                                  account_id, _round(amount), entity_id, item_id, site_id,
                                  quantity, self.txn_date))
        return _round(amount)

    @property
    def difference(self) -> Decimal:
        """Debits less credits so far."""
        return sum((entry.amount for entry in self.entries), Decimal(0))

    def balance_to(self, account_id: str, *, rounding_only: bool) -> None:
        """Post what keeps the lines from balancing to ``account_id`` (Exchange Gain or
        Loss). ``rounding_only``: the difference can only come from rounding each converted
        line to the cent; anything larger is a defect and is left for ``save`` to refuse."""
        difference = self.difference
        if not difference:
            return
        if rounding_only and abs(difference) > _HALF_CENT * max(self.converted, 1):
            return
        self.add(account_id, -difference, home=True)

    def save(self, store: CompanyStore) -> None:
        difference = self.difference
        if difference != 0:
            raise LedgerImbalance(f"{self.txn_kind} {self.txn_id} does not balance: debits "
                                  f"exceed credits by {difference}")
        store.remove_entries(self.txn_id)
        store.post_entries(self.entries)


def account_types(conn: sqlite3.Connection) -> dict[str, str]:
    """ListID → AccountType of every account."""
    rows = conn.execute("SELECT list_id, ret_xml FROM list_record WHERE kind = 'Account'")
    types = {}
    for list_id, ret_xml in rows:
        match = _ACCOUNT_TYPE.search(ret_xml)
        types[str(list_id)] = match.group(1) if match else "NonPosting"
    return types


def account_balances(conn: sqlite3.Connection, from_date: str | None = None,
                     to_date: str | None = None) -> dict[str, Decimal]:
    """Signed (debit-positive) sum per account over the dates given (inclusive)."""
    sql = "SELECT account_id, amount FROM journal WHERE 1 = 1"
    params: list[str] = []
    if from_date:
        sql += " AND txn_date >= ?"
        params.append(from_date)
    if to_date:
        sql += " AND txn_date <= ?"
        params.append(to_date)
    sums: dict[str, Decimal] = defaultdict(Decimal)
    for account_id, amount in conn.execute(sql, params):
        sums[str(account_id)] += Decimal(amount)
    return dict(sums)


def entity_balances(conn: sqlite3.Connection, account_ids: set[str]) -> dict[str, Decimal]:
    """Signed sum per entity over ``account_ids`` (Accounts Receivable: what each owes)."""
    sums: dict[str, Decimal] = defaultdict(Decimal)
    rows = conn.execute("SELECT account_id, entity_id, amount FROM journal "
                        "WHERE entity_id IS NOT NULL")
    for account_id, entity_id, amount in rows:
        if account_id in account_ids:
            sums[str(entity_id)] += Decimal(amount)
    return dict(sums)


def inventory_by_site(conn: sqlite3.Connection,
                      item_id: str | None = None) -> dict[tuple[str, str], tuple[Decimal,
                                                                                 Decimal]]:
    """(item, site) → (quantity, value): the journal's inventory lines, kept summed in the
    ``stock`` table by ``CompanyStore.post_entries``/``remove_entries``."""
    sql = "SELECT item_id, site_id, quantity, value FROM stock"
    params: tuple[str, ...] = ()
    if item_id is not None:
        sql += " WHERE item_id = ?"
        params = (item_id,)
    return {(str(item), str(site)): (Decimal(qty), Decimal(value))
            for item, site, qty, value in conn.execute(sql, params)}


def average_cost(store: CompanyStore, item_id: str, fallback: Decimal) -> Decimal:
    """The item's moving average cost across all sites.

    With nothing on hand the last average stands (QuickBooks keeps the figure when stock
    runs out); before any stock at all, ``fallback`` (the item's PurchaseCost).
    """
    quantity, value = Decimal(0), Decimal(0)
    for qty, amount in inventory_by_site(store.connection, item_id).values():
        quantity += qty
        value += amount
    if quantity > 0:
        cost = value / quantity
        store.set_meta(f"average_cost:{item_id}", str(cost))
        return cost
    remembered = store.get_meta(f"average_cost:{item_id}")
    return Decimal(remembered) if remembered is not None else fallback


def item_totals(store: CompanyStore, item_id: str) -> tuple[Decimal, Decimal]:
    """(quantity, value) of an item across all sites."""
    quantity, value = Decimal(0), Decimal(0)
    for qty, amount in inventory_by_site(store.connection, item_id).values():
        quantity += qty
        value += amount
    return quantity, value


def _set(ret: etree._Element, tag: str, value: str) -> None:
    node = ret.find(tag)
    if node is not None:
        node.text = value


def _in_home(ret: etree._Element, amount: Decimal) -> Decimal:
    """An open amount of a transaction in home currency, at the transaction's rate."""
    return to_home(amount, Decimal(ret.findtext("ExchangeRate") or "1"))


def fill_txn(store: CompanyStore, kind: str, txn_id: str, ret: etree._Element) -> etree._Element:
    """The stored Ret with what QuickBooks computes from applications filled in.

    Invoice: AppliedAmount (negative, as QuickBooks writes it), BalanceRemaining (and in
    home currency), IsPaid. Credit memo: CreditRemaining (and in home currency). Payment:
    UnusedPayment.
    """
    if kind == "Invoice":
        total = Decimal(ret.findtext("Subtotal") or "0") + \
            Decimal(ret.findtext("SalesTaxTotal") or "0")
        applied = store.applied_to(txn_id)
        _set(ret, "AppliedAmount", money(-applied))
        _set(ret, "BalanceRemaining", money(total - applied))
        _set(ret, "BalanceRemainingInHomeCurrency", money(_in_home(ret, total - applied)))
        _set(ret, "IsPaid", "true" if total - applied <= 0 else "false")
    elif kind == "CreditMemo":
        total = Decimal(ret.findtext("TotalAmount") or "0")
        remaining = total - store.used_of_credit(txn_id)
        _set(ret, "CreditRemaining", money(remaining))
        _set(ret, "CreditRemainingInHomeCurrency", money(_in_home(ret, remaining)))
    elif kind == "ReceivePayment":
        total = Decimal(ret.findtext("TotalAmount") or "0")
        paid = sum((amount for _target, credit, amount in store.applied_by(txn_id)
                    if credit is None), Decimal(0))
        _set(ret, "UnusedPayment", money(total - paid))
    return ret
