"""Message sets whose outcome is unknown: finding them, asking QuickBooks, giving up on none.

QuickBooks remembers the outcome of the last message set sent with ``newMessageSetID``.
While such a set is unsettled for a company nothing else is sent to it: the next
``sendRequestXML`` is an empty set carrying ``oldMessageSetID``, and its answer (the saved
responses, or nothing) settles the set.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Exists, bindparam, exists, literal_column, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from qbwc_service.db.models import (
    Attempt,
    MessageSet,
    MessageSetState,
    Request,
    RequestStatus,
    RunState,
    WcRun,
    utcnow,
)
from qbwc_service.db.records import MessageSetRecord
from qbwc_service.qbxml import render_message_set
from qbwc_service.queue.lifecycle import note, transition
from qbwc_service.queue.machines import move_message_set

__all__ = [
    "IS_UNSETTLED",
    "UNSETTLED",
    "abandon_ticket",
    "is_unsettled",
    "needs_recovery",
    "open_attempts",
    "outstanding_sets",
    "recover_abandoned",
    "recovery_message_set_xml",
    "requeue_unanswered",
    "ticket_is_live",
    "unsettled_sets",
    "unsettled_writes",
]

log = logging.getLogger(__name__)

UNSETTLED = (MessageSetState.SENT.value, MessageSetState.RECOVERING.value)
_CLOSED_SESSIONS = (RunState.CLOSED.value, RunState.EXPIRED.value)


def is_unsettled(state: ColumnElement[str] | InstrumentedAttribute[str]) -> ColumnElement[bool]:
    """``state IN ('sent', 'recovering')`` written into the SQL: the states are the
    service's own constants, and a bound IN list is expanded afresh on every execution."""
    return state.in_([literal_column(f"'{value}'") for value in UNSETTLED])


IS_UNSETTLED = is_unsettled(MessageSet.state)


# Asked before every message set: built once (see claim.py on prebuilt statements).
_OUTSTANDING_SETS = (
    select(MessageSet)
    .where(MessageSet.company_id == bindparam("company_id"), IS_UNSETTLED)
    .order_by(MessageSet.id)
)


def outstanding_sets(session: Session, company_id: int) -> list[MessageSet]:
    return list(session.scalars(_OUTSTANDING_SETS, {"company_id": company_id}))


def ticket_is_live(session: Session, ticket: str) -> bool:
    """Another Web Connector run still owns this ticket and may yet answer."""
    wc_session = session.get(WcRun, ticket)
    return (
        wc_session is not None
        and wc_session.closed_at is None
        and wc_session.state not in _CLOSED_SESSIONS
    )


def unsettled_sets(company_id: int | ColumnElement[int]) -> Exists:
    """EXISTS: a message set is out for this company with its outcome unknown."""
    return exists().where(MessageSet.company_id == company_id, IS_UNSETTLED)


def unsettled_writes(company_id: int | ColumnElement[int]) -> Exists:
    """EXISTS: a message set that writes is out for this company with its outcome unknown."""
    return unsettled_sets(company_id).where(MessageSet.writes.is_(True))


def needs_recovery(session: Session, company_id: int) -> bool:
    """A message set that writes is out for this company with its outcome unknown."""
    return bool(session.scalar(select(unsettled_writes(company_id))))


def recovery_message_set_xml(message_set: MessageSet, qbxml_version: str) -> str:
    """The empty status check for ``message_set`` (Intuit's ErrRecovery2 sample)."""
    return render_message_set(
        [], version=qbxml_version, on_error="continueOnError",
        new_message_set_id=message_set.message_set_id,
        old_message_set_id=message_set.message_set_id,
    )


def requeue_unanswered(
    session: Session, message_set: MessageSet, *, actor: str, reason: str,
    outcome: str = "no_response", now: datetime | None = None,
) -> int:
    """Send every still-SENT request of ``message_set`` back to the queue."""
    at = now or utcnow()
    requests = session.scalars(
        select(Request).where(
            Request.message_set_pk == message_set.id,
            Request.status == RequestStatus.SENT.value,
        )
    ).all()
    attempts = open_attempts(session, message_set) if requests else {}
    for request in requests:
        attempt = attempts.get(request.id)
        if attempt is not None:
            attempt.received_at = at
            attempt.outcome = outcome
        transition(session, request, RequestStatus.QUEUED, actor=actor, reason=reason, now=at)
    return len(requests)


def open_attempts(session: Session,
                  message_set: MessageSet | MessageSetRecord) -> dict[int, Attempt]:
    """The attempts of ``message_set`` still waiting for an answer, by request (the
    newest where a request has several)."""
    rows = session.scalars(
        select(Attempt)
        .where(
            Attempt.message_set_id == message_set.message_set_id,
            Attempt.received_at.is_(None),
        )
        .order_by(Attempt.id)
    )
    return {attempt.request_id: attempt for attempt in rows}


def abandon_ticket(session: Session, ticket: str, *, reason: str) -> int:
    """The run ended with a message set out: keep it unsettled so the next run recovers it."""
    sets = session.scalars(
        select(MessageSet).where(MessageSet.ticket == ticket, IS_UNSETTLED)
    ).all()
    for message_set in sets:
        if not message_set.writes:
            # Queries change nothing in QuickBooks: sending them again is harmless.
            requeue_unanswered(
                session, message_set, actor="session",
                reason=f"the session ended before QuickBooks answered: {reason}",
            )
            move_message_set(message_set, MessageSetState.REQUEUED)
            continue
        for request in session.scalars(
            select(Request).where(
                Request.message_set_pk == message_set.id,
                Request.status == RequestStatus.SENT.value,
            )
        ):
            note(
                session, request, actor="session",
                reason=f"the session ended before QuickBooks answered ({reason}); "
                "the next session asks QuickBooks what became of it",
            )
    return len(sets)


def recover_abandoned(
    session: Session, *, older_than: timedelta, now: datetime | None = None
) -> int:
    """Mark in-flight work older than ``older_than`` for recovery; returns requests touched."""
    at = now or utcnow()
    cutoff = at - older_than
    touched = 0
    sets = session.scalars(
        select(MessageSet).where(
            MessageSet.state == MessageSetState.SENT.value, MessageSet.sent_at < cutoff
        )
    ).all()
    for message_set in sets:
        if message_set.writes:
            # RECOVERING is never waited on: the next run for the company settles it.
            move_message_set(message_set, MessageSetState.RECOVERING)
            touched += session.query(Request).filter(
                Request.message_set_pk == message_set.id,
                Request.status == RequestStatus.SENT.value,
            ).count()
        else:
            touched += requeue_unanswered(
                session, message_set, actor="system", reason="abandoned query sent again",
                now=at,
            )
            move_message_set(message_set, MessageSetState.REQUEUED)
    # A request left SENT outside any unsettled set can only be a leftover: send it again.
    orphans = session.scalars(
        select(Request).where(
            Request.status == RequestStatus.SENT.value,
            Request.sent_at < cutoff,
            ~exists().where(
                MessageSet.id == Request.message_set_pk, IS_UNSETTLED
            ),
        )
    ).all()
    for request in orphans:
        transition(
            session, request, RequestStatus.QUEUED, actor="system",
            reason="in flight with no message set awaiting an answer", now=at,
        )
        touched += 1
    if touched:
        log.info("marked %d abandoned request(s) for recovery", touched)
    return touched
