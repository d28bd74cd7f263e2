"""Applying QuickBooks' answer: route each response by requestID and settle its request."""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, FromClause, Select, and_, bindparam, select
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session

from qbwc_service.db.models import (
    Attempt,
    Mapping,
    MessageSet,
    MessageSetState,
    Request,
    RequestStatus,
    utcnow,
)
from qbwc_service.db.records import IN_CHUNK, MessageSetRecord, RequestLike, RequestRecord, save
from qbwc_service.db.set_index import expect_dependents, forget
from qbwc_service.failpoints import failpoint
from qbwc_service.qbxml import parse_response, status_kind
from qbwc_service.queue.accepted import ACCEPTED_REASON, AcceptedResponses, plainly_accepted
from qbwc_service.queue.errors import NoOutstandingMessageSet, ResponseUnreadable
from qbwc_service.queue.lifecycle import note, settle_asked, transition
from qbwc_service.queue.lookups import (
    NAME_IN_USE,
    STALE_EDIT_SEQUENCE,
    UNKNOWN_OUTCOME,
    identity_matches,
    lookup_possible,
    request_field,
)
from qbwc_service.queue.machines import move_message_set
from qbwc_service.queue.mappings import MappingBook
from qbwc_service.queue.recovery import IS_UNSETTLED, is_unsettled
from qbwc_service.queue.registry import HandlerRegistry
from qbwc_service.settings import Settings

__all__ = [
    "ApplySummary",
    "Outcome",
    "apply_response",
    "awaited_set_of",
    "awaiting_message_set",
    "retry_later",
    "run_handlers",
    "sent_requests",
    "with_awaited_set",
]

log = logging.getLogger(__name__)

ACTOR = "quickbooks"
_HANDLER_CALLS = "qbwc_queue_handler_calls"
STALE_EDIT_SEQUENCE_CODE = 3200
NAME_IN_USE_CODE = 3100
ITERATOR_EXPIRED_CODE = 3391


@dataclass
class ApplySummary:
    succeeded: int = 0
    failed: int = 0
    requeued: int = 0
    recovered: int = 0  # of the above, outcomes learned from QuickBooks' saved state
    elapsed_ms: int | None = None  # from sending the message set to its answer

    def count(self, outcome: Outcome) -> None:
        """One more request settled as ``outcome``."""
        if outcome is Outcome.SUCCEEDED:
            self.succeeded += 1
        elif outcome is Outcome.FAILED:
            self.failed += 1
        else:
            self.requeued += 1


class Outcome(enum.StrEnum):
    """How one request of a message set was settled."""

    SUCCEEDED = "succeeded"
    FAILED = "failed"
    REQUEUED = "requeued"


# Asked on every answer, so built once with bound parameters (see claim.py); read with
# Core as a record, written back by ``save``.
_AWAITING = (
    select(MessageSetRecord.table)
    .where(MessageSet.ticket == bindparam("ticket"), IS_UNSETTLED)
    .order_by(MessageSet.id.desc())
    .limit(1)
)
_SENT_REQUESTS = (
    select(Request)
    .where(Request.message_set_pk == bindparam("message_set_pk"),
           Request.status == RequestStatus.SENT.value)
    .order_by(Request.id)
)
# The sent requests, as records, with their open attempts' ids, in one statement.
_REQUESTS = RequestRecord.table
_ATTEMPTS = Attempt.__table__
_MAPPINGS = Mapping.__table__
_OPEN_ATTEMPT = "open_attempt_id"
_MAPPING_ID = "mapping_id"
# With the id of each request's identity mapping, where one exists: a set of new records
# (the usual adds) then needs no read of mappings at all.
_SENT_WITH_OPEN_ATTEMPT = (
    select(_REQUESTS, _ATTEMPTS.c.id.label(_OPEN_ATTEMPT), _MAPPINGS.c.id.label(_MAPPING_ID))
    .outerjoin(_ATTEMPTS, and_(_ATTEMPTS.c.request_id == _REQUESTS.c.id,
                               _ATTEMPTS.c.message_set_id == bindparam("message_set_id"),
                               _ATTEMPTS.c.received_at.is_(None)))
    .outerjoin(_MAPPINGS, and_(_MAPPINGS.c.company_id == _REQUESTS.c.company_id,
                               _MAPPINGS.c.entity_type == _REQUESTS.c.entity_type,
                               _MAPPINGS.c.magento_id == _REQUESTS.c.magento_id))
    .where(_REQUESTS.c.message_set_pk == bindparam("message_set_pk"),
           _REQUESTS.c.status == RequestStatus.SENT.value)
    .order_by(_REQUESTS.c.id, _ATTEMPTS.c.id)
)


