"""The sandbox: a simulated QuickBooks Desktop company and a simulated Web Connector.

A merchant (or a test) can run the whole flow without Windows: ``QuickBooksSimulator``
plays QuickBooks against its own SQLite company file, ``WebConnector`` plays the Web
Connector against any QBWC server.
"""

from __future__ import annotations

from qbwc_service.sandbox.exceptions import SandboxError, WebConnectorError
from qbwc_service.sandbox.quickbooks import QbFaults, QbHresultError, QuickBooksSimulator, report
from qbwc_service.sandbox.webconnector import RunSummary, SessionSummary, WebConnector

__all__ = [
    "QbFaults",
    "QbHresultError",
    "QuickBooksSimulator",
    "RunSummary",
    "SandboxError",
    "SessionSummary",
    "WebConnector",
    "WebConnectorError",
    "report",
]
