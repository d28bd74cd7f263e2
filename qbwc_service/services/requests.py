"""What people do to requests, one at a time or in bulk, each step audited.

The queue owns every status change (``queue.transition``); these use cases ask for one,
record who asked, the status before and after and the reason, in the same transaction.
Bulk actions take one transaction per request so that one refusal never undoes the rest.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service import queue
from qbwc_service.db import Database
from qbwc_service.db.models import Request, RequestDependency, RequestStatus
from qbwc_service.services import audit
from qbwc_service.services.exceptions import ActionRefused
from qbwc_service.services.log import company_filter

__all__ = [
    "ACTION_LABELS",
    "AVAILABLE_FROM",
    "BLOCKING",
    "MAX_BULK",
    "REASON_REQUIRED",
    "BulkResult",
    "act",
    "actions_for",
    "actor_name",
    "dependents_of",
    "perform",
    "perform_many",
    "retry_failed",
]

S = RequestStatus
ACTION_LABELS: dict[str, str] = {
    "retry": "Retry",
    "release": "Release hold",
    "approve": "Approve",
    "hold": "Hold",
    "cancel": "Cancel",
}
# Offered only where the queue can honour them; the queue still has the last word.
AVAILABLE_FROM: dict[str, frozenset[str]] = {
    "retry": frozenset({S.FAILED.value}),
    "release": frozenset({S.HELD.value}),
    "approve": frozenset({S.HELD.value}),
    "hold": frozenset({S.QUEUED.value}),
    "cancel": frozenset({S.QUEUED.value, S.HELD.value, S.FAILED.value}),
}
# Holding and cancelling change what reaches the books: the reason is part of the record.
REASON_REQUIRED = frozenset({"hold", "cancel"})
# A request waiting behind one of these will not move until a person acts.
BLOCKING = (S.FAILED.value, S.HELD.value, S.CANCELED.value)
MAX_BULK = 10_000
_QUEUE_CALLS: dict[str, Any] = {
    "retry": queue.retry, "release": queue.release, "approve": queue.approve,
    "hold": queue.hold, "cancel": queue.cancel,
}


def actor_name(username: str) -> str:
    """How console users appear in transitions and the audit trail."""
    return f"web:{username}"


def actions_for(status: str) -> list[str]:
    """The actions worth offering for a request in ``status``, in display order."""
    return [action for action in ACTION_LABELS if status in AVAILABLE_FROM[action]]


def perform(
    session: Session, action: str, request_id: int, *, username: str, reason: str = ""
) -> Request:
    """Carry out ``action`` on one request for console user ``username`` (holding and
    cancelling need a reason); raises ``ActionRefused``."""
    return act(session, action, request_id, actor=actor_name(username), reason=reason)


def act(session: Session, action: str, request_id: int, *, actor: str, reason: str = "",
        reason_required: bool = True) -> Request:
    """Carry out ``action`` on one request for ``actor`` and audit it; raises
    ``ActionRefused``. The command line passes ``reason_required=False``: its reason is an
    option."""
    if action not in ACTION_LABELS:
        raise ActionRefused(f"unknown action {action!r}", action=action, request_id=request_id)
    request = session.get(Request, request_id)
    if request is None:
        raise ActionRefused(f"request {request_id} does not exist", action=action,
                            request_id=request_id)
    reason = reason.strip()[:500]
    if reason_required and action in REASON_REQUIRED and not reason:
        raise ActionRefused(f"{ACTION_LABELS[action]} needs a reason; say why for the record.",
                            action=action, request_id=request_id)
    before = {"status": request.status}
    try:
        if action in REASON_REQUIRED:
            _QUEUE_CALLS[action](session, request_id, actor=actor, reason=reason or None)
        else:
            _QUEUE_CALLS[action](session, request_id, actor=actor)
    except queue.QueueError as exc:
        raise ActionRefused(str(exc), action=action, request_id=request_id) from exc
    session.flush()
    session.refresh(request)
    after: dict[str, Any] = {"status": request.status}
    if reason:
        after["reason"] = reason
    audit.record(session, actor=actor, action=action, target_type="request",
                 target_id=request_id, before=before, after=after)
    return request


def retry_failed(session: Session, company: str | None, *, actor: str) -> int:
    """Queue every failed request again (of one company, named or by id); how many."""
    return queue.retry_failed(session, company_filter(session, company), actor=actor)


@dataclass
class BulkResult:
    """What a bulk action did: the ids done, and each refusal with its reason."""

    action: str
    done: list[int] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)


def perform_many(
    db: Database, action: str, request_ids: Iterable[int], *, username: str, reason: str = ""
) -> BulkResult:
    """``perform`` on each request in its own transaction, at most ``MAX_BULK`` of them."""
    result = BulkResult(action)
    for request_id in sorted(set(request_ids))[:MAX_BULK]:
        try:
            with db.session() as session:
                perform(session, action, request_id, username=username, reason=reason)
        except ActionRefused as refusal:
            result.refused.append((request_id, str(refusal)))
        else:
            result.done.append(request_id)
    return result


def dependents_of(session: Session, request_ids: Sequence[int]) -> list[Request]:
    """Every request that (directly or not) waits for one of ``request_ids`` and could still
    be sent: the ones cancelling those requests would leave stranded."""
    seen: set[int] = set(request_ids)
    frontier = list(request_ids)
    found: list[Request] = []
    while frontier:
        rows = list(session.scalars(
            select(Request).join(RequestDependency, RequestDependency.request_id == Request.id)
            .where(RequestDependency.depends_on_id.in_(frontier[:MAX_BULK]))
        ))
        frontier = []
        for row in rows:
            if row.id in seen:
                continue
            seen.add(row.id)
            frontier.append(row.id)
            if row.status in AVAILABLE_FROM["cancel"]:
                found.append(row)
    return sorted(found, key=lambda row: row.id)