_SETS = MessageSetRecord.table
_SET_PREFIX = "awaited_"


def with_awaited_set(statement: Select[Any], left: FromClause,
                     ticket: ColumnElement[str]) -> Select[Any]:
    """``statement`` with the columns of the message set ``ticket`` (a column of ``left``)
    awaits the answer to beside its row (NULL when none), found as ``awaiting_message_set`` finds it: a caller
    reading its run anyway learns the set in the same statement."""
    awaited = _SETS.alias("awaited")
    return (statement
            .add_columns(*(column.label(_SET_PREFIX + column.name) for column in awaited.c))
            .outerjoin_from(left, awaited,
                            and_(awaited.c.ticket == ticket, is_unsettled(awaited.c.state)))
            .order_by(awaited.c.id.desc())
            .limit(1))


def awaited_set_of(row: Row[Any]) -> MessageSetRecord | None:
    """The message set a ``with_awaited_set`` row carries, or None (none awaited, or a
    row read without it)."""
    mapping = row._mapping
    if mapping.get(_SET_PREFIX + "id") is None:
        return None
    return MessageSetRecord({column: mapping[_SET_PREFIX + column]
                             for column in MessageSetRecord.columns})


def awaiting_message_set(session: Session, ticket: str) -> MessageSetRecord:
    """The ticket's message set whose answer is due; ``NoOutstandingMessageSet`` if none.
    What the caller changes on it is written by ``records.save``."""
    row = session.connection().execute(_AWAITING, {"ticket": ticket}).first()
    if row is None:
        raise NoOutstandingMessageSet(ticket)
    return MessageSetRecord.from_row(row)


def sent_requests(session: Session, message_set: MessageSetRecord) -> list[Request]:
    return list(session.scalars(_SENT_REQUESTS, {"message_set_pk": message_set.id}))


def _sent_with_open_attempts(
    session: Session, message_set: MessageSetRecord
) -> tuple[list[RequestRecord], dict[int, int], set[int]]:
    """``sent_requests`` as records, ``open_attempts`` as ids by request (the newest
    where a request has several), and the ids of the requests' identity mappings that
    exist: a plain success needs no ORM object."""
    requests: dict[int, RequestRecord] = {}
    attempt_ids: dict[int, int] = {}
    mapping_ids: set[int] = set()
    session.flush()  # a Core statement: what this transaction changed, first
    rows = session.connection().execute(_SENT_WITH_OPEN_ATTEMPT, {
        "message_set_pk": message_set.id, "message_set_id": message_set.message_set_id})
    for row in rows:
        mapping = row._mapping
        request_id = mapping["id"]
        if request_id not in requests:
            requests[request_id] = RequestRecord.from_row(row)
        attempt_id = mapping[_OPEN_ATTEMPT]
        if attempt_id is not None:
            attempt_ids[request_id] = attempt_id
        mapping_id = mapping[_MAPPING_ID]
        if mapping_id is not None:
            mapping_ids.add(mapping_id)
    return list(requests.values()), attempt_ids, mapping_ids


def _attempt(session: Session, attempt_ids: dict[int, int], request_id: int) -> Attempt | None:
    attempt_id = attempt_ids.get(request_id)
    return None if attempt_id is None else session.get(Attempt, attempt_id)


