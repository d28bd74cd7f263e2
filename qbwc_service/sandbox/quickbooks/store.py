"""The simulated company file: one SQLite database, inspectable with any SQLite tool.

Each list record and transaction keeps its Ret element as QuickBooks would return it
(``ret_xml``) beside the few columns queries filter on, so a query answers with exactly
what the Add or Mod produced.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path

__all__ = ["CompanyStore", "Entry", "ListRow", "TxnRow", "name_namespace"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS list_record (
    list_id TEXT PRIMARY KEY, kind TEXT NOT NULL, namespace TEXT NOT NULL,
    name TEXT NOT NULL, full_name TEXT NOT NULL, name_key TEXT NOT NULL,
    is_active INTEGER NOT NULL DEFAULT 1, edit_sequence TEXT NOT NULL,
    time_created TEXT NOT NULL, time_modified TEXT NOT NULL, ret_xml TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS list_record_name ON list_record (namespace, name_key);
CREATE INDEX IF NOT EXISTS list_record_kind ON list_record (kind);
CREATE TABLE IF NOT EXISTS txn (
    txn_id TEXT PRIMARY KEY, kind TEXT NOT NULL, txn_number INTEGER NOT NULL,
    ref_number TEXT, txn_date TEXT NOT NULL, customer_id TEXT, total TEXT NOT NULL,
    memo TEXT, other TEXT, external_guid TEXT, edit_sequence TEXT NOT NULL,
    time_created TEXT NOT NULL, time_modified TEXT NOT NULL, ret_xml TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS txn_kind ON txn (kind, txn_date);
CREATE TABLE IF NOT EXISTS journal (
    entry_id INTEGER PRIMARY KEY, txn_id TEXT NOT NULL, txn_kind TEXT NOT NULL,
    line INTEGER NOT NULL, account_id TEXT NOT NULL, amount TEXT NOT NULL,
    entity_id TEXT, item_id TEXT, site_id TEXT, quantity TEXT, txn_date TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS journal_txn ON journal (txn_id);
CREATE INDEX IF NOT EXISTS journal_account ON journal (account_id, txn_date);
CREATE INDEX IF NOT EXISTS journal_item ON journal (item_id, site_id);
CREATE INDEX IF NOT EXISTS journal_entity ON journal (entity_id);
CREATE TABLE IF NOT EXISTS stock (
    item_id TEXT NOT NULL, site_id TEXT NOT NULL, quantity TEXT NOT NULL, value TEXT NOT NULL,
    PRIMARY KEY (item_id, site_id));
CREATE TABLE IF NOT EXISTS application (
    txn_id TEXT NOT NULL, target_id TEXT NOT NULL, credit_id TEXT, amount TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS application_txn ON application (txn_id);
CREATE INDEX IF NOT EXISTS application_target ON application (target_id);
CREATE INDEX IF NOT EXISTS application_credit ON application (credit_id);
CREATE TABLE IF NOT EXISTS deleted_txn (
    txn_id TEXT PRIMARY KEY, kind TEXT NOT NULL, ref_number TEXT, time_created TEXT NOT NULL,
    time_deleted TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS message_set (
    message_set_id TEXT PRIMARY KEY, response_xml TEXT NOT NULL, saved_at TEXT NOT NULL);
"""

# QuickBooks keeps one name space for customers, vendors, employees and other names.
_ENTITY_KINDS = frozenset({"Customer", "Vendor", "Employee", "OtherName"})


def name_namespace(kind: str) -> str:
    if kind in _ENTITY_KINDS:
        return "entity"
    if kind.startswith("Item"):
        return "item"
    return kind


@dataclass(frozen=True)
class ListRow:
    list_id: str
    kind: str
    name: str
    full_name: str
    is_active: bool
    edit_sequence: str
    time_modified: str
    ret_xml: str


@dataclass(frozen=True)
class Entry:
    """One journal line: ``amount`` is positive for a debit, negative for a credit.

    Inventory lines carry the item, its site and the quantity moved (positive into stock).
    """

    txn_id: str
    txn_kind: str
    line: int
    account_id: str
    amount: Decimal
    entity_id: str | None = None
    item_id: str | None = None
    site_id: str | None = None
    quantity: Decimal | None = None
    txn_date: str = ""


@dataclass(frozen=True)
class TxnRow:
    txn_id: str
    kind: str
    ref_number: str | None
    txn_date: str
    customer_id: str | None
    total: Decimal
    memo: str | None
    other: str | None
    edit_sequence: str
    time_modified: str
    ret_xml: str


