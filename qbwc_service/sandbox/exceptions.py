"""Failures of the sandbox outside the simulated QuickBooks.

Exception tree::

    SandboxError
    └── WebConnectorError   the server could not be reached or answered outside the protocol
                            (``operation``, ``detail``)

The simulated QuickBooks has its own tree in ``qbwc_service.sandbox.quickbooks.exceptions``.
"""

from __future__ import annotations

__all__ = ["SandboxError", "WebConnectorError"]


class SandboxError(Exception):
    """Base of the sandbox's own failures."""


class WebConnectorError(SandboxError):
    """A SOAP call failed at the transport or SOAP level."""

    def __init__(self, operation: str, detail: str) -> None:
        super().__init__(f"{operation}: {detail}")
        self.operation = operation
        self.detail = detail
