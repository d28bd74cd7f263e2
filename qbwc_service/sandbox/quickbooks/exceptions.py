"""Failures of the simulated QuickBooks Desktop.

Exception tree::

    QbSimulatorError
    ├── QbHresultError        the whole message set is refused (an HRESULT, empty response)
    │   └── QbConnectionError  QuickBooks cannot be reached at all (not running, no permission)
    └── QbRequestRefused      one request is refused; answered with a statusCode on its Rs
"""

from __future__ import annotations

__all__ = [
    "HRESULT_NOT_RUNNING",
    "HRESULT_PARSE_ERROR",
    "HRESULT_PERMISSION_DENIED",
    "PARSE_ERROR_MESSAGE",
    "QbConnectionError",
    "QbHresultError",
    "QbRequestRefused",
    "QbSimulatorError",
]

HRESULT_PARSE_ERROR = "0x80040400"
PARSE_ERROR_MESSAGE = "QuickBooks found an error when parsing the provided XML text stream."
HRESULT_NOT_RUNNING = "0x80040408"
HRESULT_PERMISSION_DENIED = "0x8004041A"


class QbSimulatorError(Exception):
    """Base of every failure the simulated QuickBooks reports."""


class QbHresultError(QbSimulatorError):
    """QuickBooks refused the whole stream; the Web Connector reports ``hresult``/``message``.

    ``detail`` says which rule failed; the real QuickBooks does not say, but a pilot user does
    want to know.
    """

    def __init__(self, hresult: str, message: str, detail: str = "") -> None:
        super().__init__(f"{hresult}: {message}" + (f" ({detail})" if detail else ""))
        self.hresult = hresult
        self.message = message
        self.detail = detail


class QbConnectionError(QbHresultError):
    """QuickBooks could not be opened: the Web Connector calls ``connectionError``."""


class QbRequestRefused(QbSimulatorError):
    """One request failed with a qbXML status; ``ret`` is a record to return anyway (3200)."""

    def __init__(self, status_code: int, message: str, ret: object | None = None,
                 severity: str = "Error") -> None:
        super().__init__(f"{status_code}: {message}")
        self.status_code = status_code
        self.status_message = message
        self.severity = severity
        self.ret = ret
