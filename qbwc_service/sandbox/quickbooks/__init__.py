"""A simulated QuickBooks Desktop Enterprise company, strict where QuickBooks is strict.

It keeps its company in its own SQLite file, validates each message set (XSD when a
folder is given, else the built-in grammar), enforces name uniqueness (3100), references
(3140), EditSequence (3200), iterators (3391), the closing date, ``onError`` and
``newMessageSetID``/``oldMessageSetID`` error recovery, and can inject faults: at random
(``QbFaults``) or, as a test hook, a chosen error for a chosen request (``force_status``).
"""

from __future__ import annotations

from qbwc_service.sandbox.quickbooks.company import CLOSED_PERIOD_STATUS
from qbwc_service.sandbox.quickbooks.exceptions import (
    HRESULT_NOT_RUNNING,
    HRESULT_PARSE_ERROR,
    HRESULT_PERMISSION_DENIED,
    PARSE_ERROR_MESSAGE,
    QbConnectionError,
    QbHresultError,
    QbRequestRefused,
    QbSimulatorError,
)
from qbwc_service.sandbox.quickbooks.faults import QbFaults
from qbwc_service.sandbox.quickbooks.releases import RELEASES, Release, get_release
from qbwc_service.sandbox.quickbooks.report import report
from qbwc_service.sandbox.quickbooks.simulator import QuickBooksSimulator

__all__ = [
    "CLOSED_PERIOD_STATUS",
    "HRESULT_NOT_RUNNING",
    "HRESULT_PARSE_ERROR",
    "HRESULT_PERMISSION_DENIED",
    "PARSE_ERROR_MESSAGE",
    "RELEASES",
    "QbConnectionError",
    "QbFaults",
    "QbHresultError",
    "QbRequestRefused",
    "QbSimulatorError",
    "QuickBooksSimulator",
    "Release",
    "get_release",
    "report",
]
