"""The request lifecycle: the one function that changes a status, and idempotent enqueue."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qbwc_service.db.models import (
    Company,
    Request,
    RequestDependency,
    RequestStatus,
    RequestTransition,
    utcnow,
)
from qbwc_service.db.records import RequestLike, RequestRecord
from qbwc_service.db.set_index import read_dependents
from qbwc_service.queue.bulk import insert_rows, loaded_as, loaded_in_session, update_rows
from qbwc_service.queue.errors import InvalidTransition
from qbwc_service.queue.facts import set_document_facts
from qbwc_service.queue.lookups import request_field

__all__ = [
    "ALLOWED",
    "EnqueueResult",
    "describe",
    "enqueue",
    "note",
    "settle_asked",
    "transition",
    "transition_many",
]


_QUEUED, _HELD, _SENT = RequestStatus.QUEUED, RequestStatus.HELD, RequestStatus.SENT
_SUCCEEDED, _FAILED, _CANCELED = (RequestStatus.SUCCEEDED, RequestStatus.FAILED,
                                  RequestStatus.CANCELED)
ALLOWED: dict[RequestStatus, frozenset[RequestStatus]] = {
    # queued -> failed: a request that cannot be rendered or validated never leaves.
    _QUEUED: frozenset({_HELD, _SENT, _CANCELED, _FAILED}),
    _HELD: frozenset({_QUEUED, _CANCELED}),
    # sent -> queued: requeued after recovery, a retryable error, or the next iterator page.
    _SENT: frozenset({_SUCCEEDED, _FAILED, _QUEUED}),
    _FAILED: frozenset({_QUEUED, _CANCELED}),
    _SUCCEEDED: frozenset(),
    _CANCELED: frozenset(),
}


# What ``transition_many`` moves a whole message set to: claimed, or plainly accepted.
_SETTLED_TOGETHER = frozenset({_SENT, _SUCCEEDED})


def transition(
    session: Session,
    request: Request,
    to: RequestStatus,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
) -> None:
    """Move ``request`` to ``to`` if the lifecycle allows it, and record who and why.

    A request that fails or is canceled will not be sent: its dependents are told which
    request holds them back and why (so set its explanation first). One that is retried
    after failing holds them back no longer.
    """
    current = RequestStatus(request.status)
    if to not in ALLOWED[current]:
        raise InvalidTransition(request.id, current.value, to.value)
    at = now or utcnow()
    request.status = to.value
    request.updated_at = at
    if to in (RequestStatus.SUCCEEDED, RequestStatus.FAILED, RequestStatus.CANCELED):
        request.completed_at = at
    elif to is RequestStatus.QUEUED:
        request.completed_at = None
    session.add(
        RequestTransition(
            request_id=request.id, from_status=current.value, to_status=to.value,
            actor=actor, reason=reason, at=at,
        )
    )
    if to in (RequestStatus.FAILED, RequestStatus.CANCELED):
        _mark_dependents_waiting(session, request)
    elif current is RequestStatus.FAILED and to is RequestStatus.QUEUED:
        _clear_waiting(session, request)


def transition_many(
    session: Session,
    requests: Sequence[Request | RequestRecord],
    to: RequestStatus,
    *,
    actor: str,
    reason: str | None = None,
    now: datetime | None = None,
    values: Mapping[int, Mapping[str, Any]] | None = None,
) -> None:
    """``transition`` for a whole message set: a few statements, not a few per request.

    ``values`` (by request id) are further columns written with the status; a record's
    own changes since it was read are written with it too. The rows are written at once;
    the records, and the objects in the session, are given the written values as their
    loaded state, so nothing is left for a later flush and nothing reads stale. Every
    move is checked before anything is written.
    """
    if not requests:
        return
    at = now or utcnow()
    moves: list[tuple[Request | RequestRecord, str]] = []
    if to not in _SETTLED_TOGETHER:
        # A failure or a cancellation tells each request's dependents (``transition``).
        raise ValueError(f"requests are moved to {to.value} one at a time")
    for request in requests:
        current = RequestStatus(request.status)
        if to not in ALLOWED[current]:
            raise InvalidTransition(request.id, current.value, to.value)
        moves.append((request, current.value))
    completed: dict[str, Any] = {}
    if to in (RequestStatus.SUCCEEDED, RequestStatus.FAILED, RequestStatus.CANCELED):
        completed = {"completed_at": at}
    elif to is RequestStatus.QUEUED:
        completed = {"completed_at": None}
    extra = values or {}
    rows = [
        {**(request.changes() if isinstance(request, RequestRecord) else {}),
         **extra.get(request.id, {}), "status": to.value, "updated_at": at, **completed,
         "id": request.id}
        for request, _ in moves
    ]
    session.flush()  # the rows below are written past the unit of work: nothing may lag
    update_rows(session, Request, rows)
    insert_rows(session, RequestTransition, [
        {"request_id": request.id, "from_status": current, "to_status": to.value,
         "actor": actor, "reason": reason, "at": at}
        for request, current in moves
    ])
    for (request, _), row in zip(moves, rows, strict=True):
        written = {key: value for key, value in row.items() if key != "id"}
        if isinstance(request, RequestRecord):
            request.written(written)
            loaded_in_session(session, Request, request.id, written)
        else:
            loaded_as(request, written)


def note(session: Session, request: RequestLike, *, actor: str, reason: str) -> None:
    """Record an event on the request's history without changing its status."""
    session.add(
        RequestTransition(
            request_id=request.id, from_status=request.status, to_status=request.status,
            actor=actor, reason=reason,
        )
    )


