"""Reconciliation errors.

::

    ReconcileError            anything the reconciliation refuses, with a plain message
    ├── InvalidRunMove        a run asked to move where its lifecycle does not allow
    └── PeriodError           a period that makes no sense (from after to, too long)
"""

from __future__ import annotations

__all__ = ["InvalidRunMove", "PeriodError", "ReconcileError"]


class ReconcileError(Exception):
    """A reconciliation request that cannot be carried out; ``str()`` says why."""


class InvalidRunMove(ReconcileError):
    def __init__(self, run_id: int, current: str, wanted: str) -> None:
        super().__init__(f"reconciliation run #{run_id} cannot move from {current} to {wanted}")
        self.run_id = run_id
        self.current = current
        self.wanted = wanted


class PeriodError(ReconcileError):
    def __init__(self, message: str, *, option: str = "") -> None:
        super().__init__(message)
        self.option = option
