"""What a bookkeeper may do to a request, and the retention purge of message bodies."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from qbwc_service.db.models import (
    Attempt,
    MessageSet,
    MessageSetState,
    Request,
    RequestStatus,
    utcnow,
)
from qbwc_service.queue.errors import InvalidTransition, RequestNotFound
from qbwc_service.queue.lifecycle import transition

__all__ = [
    "approve",
    "cancel",
    "get_request",
    "hold",
    "purge_bodies",
    "release",
    "retry",
    "retry_failed",
]

S = RequestStatus
FINISHED = (S.SUCCEEDED.value, S.FAILED.value, S.CANCELED.value)


def get_request(session: Session, request_id: int) -> Request:
    request = session.get(Request, request_id)
    if request is None:
        raise RequestNotFound(request_id)
    return request


def _require(request: Request, status: RequestStatus, to: RequestStatus) -> None:
    # The lifecycle allows more moves than each button: release is for held requests only.
    if request.status != status.value:
        raise InvalidTransition(request.id, request.status, to.value)


def retry(session: Session, request_id: int, *, actor: str) -> Request:
    """Send a failed request again, with a fresh attempt budget."""
    request = get_request(session, request_id)
    _require(request, S.FAILED, S.QUEUED)
    transition(session, request, S.QUEUED, actor=actor, reason="retry requested")
    request.attempts_count = 0
    request.not_before = None
    request.lookup_reason = None
    request.waiting_reason = None
    return request


def retry_failed(session: Session, company_id: int | None = None, *, actor: str) -> int:
    """Retry every failed request (of one company, or all); returns how many."""
    query = select(Request.id).where(Request.status == S.FAILED.value).order_by(Request.id)
    if company_id is not None:
        query = query.where(Request.company_id == company_id)
    ids = list(session.scalars(query))
    for request_id in ids:
        retry(session, request_id, actor=actor)
    return len(ids)


def cancel(session: Session, request_id: int, *, actor: str, reason: str | None = None) -> Request:
    """Never send this request (queued, held or failed ones only)."""
    request = get_request(session, request_id)
    transition(session, request, S.CANCELED, actor=actor, reason=reason or "canceled")
    return request


def hold(session: Session, request_id: int, *, actor: str, reason: str | None = None) -> Request:
    """Keep a queued request back until someone releases it."""
    request = get_request(session, request_id)
    text = reason or "held"
    transition(session, request, S.HELD, actor=actor, reason=text)
    request.hold_reason = text
    return request


def release(session: Session, request_id: int, *, actor: str) -> Request:
    """Let a held request join the queue."""
    request = get_request(session, request_id)
    _require(request, S.HELD, S.QUEUED)
    transition(session, request, S.QUEUED, actor=actor, reason="released")
    request.hold_reason = None
    return request


def approve(session: Session, request_id: int, *, actor: str) -> Request:
    """Approve a request held for review; it joins the queue."""
    request = get_request(session, request_id)
    _require(request, S.HELD, S.QUEUED)
    transition(session, request, S.QUEUED, actor=actor, reason="approved")
    request.hold_reason = None
    return request


def purge_bodies(session: Session, *, older_than_days: int, now: datetime | None = None) -> int:
    """Blank the qbXML bodies (customer data) of finished work; the facts stay. Rows touched."""
    at = now or utcnow()
    cutoff = at - timedelta(days=older_than_days)
    finished = select(Request.id).where(
        Request.status.in_(FINISHED), Request.completed_at < cutoff
    )
    touched = 0
    result = session.execute(
        update(Request)
        .where(
            Request.id.in_(finished.scalar_subquery()),
            (Request.request_xml.is_not(None))
            | (Request.response_xml.is_not(None))
            | (Request.body_xml.is_not(None)),
        )
        .values(request_xml=None, response_xml=None, body_xml=None)
        .execution_options(synchronize_session=False)
    )
    touched += int(getattr(result, "rowcount", 0) or 0)
    result = session.execute(
        update(Request)
        .where(
            Request.status.in_((S.SUCCEEDED.value, S.CANCELED.value)),
            Request.completed_at < cutoff,
            Request.payload != {},
        )
        .values(payload={})
        .execution_options(synchronize_session=False)
    )
    result = session.execute(
        update(Attempt)
        .where(
            Attempt.sent_at < cutoff,
            Attempt.bodies_purged_at.is_(None),
            Attempt.request_id.in_(finished.scalar_subquery()),
        )
        .values(request_xml=None, response_xml=None, bodies_purged_at=at)
        .execution_options(synchronize_session=False)
    )
    touched += int(getattr(result, "rowcount", 0) or 0)
    result = session.execute(
        update(MessageSet)
        .where(
            MessageSet.sent_at < cutoff,
            MessageSet.request_xml.is_not(None),
            MessageSet.state.not_in(
                (MessageSetState.SENT.value, MessageSetState.RECOVERING.value)
            ),
        )
        .values(request_xml=None)
        .execution_options(synchronize_session=False)
    )
    touched += int(getattr(result, "rowcount", 0) or 0)
    session.expire_all()
    return touched