def apply_response(
    session: Session,
    *,
    ticket: str,
    response_xml: str,
    handlers: HandlerRegistry,
    now: datetime | None = None,
    settings: Settings | None = None,
    awaited: MessageSetRecord | None = None,
) -> ApplySummary:
    """Settle the ticket's outstanding message set from QuickBooks' response.

    ``handlers`` then applies each answer to local state (mappings, quantities, runs).

    ``now`` (the caller's clock) is when the answer came: the round trip is measured from
    the set's ``sent_at``. ``awaited`` is the set when the caller read it in this
    transaction already (``with_awaited_set``).
    """
    at = now or utcnow()
    policy = settings or Settings()
    message_set = awaited or awaiting_message_set(session, ticket)
    elapsed_ms = max(0, int((at - message_set.sent_at).total_seconds() * 1000))
    is_recovery = message_set.state == MessageSetState.RECOVERING.value
    try:
        # Large answers are streamed: a response's records beyond the request log's copy
        # are read again, one at a time, by the handler that applies them.
        parsed = parse_response(response_xml, keep_bytes=policy.response_log_bytes)
    except Exception as exc:
        # Unknown outcome: the set stays unsettled and error recovery will settle it.
        raise ResponseUnreadable(message_set.message_set_id, str(exc)) from exc
    sent, attempt_ids, mapping_ids = _sent_with_open_attempts(session, message_set)
    pending = {str(request.id): request for request in sent}
    book = MappingBook(session, mapping_ids)
    accepted = AcceptedResponses(book, ACTOR)
    summary = ApplySummary(elapsed_ms=elapsed_ms)
    responses = list(parsed.responses)
    answered: list[tuple[RequestRecord, Any, str, str, bool]] = []
    for response in responses:
        request = pending.pop(str(response.request_id), None)
        if request is None:
            log.warning("response with unknown requestID in message set %s",
                        message_set.message_set_id)
            continue
        kind, explanation = status_kind(response.status_code, response.message)
        answered.append((request, response, kind, explanation,
                         plainly_accepted(request, response, kind)))
    loaded = _load_settled_one_by_one(session, [
        *(request.id for request, *_, plain in answered if not plain),
        *(request.id for request in pending.values())], attempt_ids)
    for request, response, kind, explanation, plain in answered:
        if plain:
            accepted.add(request, response, kind, explanation, attempt_ids.get(request.id), at)
            _call_handler(session, request, response)
            outcome = Outcome.SUCCEEDED
        else:
            outcome = _apply_one(
                session, request.loaded(session), response,
                _attempt(session, attempt_ids, request.id), at, policy, book,
            )
        summary.count(outcome)
        if is_recovery:
            summary.recovered += 1
    never_processed = is_recovery and not responses
    for record in pending.values():
        unanswered = record.loaded(session)
        attempt = _attempt(session, attempt_ids, unanswered.id)
        if attempt is not None:
            attempt.received_at = at
            attempt.outcome = "not_processed" if never_processed else "no_response"
        if (
            never_processed
            and unanswered.lookup_reason is None
            and unanswered.operation.endswith("Add")
            and lookup_possible(unanswered, UNKNOWN_OUTCOME)
        ):
            # QuickBooks kept no state: it says the set never ran. Still, look before
            # adding again, so an Add that did land is linked, not duplicated.
            unanswered.lookup_reason = UNKNOWN_OUTCOME
        reason = (
            "QuickBooks kept no record of this message set; sending it again"
            if never_processed
            else "QuickBooks did not answer this request; sending it again"
        )
        transition(session, unanswered, RequestStatus.QUEUED, actor=ACTOR, reason=reason, now=at)
        summary.requeued += 1
    if is_recovery:
        move_message_set(
            message_set,
            MessageSetState.REQUEUED if never_processed else MessageSetState.RECOVERED,
        )
    else:
        move_message_set(message_set, MessageSetState.ANSWERED)
    message_set.answered_at = at
    message_set.elapsed_ms = elapsed_ms
    save(session.connection(), message_set)
    accepted.write(session, at)
    book.write()
    expect_dependents(session, [request.id for request in sent])
    try:
        run_handlers(session, handlers)
    finally:
        forget(session)
    session.flush()
    failpoint("queue.after_apply")
    del loaded
    return summary


def _load_settled_one_by_one(session: Session, ids: list[int],
                             attempt_ids: dict[int, int]) -> list[object]:
    """Load together the ORM requests ``ids`` and their open attempts: the outcomes
    settled field by field (an error, an iterator's next page, a look-up's answer, a
    request left unanswered), so that ``RequestRecord.loaded`` and ``_attempt`` find them
    in the session instead of reading them one by one: a message set QuickBooks refuses
    request by request costs two statements, not two per request. A set of plain
    successes loads nothing. The objects are returned to be held: the session keeps
    unchanged ones only while something refers to them."""
    held: list[object] = []
    for start in range(0, len(ids), IN_CHUNK):
        chunk = ids[start:start + IN_CHUNK]
        held.extend(session.scalars(select(Request).where(Request.id.in_(chunk))))
        attempts = [attempt_ids[i] for i in chunk if i in attempt_ids]
        if attempts:
            held.extend(session.scalars(select(Attempt).where(Attempt.id.in_(attempts))))
    return held