class CompanyStore:
    """Rows of one simulated company file; every write happens inside ``transaction()``."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._clock = clock
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        # WAL with NORMAL sync survives a process crash, which is what a sandbox needs.
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(_SCHEMA)
        self._carry_quantities_over()

    def _carry_quantities_over(self) -> None:
        """A file made before the journal kept quantities in ``site_quantity``: they become
        journal lines (quantity only, no value) once, and the old table goes."""
        exists = self._conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                    "AND name = 'site_quantity'").fetchone()
        if exists is None:
            return
        with self.transaction():
            rows = self._conn.execute("SELECT item_id, site_id, quantity FROM site_quantity")
            self.post_entries([
                Entry(f"{item_id}-carried-over", "QuantityCarriedOver", number, "", Decimal(0),
                      item_id=str(item_id), site_id=str(site_id), quantity=Decimal(qty),
                      txn_date="1970-01-01")
                for number, (item_id, site_id, qty) in enumerate(rows.fetchall(), start=1)])
            self._conn.execute("DROP TABLE site_quantity")

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        self._conn.execute("COMMIT")

    # -- meta, counters and clock -------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self._conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                           "DO UPDATE SET value = excluded.value", (key, value))

    def next_counter(self, name: str) -> int:
        value = int(self.get_meta(f"counter:{name}") or "0") + 1
        self.set_meta(f"counter:{name}", str(value))
        return value

    def now(self) -> tuple[str, int]:
        """(TimeModified text, epoch seconds) from the clock."""
        epoch = int(self._clock())
        stamp = datetime.fromtimestamp(epoch).astimezone().isoformat(timespec="seconds")
        return stamp, epoch

    @staticmethod
    def next_edit_sequence(previous: str, epoch: int) -> str:
        """QuickBooks' EditSequence is a time; two edits within one second must still differ."""
        return str(max(epoch, int(previous) + 1 if previous.isdigit() else epoch))

    def new_list_id(self, epoch: int) -> str:
        return f"{0x80000000 + self.next_counter('list'):08X}-{epoch}"

    def new_txn_id(self, epoch: int) -> str:
        return f"{self.next_counter('txn'):X}-{epoch}"

    # -- lists --------------------------------------------------------------------------
    def name_taken(self, kind: str, full_name: str, except_id: str | None = None) -> bool:
        row = self._conn.execute(
            "SELECT list_id FROM list_record WHERE namespace = ? AND name_key = ?",
            (name_namespace(kind), full_name.lower())).fetchone()
        return row is not None and row[0] != except_id

    def insert_list(self, row: ListRow) -> None:
        self._conn.execute(
            "INSERT INTO list_record (list_id, kind, namespace, name, full_name, name_key, "
            "is_active, edit_sequence, time_created, time_modified, ret_xml) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.list_id, row.kind, name_namespace(row.kind), row.name, row.full_name,
             row.full_name.lower(), int(row.is_active), row.edit_sequence, row.time_modified,
             row.time_modified, row.ret_xml))

    def update_list(self, row: ListRow) -> None:
        self._conn.execute(
            "UPDATE list_record SET name = ?, full_name = ?, name_key = ?, is_active = ?, "
            "edit_sequence = ?, time_modified = ?, ret_xml = ? WHERE list_id = ?",
            (row.name, row.full_name, row.full_name.lower(), int(row.is_active),
             row.edit_sequence, row.time_modified, row.ret_xml, row.list_id))

    def _list_rows(self, where: str, params: tuple[object, ...]) -> list[ListRow]:
        columns = "list_id, kind, name, full_name, is_active, edit_sequence, time_modified, ret_xml"
        # ``where`` is always one of this module's literal clauses; values travel as parameters.
        sql = f"SELECT {columns} FROM list_record WHERE {where} ORDER BY rowid"  # noqa: S608
        rows = self._conn.execute(sql, params).fetchall()
        return [ListRow(r[0], r[1], r[2], r[3], bool(r[4]), r[5], r[6], r[7]) for r in rows]

    def get_list(self, list_id: str) -> ListRow | None:
        rows = self._list_rows("list_id = ?", (list_id,))
        return rows[0] if rows else None

    def find_list(self, kinds: tuple[str, ...], full_name: str) -> ListRow | None:
        marks = ",".join("?" * len(kinds))
        rows = self._list_rows(f"kind IN ({marks}) AND name_key = ?",
                               (*kinds, full_name.lower()))
        return rows[0] if rows else None

    def lists_of(self, kinds: tuple[str, ...]) -> list[ListRow]:
        marks = ",".join("?" * len(kinds))
        return self._list_rows(f"kind IN ({marks})", kinds)

    def count_lists(self) -> dict[str, int]:
        rows = self._conn.execute("SELECT kind, COUNT(*) FROM list_record GROUP BY kind")
        return {str(kind): int(count) for kind, count in rows}

    # -- transactions -------------------------------------------------------------------
    def insert_txn(self, row: TxnRow, external_guid: str | None) -> int:
        number = self.next_counter("txn_number")
        self._conn.execute(
            "INSERT INTO txn (txn_id, kind, txn_number, ref_number, txn_date, customer_id, "
            "total, memo, other, external_guid, edit_sequence, time_created, time_modified, "
            "ret_xml) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (row.txn_id, row.kind, number, row.ref_number, row.txn_date, row.customer_id,
             str(row.total), row.memo, row.other, external_guid, row.edit_sequence,
             row.time_modified, row.time_modified, row.ret_xml))
        return number

    def update_txn(self, row: TxnRow) -> None:
        """A re-posted transaction: everything but its TxnNumber and TimeCreated."""
        self._conn.execute(
            "UPDATE txn SET ref_number = ?, txn_date = ?, customer_id = ?, total = ?, memo = ?, "
            "other = ?, edit_sequence = ?, time_modified = ?, ret_xml = ? WHERE txn_id = ?",
            (row.ref_number, row.txn_date, row.customer_id, str(row.total), row.memo, row.other,
             row.edit_sequence, row.time_modified, row.ret_xml, row.txn_id))

    def update_txn_ret(self, txn_id: str, ret_xml: str, edit_sequence: str,
                       time_modified: str) -> None:
        self._conn.execute("UPDATE txn SET ret_xml = ?, edit_sequence = ?, time_modified = ? "
                           "WHERE txn_id = ?", (ret_xml, edit_sequence, time_modified, txn_id))

    def _txn_rows(self, where: str, params: tuple[object, ...]) -> list[TxnRow]:
        columns = ("txn_id, kind, ref_number, txn_date, customer_id, total, memo, other, "
                   "edit_sequence, time_modified, ret_xml")
        sql = f"SELECT {columns} FROM txn WHERE {where} ORDER BY txn_number"  # noqa: S608
        rows = self._conn.execute(sql, params).fetchall()
        return [TxnRow(r[0], r[1], r[2], r[3], r[4], Decimal(r[5]), r[6], r[7], r[8], r[9],
                       r[10]) for r in rows]

    def get_txn(self, txn_id: str) -> TxnRow | None:
        rows = self._txn_rows("txn_id = ?", (txn_id,))
        return rows[0] if rows else None

    def txns_of(self, kind: str) -> list[TxnRow]:
        return self._txn_rows("kind = ?", (kind,))

    def all_txns(self) -> list[TxnRow]:
        return self._txn_rows("1 = 1", ())

    # -- journal, applications, deletions -----------------------------------------------
    @property
    def connection(self) -> sqlite3.Connection:
        """For the ledger's read-only aggregates (see ``ledger``), which reports share."""
        return self._conn

    def _move_stock(self, item_id: str, site_id: str, quantity: Decimal,
                    value: Decimal) -> None:
        """Keep ``stock`` (quantity and value per item and site) equal to the journal's sums."""
        row = self._conn.execute("SELECT quantity, value FROM stock WHERE item_id = ? AND "
                                 "site_id = ?", (item_id, site_id)).fetchone()
        old_qty, old_value = (Decimal(row[0]), Decimal(row[1])) if row else (Decimal(0),
                                                                             Decimal(0))
        self._conn.execute(
            "INSERT INTO stock (item_id, site_id, quantity, value) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (item_id, site_id) DO UPDATE SET quantity = excluded.quantity, "
            "value = excluded.value",
            (item_id, site_id, str(old_qty + quantity), str(old_value + value)))

    def post_entries(self, entries: list[Entry]) -> None:
        for e in entries:
            if e.item_id is not None and e.quantity is not None:
                self._move_stock(e.item_id, e.site_id or "", e.quantity, e.amount)
        self._conn.executemany(
            "INSERT INTO journal (txn_id, txn_kind, line, account_id, amount, entity_id, "
            "item_id, site_id, quantity, txn_date) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(e.txn_id, e.txn_kind, e.line, e.account_id, str(e.amount), e.entity_id,
              e.item_id, e.site_id, None if e.quantity is None else str(e.quantity),
              e.txn_date) for e in entries])

    def remove_entries(self, txn_id: str) -> None:
        for e in self.entries_of(txn_id):
            if e.item_id is not None and e.quantity is not None:
                self._move_stock(e.item_id, e.site_id or "", -e.quantity, -e.amount)
        self._conn.execute("DELETE FROM journal WHERE txn_id = ?", (txn_id,))

    def entries_of(self, txn_id: str) -> list[Entry]:
        rows = self._conn.execute(
            "SELECT txn_id, txn_kind, line, account_id, amount, entity_id, item_id, site_id, "
            "quantity, txn_date FROM journal WHERE txn_id = ? ORDER BY entry_id", (txn_id,))
        return [Entry(r[0], r[1], r[2], r[3], Decimal(r[4]), r[5], r[6], r[7],
                      None if r[8] is None else Decimal(r[8]), r[9]) for r in rows]

    def add_application(self, txn_id: str, target_id: str, credit_id: str | None,
                        amount: Decimal) -> None:
        self._conn.execute("INSERT INTO application (txn_id, target_id, credit_id, amount) "
                           "VALUES (?, ?, ?, ?)", (txn_id, target_id, credit_id, str(amount)))

    def remove_applications(self, txn_id: str) -> None:
        """Applications made by ``txn_id`` and applications made to it."""
        self._conn.execute("DELETE FROM application WHERE txn_id = ? OR target_id = ? "
                           "OR credit_id = ?", (txn_id, txn_id, txn_id))

    def remove_payment_applications(self, txn_id: str) -> None:
        """What a payment applied (a Mod re-applies it); credits applied to it stay."""
        self._conn.execute("DELETE FROM application WHERE txn_id = ?", (txn_id,))

    def applied_to(self, target_id: str) -> Decimal:
        """What payments and credits have paid of an invoice."""
        rows = self._conn.execute("SELECT amount FROM application WHERE target_id = ? "
                                  "AND (credit_id IS NULL OR credit_id != target_id)",
                                  (target_id,))
        return sum((Decimal(r[0]) for r in rows), Decimal(0))

    def used_of_credit(self, credit_id: str) -> Decimal:
        """What of a credit memo has been applied to invoices or refunded."""
        rows = self._conn.execute("SELECT amount FROM application WHERE credit_id = ?",
                                  (credit_id,))
        return sum((Decimal(r[0]) for r in rows), Decimal(0))

    def applied_by(self, txn_id: str) -> list[tuple[str, str | None, Decimal]]:
        rows = self._conn.execute("SELECT target_id, credit_id, amount FROM application "
                                  "WHERE txn_id = ? ORDER BY rowid", (txn_id,))
        return [(str(r[0]), r[1], Decimal(r[2])) for r in rows]

    def delete_txn(self, row: TxnRow, time_created: str, time_deleted: str) -> None:
        self._conn.execute("DELETE FROM txn WHERE txn_id = ?", (row.txn_id,))
        self._conn.execute("INSERT INTO deleted_txn (txn_id, kind, ref_number, time_created, "
                           "time_deleted) VALUES (?, ?, ?, ?, ?)",
                           (row.txn_id, row.kind, row.ref_number, time_created, time_deleted))

    def deleted_txns(self, kinds: tuple[str, ...]) -> list[tuple[str, str, str | None, str, str]]:
        marks = ",".join("?" * len(kinds))
        # Only placeholders are interpolated; the kinds travel as parameters.
        columns = "txn_id, kind, ref_number, time_created, time_deleted"
        sql = f"SELECT {columns} FROM deleted_txn WHERE kind IN ({marks}) ORDER BY rowid"  # noqa: S608
        rows = self._conn.execute(sql, kinds)
        return [(str(r[0]), str(r[1]), r[2], str(r[3]), str(r[4])) for r in rows]

    def update_txn_total(self, txn_id: str, total: Decimal) -> None:
        self._conn.execute("UPDATE txn SET total = ? WHERE txn_id = ?", (str(total), txn_id))

    # -- quantities (the journal's inventory lines, summed in ``stock``) ------------------
    def site_quantities(self, item_id: str) -> dict[str, Decimal]:
        rows = self._conn.execute("SELECT site_id, quantity FROM stock WHERE item_id = ? "
                                  "ORDER BY site_id", (item_id,))
        return {str(site): Decimal(qty) for site, qty in rows}

    # -- error recovery -----------------------------------------------------------------
    def save_message_set(self, message_set_id: str, response_xml: str) -> None:
        stamp, _ = self.now()
        self._conn.execute(
            "INSERT INTO message_set (message_set_id, response_xml, saved_at) VALUES (?, ?, ?) "
            "ON CONFLICT (message_set_id) DO UPDATE SET response_xml = excluded.response_xml, "
            "saved_at = excluded.saved_at", (message_set_id, response_xml, stamp))

    def saved_message_set(self, message_set_id: str) -> str | None:
        row = self._conn.execute("SELECT response_xml FROM message_set WHERE message_set_id = ?",
                                 (message_set_id,)).fetchone()
        return None if row is None else str(row[0])

    def clear_message_sets(self, message_set_id: str | None) -> int:
        """Forget one saved set, or all of them when ``message_set_id`` is ``None``."""
        if message_set_id is None:
            return self._conn.execute("DELETE FROM message_set").rowcount
        return self._conn.execute("DELETE FROM message_set WHERE message_set_id = ?",
                                  (message_set_id,)).rowcount
