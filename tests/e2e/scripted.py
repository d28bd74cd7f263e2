"""A simulated QuickBooks whose bad moments are scripted rather than rolled."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from qbwc_service.sandbox.quickbooks import (
    HRESULT_NOT_RUNNING,
    QbConnectionError,
    QuickBooksSimulator,
)

__all__ = ["ScriptedQuickBooks"]


class ScriptedQuickBooks(QuickBooksSimulator):
    """Counts sessions and message sets (from 1) and misbehaves on the listed ones.

    ``refuse_sessions``: QuickBooks is not running when that session opens it.
    ``lose_sets``: the response to that message set never reaches the server.
    ``after_sets``: called once QuickBooks has processed that message set, before the
    Web Connector delivers the answer (the test kills the server there).
    """

    def __init__(self, company_db: Path, *, refuse_sessions: frozenset[int] = frozenset(),
                 lose_sets: frozenset[int] = frozenset(),
                 after_sets: dict[int, Callable[[], None]] | None = None,
                 **options: Any) -> None:
        super().__init__(company_db, **options)
        self.refuse_sessions = refuse_sessions
        self.lose_sets = lose_sets
        self.after_sets = dict(after_sets or {})
        self.sessions_opened = 0
        self.sets_processed = 0
        self.refused = 0
        self.lost = 0

    def open_connection(self) -> None:
        self.sessions_opened += 1
        if self.sessions_opened in self.refuse_sessions:
            self.refused += 1
            raise QbConnectionError(HRESULT_NOT_RUNNING, "Could not start QuickBooks.")
        super().open_connection()

    def process(self, request_xml: str) -> str:
        response = super().process(request_xml)
        self.sets_processed += 1
        callback = self.after_sets.pop(self.sets_processed, None)
        if callback is not None:
            callback()
        return response

    def response_lost(self) -> bool:
        if self.sets_processed in self.lose_sets:
            self.lost += 1
            return True
        return super().response_lost()