def _apply_one(
    session: Session, request: Request, response: Any, attempt: Attempt | None, at: datetime,
    policy: Settings, book: MappingBook,
) -> Outcome:
    code = response.status_code
    kind, explanation = status_kind(code, response.message)
    request.status_code = code
    request.status_severity = response.severity
    request.status_message = response.message
    request.response_xml = response.raw_xml
    if attempt is not None:
        attempt.received_at = at
        attempt.status_code = code
        attempt.status_severity = response.severity
        attempt.status_message = response.message
        attempt.response_xml = response.raw_xml
        attempt.outcome = kind
    if request.lookup_reason:
        return _apply_lookup(session, request, response, kind, explanation, at, policy, book)
    if kind in ("success", "warning"):
        remaining = response.iterator_remaining
        if remaining and int(remaining) > 0 and response.iterator_id:
            request.iterator_id = response.iterator_id
            request.iterator_remaining = int(remaining)
            _call_handler(session, request, response)
            return _requeue(session, request, f"next page: {remaining} record(s) remain", at)
        request.iterator_id = None
        request.iterator_remaining = None
        request.explanation = explanation if kind == "warning" else None
        rets = response.rets
        return _succeed(session, request, response, rets[0] if rets else None,
                        ACCEPTED_REASON, at, book)
    if code == ITERATOR_EXPIRED_CODE:
        request.iterator_id = None
        request.iterator_remaining = None
        return _requeue(session, request, "the query's iterator expired; starting over", at)
    if code == STALE_EDIT_SEQUENCE_CODE and request.operation.endswith("Mod"):
        fresh = next((ret for ret in response.rets or [] if ret.edit_sequence), None)
        if fresh is not None:
            _set_edit_sequence(request, str(fresh.edit_sequence))
            return _requeue(session, request, "changed in QuickBooks meanwhile; sending the "
                            "change again with the current EditSequence", at)
        if lookup_possible(request, STALE_EDIT_SEQUENCE):
            request.lookup_reason = STALE_EDIT_SEQUENCE
            return _requeue(session, request, "changed in QuickBooks meanwhile; reading its "
                            "current EditSequence first", at)
    if (
        code == NAME_IN_USE_CODE
        and request.operation.endswith("Add")
        and lookup_possible(request, NAME_IN_USE)
    ):
        request.lookup_reason = NAME_IN_USE
        return _requeue(session, request, "the name is in use; checking whether the "
                        "record is ours", at)
    if kind == "retryable":
        return retry_later(session, request, explanation, at, policy)
    return _fail(session, request, response, explanation, at)


def _apply_lookup(
    session: Session, request: Request, response: Any, kind: str, explanation: str,
    at: datetime, policy: Settings, book: MappingBook,
) -> Outcome:
    reason = request.lookup_reason
    if kind not in ("success", "warning"):
        if kind == "retryable":
            return retry_later(session, request, explanation, at, policy)
        request.lookup_reason = None
        return _fail(session, request, response, explanation, at)
    rets = response.rets
    if reason == STALE_EDIT_SEQUENCE:
        request.lookup_reason = None
        fresh = next((ret for ret in rets if ret.edit_sequence), None)
        if fresh is None:
            return _fail(session, request, response,
                         "The record to change no longer exists in QuickBooks.", at)
        _set_edit_sequence(request, str(fresh.edit_sequence))
        return _requeue(session, request, "sending the change with the current EditSequence", at)
    ours = next((ret for ret in rets if identity_matches(request, ret)), None)
    request.lookup_reason = None
    if ours is not None:
        return _succeed(session, request, response, ours,
                        "already in QuickBooks; linked instead of adding it again", at, book)
    if reason == NAME_IN_USE:
        name = request_field(request, "Name") or request_field(request, "RefNumber") or ""
        held_by = "a record" if not rets else "a record that was not made from this document"
        return _fail(
            session, request, response,
            f'QuickBooks already uses the name "{name}" for {held_by} (names are shared by '
            "customers, vendors, employees and other names). Rename one of them, then retry.",
            at,
        )
    return _requeue(session, request, "not found in QuickBooks; adding it", at)


