"""Responses QuickBooks accepted outright, settled together for the whole message set.

Most answers in a drained queue are plain successes. Their requests, attempts and
transitions are written with one statement per table instead of one unit-of-work entry
per object; every other outcome (errors, iterator pages, look-ups) takes the
request-by-request path in ``outcome``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Attempt, RequestStatus
from qbwc_service.db.records import RequestLike, RequestRecord
from qbwc_service.queue.bulk import loaded_in_session, update_rows
from qbwc_service.queue.lifecycle import transition_many
from qbwc_service.queue.mappings import MappingBook

__all__ = ["ACCEPTED_REASON", "AcceptedResponses", "plainly_accepted"]

ACCEPTED_REASON = "QuickBooks accepted it"


def plainly_accepted(request: RequestLike, response: Any, kind: str) -> bool:
    """Succeeded with nothing more to do: not a look-up, not a page of a longer answer."""
    if request.lookup_reason or kind not in ("success", "warning"):
        return False
    remaining = response.iterator_remaining
    return not (remaining and int(remaining) > 0 and response.iterator_id)


class AcceptedResponses:
    """Collects plain successes, then writes them in bulk."""

    def __init__(self, book: MappingBook, actor: str) -> None:
        self.book = book
        self.actor = actor
        self.requests: list[RequestRecord] = []
        self.values: dict[int, dict[str, Any]] = {}
        self.attempts: list[dict[str, Any]] = []

    def add(self, request: RequestRecord, response: Any, kind: str, explanation: str,
            attempt_id: int | None, at: datetime) -> None:
        code = response.status_code
        rets = response.rets  # a large answer's are streamed: never copied into a list
        ret = rets[0] if rets else None
        qb_id, qb_ref, edit_sequence = request.qb_id, request.qb_ref, request.qb_edit_sequence
        if ret is not None:
            qb_id = ret.txn_id or ret.list_id or qb_id
            qb_ref = ret.ref_number or ret.full_name or ret.name or qb_ref
            edit_sequence = ret.edit_sequence or edit_sequence
            self.book.link(request, ret, qb_id=qb_id, qb_name=qb_ref, edit_sequence=edit_sequence)
        self.requests.append(request)
        self.values[request.id] = {
            "status_code": code, "status_severity": response.severity,
            "status_message": response.message, "response_xml": response.raw_xml,
            "iterator_id": None, "iterator_remaining": None,
            "explanation": explanation if kind == "warning" else None,
            "qb_id": qb_id, "qb_ref": qb_ref, "qb_edit_sequence": edit_sequence,
            "not_before": None,
        }
        if attempt_id is not None:
            self.attempts.append({
                "id": attempt_id, "received_at": at, "status_code": code,
                "status_severity": response.severity, "status_message": response.message,
                "response_xml": response.raw_xml, "outcome": kind,
            })

    def write(self, session: Session, at: datetime) -> None:
        """Record every collected outcome: attempts, requests with their transitions."""
        if self.attempts:
            session.flush()
            update_rows(session, Attempt, self.attempts)
            for row in self.attempts:
                loaded_in_session(session, Attempt, row["id"],
                                  {k: v for k, v in row.items() if k != "id"})
        transition_many(
            session, self.requests, RequestStatus.SUCCEEDED, actor=self.actor,
            reason=ACCEPTED_REASON, now=at, values=self.values,
        )
        self.requests, self.values, self.attempts = [], {}, []
