"""Errors raised while mapping Magento documents to QuickBooks transactions.

Tree::

    SyncError
    ├── MappingConfigError      the company's [mapping] table cannot be used (``path``)
    ├── PlanningError           a document cannot be turned into requests (``document``)
    │   └── TotalsMismatch      planned lines do not add up to Magento's total
    │                           (``document``, ``expected``, ``planned``)
    ├── DocumentSkipped         a document deliberately not posted (``document``, ``reason``)
    └── LeaseError              a job lease could not be taken or kept (``name``, ``holder``)
"""

from __future__ import annotations

from decimal import Decimal

__all__ = [
    "DocumentSkipped",
    "LeaseError",
    "MappingConfigError",
    "PlanningError",
    "SyncError",
    "TotalsMismatch",
]


class SyncError(Exception):
    """Base of every error raised by the sync package."""


class MappingConfigError(SyncError):
    """A value under ``[companies.NAME.mapping]`` is missing or wrong; ``path`` names it."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"mapping config {path}: {message}")
        self.path = path
        self.message = message


class PlanningError(SyncError):
    """A Magento document cannot be mapped; ``document`` names it (e.g. ``invoice 000000012``)."""

    def __init__(self, document: str, message: str) -> None:
        super().__init__(f"{document}: {message}")
        self.document = document
        self.message = message


class DocumentSkipped(SyncError):
    """A document the books do not need (an empty 0.00 invoice); ``reason`` says why."""

    def __init__(self, document: str, reason: str) -> None:
        super().__init__(f"{document}: {reason}")
        self.document = document
        self.reason = reason


class TotalsMismatch(PlanningError):
    """The planned transaction's lines do not sum to Magento's total to the cent."""

    def __init__(self, document: str, expected: Decimal, planned: Decimal) -> None:
        super().__init__(
            document,
            f"lines add up to {planned} but Magento's total is {expected} "
            f"(difference {planned - expected})",
        )
        self.expected = expected
        self.planned = planned


class LeaseError(SyncError):
    """A job lease is held by another process or was lost while the job ran."""

    def __init__(self, name: str, holder: str, message: str) -> None:
        super().__init__(f"job lease {name} ({holder}): {message}")
        self.name = name
        self.holder = holder