def _set_edit_sequence(request: Request, edit_sequence: str) -> None:
    payload = dict(request.payload or {})
    if payload:
        payload["EditSequence"] = edit_sequence
        request.payload = payload
    request.qb_edit_sequence = edit_sequence


def _requeue(session: Session, request: Request, reason: str, at: datetime) -> Outcome:
    transition(session, request, RequestStatus.QUEUED, actor=ACTOR, reason=reason, now=at)
    return Outcome.REQUEUED


def retry_later(
    session: Session, request: Request, explanation: str, at: datetime, policy: Settings
) -> Outcome:
    attempts = request.attempts_count or 1
    if attempts >= policy.max_attempts:
        request.explanation = f"{explanation} Gave up after {attempts} attempts."
        request.lookup_reason = None
        transition(session, request, RequestStatus.FAILED, actor=ACTOR,
                   reason=request.explanation, now=at)
        return Outcome.FAILED
    delay = policy.retry_backoff_seconds * 2 ** (attempts - 1)
    request.not_before = at + timedelta(seconds=delay)
    request.explanation = explanation
    return _requeue(session, request, f"{explanation} Trying again in {delay} s.", at)


def _fail(session: Session, request: Request, response: Any, explanation: str,
          at: datetime) -> Outcome:
    request.explanation = explanation
    transition(session, request, RequestStatus.FAILED, actor=ACTOR, reason=explanation[:2000],
               now=at)
    _call_handler(session, request, response)
    return Outcome.FAILED


def _succeed(session: Session, request: Request, response: Any, ret: Any, reason: str,
             at: datetime, book: MappingBook) -> Outcome:
    if ret is not None:
        request.qb_id = ret.txn_id or ret.list_id or request.qb_id
        request.qb_ref = ret.ref_number or ret.full_name or ret.name or request.qb_ref
        request.qb_edit_sequence = ret.edit_sequence or request.qb_edit_sequence
        book.link(request, ret, qb_id=request.qb_id, qb_name=request.qb_ref,
                  edit_sequence=request.qb_edit_sequence)
    request.not_before = None
    transition(session, request, RequestStatus.SUCCEEDED, actor=ACTOR, reason=reason, now=at)
    _call_handler(session, request, response)
    return Outcome.SUCCEEDED


def _call_handler(session: Session, request: RequestLike, response: Any) -> None:
    """Queue the handler call; ``run_handlers`` makes them once every outcome is recorded."""
    session.info.setdefault(_HANDLER_CALLS, []).append((request, response))


def run_handlers(session: Session, handlers: HandlerRegistry) -> None:
    queued: list[tuple[RequestLike, Any]] = session.info.pop(_HANDLER_CALLS, [])
    calls = [
        (request, response, handler)
        for request, response in queued
        if (handler := handlers.handler_for(request.operation)) is not None
    ]
    if not calls:
        return
    session.flush()  # one flush for all outcomes, so the savepoints below stay small
    # What the handlers ask the queue to settle (a request their answer made pointless).
    asked: list[tuple[Request, str, str]] = []
    try:
        # One savepoint for the whole message set: a savepoint per request costs more
        # than the handlers themselves.
        with session.begin_nested():
            for request, response, handler in calls:
                asked.extend(handler.handle_response(session, request, response) or ())
    except Exception:  # redone one by one below, where the fault is recorded
        asked = []
    else:
        settle_asked(session, asked)
        return
    for request, response, handler in calls:
        try:
            with session.begin_nested():
                asked.extend(handler.handle_response(session, request, response) or ())
        except Exception as exc:
            # The outcome is already recorded; losing it over a handler fault would make
            # recovery apply the same answer again and again.
            log.warning("handler for %s failed on request #%d: %s", request.operation,
                        request.id, type(exc).__name__)
            note(session, request, actor="handler",
                 reason=f"applying QuickBooks' answer locally failed: {type(exc).__name__}")
    settle_asked(session, asked)