def settle_asked(session: Session, asked: Sequence[tuple[Request, str, str]]) -> None:
    """Settle the requests a handler asked to (``(request, "canceled" | "failed", reason)``):
    an answer made them pointless (nothing left to send) or impossible. Each moves only
    as the lifecycle allows; a request that may not move (held, already settled) keeps
    its status and the reason is noted on its history."""
    for request, status, reason in asked:
        to = RequestStatus(status)
        if to not in (RequestStatus.CANCELED, RequestStatus.FAILED):
            raise ValueError(f"a handler may only cancel or fail a request, not {status}")
        if to not in ALLOWED[RequestStatus(request.status)]:
            note(session, request, actor="handler", reason=reason[:2000])
            continue
        if to is RequestStatus.FAILED:
            request.explanation = reason[:4000]
        transition(session, request, to, actor="handler", reason=reason[:2000])


def describe(request: RequestLike) -> str:
    """``#12 (CustomerAdd Smith & Sons)``: how the bookkeeper recognises a request."""
    subject = (
        request.magento_ref
        or request_field(request, "RefNumber")
        or request_field(request, "Name")
        or request_field(request, "FullName")
    )
    label = f"{request.operation} {subject}" if subject else request.operation
    return f"#{request.id} ({label})"


@dataclass(frozen=True)
class EnqueueResult:
    request: Request
    created: bool
    changed: bool


_UPDATABLE = (RequestStatus.QUEUED.value, RequestStatus.HELD.value, RequestStatus.FAILED.value)
_POSTED = (RequestStatus.SENT.value, RequestStatus.SUCCEEDED.value)


