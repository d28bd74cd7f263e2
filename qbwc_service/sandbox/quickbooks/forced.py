"""A test hook: refuse a chosen request with a chosen error status, nothing carried out.

Some refusals real QuickBooks gives only in conditions a test cannot arrange: the
QuickBooks user lacks a permission (3260), another user holds a lock (3170, 3175), a
feature is switched off (3250). ``ForcedStatuses`` lets a test say "the next answer to
requestID X is status C": that request is answered with the status and no Ret, the rest of
the message set runs as usual, and the answer is saved for error recovery like any other.
Only error statuses (1000 and above) can be forced: a forced answer never carries out the
request, and QuickBooks returns no data with an error (qbxml.md §8), whereas an Info or
Warn status would claim it ran.
"""

from __future__ import annotations

from collections import deque

from qbwc_service.sandbox.quickbooks.company import Answer

__all__ = ["ForcedStatuses"]

_FIRST_ERROR = 1000


class ForcedStatuses:
    """Error statuses waiting for the next requests carrying given requestIDs, in order."""

    def __init__(self) -> None:
        self._waiting: dict[str, deque[tuple[int, str]]] = {}

    def force(self, request_id: int | str, status_code: int, message: str) -> None:
        """The next answer to ``request_id`` is ``status_code`` (after any forced before)."""
        if status_code < _FIRST_ERROR:
            raise ValueError(f"only error statuses (1000 and above) can be forced, "
                             f"not {status_code}")
        self._waiting.setdefault(str(request_id), deque()).append((status_code, message))

    def take(self, request_id: str | None) -> Answer | None:
        """The forced answer due for ``request_id``, used up; ``None`` when none is waiting."""
        waiting = self._waiting.get(request_id or "")
        if not waiting:
            return None
        status_code, message = waiting.popleft()
        return Answer([], status_code=status_code, severity="Error", status_message=message)

    def pending(self) -> int:
        """How many forced answers have not been given yet."""
        return sum(len(waiting) for waiting in self._waiting.values())
