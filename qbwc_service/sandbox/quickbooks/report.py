"""What a simulated company holds: counts, duplicates, daily totals and its books."""

from __future__ import annotations

import re
import sqlite3
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

from qbwc_service.sandbox.quickbooks.books import books

__all__ = ["PRE_LEDGER", "report"]

# Memos written by the service carry the Magento reference, e.g. "Magento order 000000123".
_MAGENTO_REFERENCE = re.compile(r"magento\D{0,20}?([0-9][0-9A-Za-z-]*)", re.IGNORECASE)


def _duplicates(rows: list[tuple[str, str, str | None, str | None, str | None, str | None]]
                ) -> list[dict[str, Any]]:
    seen: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for txn_id, kind, ref_number, memo, other, guid in rows:
        keys = [("RefNumber", ref_number), ("Other", other), ("ExternalGUID", guid)]
        match = _MAGENTO_REFERENCE.search(memo or "")
        if match:
            keys.append(("Memo", match.group(1)))
        for field_name, value in keys:
            if value:
                seen[(kind, field_name, value)].append(txn_id)
    return [{"type": kind, "field": field_name, "value": value, "txn_ids": txn_ids}
            for (kind, field_name, value), txn_ids in sorted(seen.items()) if len(txn_ids) > 1]


PRE_LEDGER = ("not kept: this company file predates the ledger; the next sandbox exec, "
              "simulate or demo run that opens it carries its quantities into the journal")


def report(company_db: Path, from_date: str | None = None,
           to_date: str | None = None) -> dict[str, Any]:
    """Counts per list and transaction type, ``duplicates`` (always a list), totals per day,
    and the books (``books``): trial balance, profit and loss, balance sheet, customers with
    credit, inventory. ``from_date``/``to_date`` bound the profit and loss; the trial
    balance and the balance sheet are as of ``to_date``. A file from before the ledger has
    ``ledger`` (why there are no books) instead of the books."""
    connection = sqlite3.connect(f"file:{Path(company_db)}?mode=ro", uri=True)
    try:
        kept = connection.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                                  "AND name = 'stock'").fetchone() is not None
        ledger = books(connection, from_date, to_date) if kept else {"ledger": PRE_LEDGER}
        lists = {str(kind): int(count) for kind, count in connection.execute(
            "SELECT kind, COUNT(*) FROM list_record GROUP BY kind ORDER BY kind")}
        txns = {str(kind): int(count) for kind, count in connection.execute(
            "SELECT kind, COUNT(*) FROM txn GROUP BY kind ORDER BY kind")}
        rows = connection.execute(
            "SELECT txn_id, kind, ref_number, memo, other, external_guid FROM txn "
            "ORDER BY txn_number").fetchall()
        totals: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
        for kind, txn_date, total in connection.execute(
                "SELECT kind, txn_date, total FROM txn ORDER BY txn_date"):
            totals[str(txn_date)][str(kind)] += Decimal(total)
    finally:
        connection.close()
    return {
        "company_db": str(company_db),
        "lists": lists,
        "transactions": txns,
        "duplicates": _duplicates(rows),
        "totals_by_day": {day: {kind: f"{amount:.2f}" for kind, amount in sorted(kinds.items())}
                          for day, kinds in sorted(totals.items())},
        **ledger,
    }