def enqueue(
    session: Session,
    *,
    company_id: int,
    operation: str,
    key: str,
    payload: dict[str, Any] | None = None,
    body_xml: str | None = None,
    entity_type: str | None = None,
    magento_id: str | None = None,
    magento_ref: str | None = None,
    document_hash: str | None = None,
    depends_on: Sequence[Request | int] = (),
    priority: int = 100,
    hold_reason: str | None = None,
    actor: str = "sync",
    amount: Decimal | None = None,
    document_date: date | None = None,
) -> EnqueueResult:
    """Queue an operation once per ``(company_id, key)``; a repeat returns the existing row.

    ``amount`` and ``document_date`` are the Magento total and TxnDate the planner checked
    the document against (shown in the request log); without them they come from ``payload``.
    """
    existing = _by_key(session, company_id, key)
    if existing is None:
        request = Request(
            company_id=company_id, operation=operation, idempotency_key=key,
            payload=dict(payload or {}), body_xml=body_xml, entity_type=entity_type,
            magento_id=magento_id, magento_ref=magento_ref, document_hash=document_hash,
            priority=priority, status=RequestStatus.QUEUED.value,
        )
        set_document_facts(request, amount=amount, document_date=document_date)
        try:
            with session.begin_nested():
                session.add(request)
                session.flush()
        except IntegrityError:
            # Another process queued the same key between our look-up and insert.
            existing = _by_key(session, company_id, key)
            if existing is None:
                raise
        else:
            session.add(
                RequestTransition(
                    request_id=request.id, from_status=None, to_status=RequestStatus.QUEUED.value,
                    actor=actor, reason="queued",
                )
            )
            _add_dependencies(session, request, depends_on)
            company = session.get(Company, company_id)
            if hold_reason is None and company is not None and company.approval_required:
                hold_reason = "awaiting approval"
            if hold_reason is not None:
                request.hold_reason = hold_reason
                transition(session, request, RequestStatus.HELD, actor=actor, reason=hold_reason)
            return EnqueueResult(request, created=True, changed=False)

    request = existing
    _add_dependencies(session, request, depends_on)
    if document_hash is None or document_hash == request.document_hash:
        return EnqueueResult(request, created=False, changed=False)
    if request.status in _POSTED:
        if not request.changed_after_post:
            request.changed_after_post = True
            note(
                session, request, actor=actor,
                reason="the Magento document changed after it was posted to QuickBooks; "
                "review it, it was not posted again",
            )
        return EnqueueResult(request, created=False, changed=False)
    if request.status in _UPDATABLE:
        request.payload = dict(payload or {})
        request.body_xml = body_xml
        request.document_hash = document_hash
        set_document_facts(request, amount=amount, document_date=document_date)
        if magento_ref is not None:
            request.magento_ref = magento_ref
        request.updated_at = utcnow()
        note(session, request, actor=actor, reason="updated from a changed Magento document")
        return EnqueueResult(request, created=False, changed=True)
    return EnqueueResult(request, created=False, changed=False)


def _by_key(session: Session, company_id: int, key: str) -> Request | None:
    return session.scalars(
        select(Request).where(Request.company_id == company_id, Request.idempotency_key == key)
    ).first()


def _add_dependencies(
    session: Session, request: Request, depends_on: Sequence[Request | int]
) -> None:
    if not depends_on:
        return
    wanted: set[int] = set()
    for item in depends_on:
        if isinstance(item, Request):
            if item.id is None:
                session.flush()
            wanted.add(item.id)
        else:
            wanted.add(int(item))
    wanted.discard(request.id)
    have = set(
        session.scalars(
            select(RequestDependency.depends_on_id).where(
                RequestDependency.request_id == request.id
            )
        )
    )
    for depends_on_id in sorted(wanted - have):
        session.add(RequestDependency(request_id=request.id, depends_on_id=depends_on_id))
    session.flush()
    for depends_on_id in sorted(wanted - have):
        dependency = session.get(Request, depends_on_id)
        if dependency is not None and dependency.status in (RequestStatus.FAILED.value,
                                                            RequestStatus.CANCELED.value):
            _mark_dependents_waiting(session, dependency)


def _dependents(session: Session, request_ids: Sequence[int]) -> list[Request]:
    return [dependent for dependents in read_dependents(session, request_ids).values()
            for dependent in dependents]


def _mark_dependents_waiting(session: Session, blocker: RequestLike) -> None:
    """Explain to every (transitive) dependent which request holds it back, and why."""
    if blocker.status == RequestStatus.CANCELED.value:
        reason = f"Waiting for request {describe(blocker)}, which was canceled"
    else:
        why = blocker.explanation or blocker.status_message or blocker.status
        reason = f"Waiting for request {describe(blocker)}, which failed: {why}"
    for dependent in _all_dependents(session, blocker):
        if dependent.status in (RequestStatus.QUEUED.value, RequestStatus.HELD.value):
            dependent.waiting_reason = reason[:2000]


def _clear_waiting(session: Session, blocker: RequestLike) -> None:
    """The blocker is moving again: its dependents no longer wait on its failure."""
    marker = f"Waiting for request {describe(blocker)}"
    for dependent in _all_dependents(session, blocker):
        if dependent.waiting_reason and dependent.waiting_reason.startswith(marker):
            dependent.waiting_reason = None


def _all_dependents(session: Session, blocker: RequestLike) -> Iterator[Request]:
    """The requests that depend on ``blocker``, directly or through others, each once."""
    seen: set[int] = {blocker.id}
    frontier = [blocker.id]
    while frontier:
        found = [r for r in _dependents(session, frontier) if r.id not in seen]
        frontier = []
        for dependent in found:
            seen.add(dependent.id)
            frontier.append(dependent.id)
            yield dependent
