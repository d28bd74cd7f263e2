"""Handing work to the Web Connector: recovery first, then ready requests in safe order.

Everything is persisted before the message set is returned: the MessageSet row with its
text, one Attempt per request, and each request's move to SENT.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime

from lxml import etree
from sqlalchemy import ColumnElement, Integer, Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from qbwc_service.db.models import (
    Attempt,
    Company,
    MessageSet,
    MessageSetState,
    Request,
    RequestDependency,
    RequestStatus,
    utcnow,
)
from qbwc_service.db.records import RequestRecord
from qbwc_service.qbxml import ITERABLE_QUERIES, render_message_set, render_request
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.queue.bulk import insert_row, insert_rows
from qbwc_service.queue.lifecycle import transition, transition_many
from qbwc_service.queue.lookups import lookup_element
from qbwc_service.queue.machines import move_message_set
from qbwc_service.queue.recovery import (
    outstanding_sets,
    recovery_message_set_xml,
    requeue_unanswered,
    ticket_is_live,
    unsettled_writes,
)

__all__ = [
    "OutboundMessageSet",
    "next_message_set",
    "outstanding_count",
    "ready_count",
    "soonest_ready_at",
    "work_waiting",
]

log = logging.getLogger(__name__)

REQUEST_ID_MAX = 50


@dataclass(frozen=True)
class OutboundMessageSet:
    xml: str
    message_set_id: str
    request_ids: list[int]
    is_recovery: bool


_BLOCKER = aliased(Request, name="blocker")
# Built once: a fresh alias per query costs more to build than the query costs to run.
_DEPENDENCIES_MET = ~exists().where(
    RequestDependency.request_id == Request.id,
    _BLOCKER.id == RequestDependency.depends_on_id,
    _BLOCKER.status != RequestStatus.SUCCEEDED.value,
)


def _ready(company_id: int | ColumnElement[int], now: datetime | ColumnElement[datetime],
           ) -> Select[Request]:
    return select(Request).where(
        Request.company_id == company_id,
        Request.status == RequestStatus.QUEUED.value,
        or_(Request.not_before.is_(None), Request.not_before <= now),
        _DEPENDENCIES_MET,
    )


# The statements asked on every round trip are built once, with bound parameters
# ``company_id``, ``now`` and ``max_requests``: building a statement and computing its
# cache key cost SQLAlchemy more than SQLite takes to run it.
_READY = _ready(bindparam("company_id"), bindparam("now"))
# The claim reads its requests as records (``db.records``): the ORM objects would cost
# more to load than the statement costs to run.
_CLAIM = (_READY.with_only_columns(*RequestRecord.table.columns)
          .order_by(Request.priority, Request.id)
          .limit(bindparam("max_requests", type_=Integer)))
_CLAIM_SKIP_LOCKED = _CLAIM.with_for_update(skip_locked=True, of=RequestRecord.table)
_WORK_WAITING = select(or_(_READY.with_only_columns(Request.id).exists(),
                           unsettled_writes(bindparam("company_id"))))


def ready_count(session: Session, company_id: int, now: datetime | None = None) -> int:
    """Requests that could be handed out right now."""
    query = _ready(company_id, now or utcnow()).with_only_columns(func.count(Request.id))
    return int(session.scalar(query) or 0)


def _outstanding(company_id: int) -> Select[int]:
    return select(func.count(Request.id)).where(
        Request.company_id == company_id,
        Request.status.in_((RequestStatus.QUEUED.value, RequestStatus.SENT.value)),
    )


def outstanding_count(session: Session, company_id: int) -> int:
    """Work still owed to QuickBooks: queued or sent (held requests await a person)."""
    return int(session.scalar(_outstanding(company_id)) or 0)


def work_waiting(session: Session, company_id: int, now: datetime | None = None) -> bool:
    """A request could go now, or a writing message set awaits recovery (one statement,
    asked after every message set; two EXISTS, so flat however long the queue is)."""
    session.flush()  # the queue as this transaction left it
    # A Core statement on the session's connection: the ORM's handling of a select has
    # nothing to add to two EXISTS.
    return bool(session.connection().execute(
        _WORK_WAITING, {"company_id": company_id, "now": now or utcnow()}).scalar())


def soonest_ready_at(session: Session, company_id: int) -> datetime | None:
    """When the next queued request with its dependencies met may go (None: nothing will)."""
    return session.scalar(
        select(func.min(func.coalesce(Request.not_before, Request.created_at))).where(
            Request.company_id == company_id,
            Request.status == RequestStatus.QUEUED.value,
            _DEPENDENCIES_MET,
        )
    )


def _new_message_set_id() -> str:
    return secrets.token_hex(11)  # 22 characters; QuickBooks accepts at most 23


def _lock_company(session: Session, company_id: int) -> None:
    # One unsettled write set per company: claims for one company take turns. SQLite
    # already serialises writers through BEGIN IMMEDIATE.
    if session.get_bind().dialect.name != "sqlite":
        session.execute(select(Company.id).where(Company.id == company_id).with_for_update())


def next_message_set(
    session: Session,
    *,
    company_id: int,
    ticket: str,
    qbxml_version: str,
    max_requests: int,
    max_bytes: int,
    now: datetime | None = None,
    unsettled_seen: bool | None = None,
) -> OutboundMessageSet | None:
    """The next message set for ``company_id``, persisted, or None when nothing may go.

    ``unsettled_seen`` is whether a read earlier in this transaction found a message set
    of the company with its outcome unknown. On SQLite the transaction has held the
    database's write lock since it began (``BEGIN IMMEDIATE``), so False still holds and
    the sets are not looked for again; elsewhere they are read after the company's lock.
    """
    at = now or utcnow()
    sqlite = session.get_bind().dialect.name == "sqlite"
    _lock_company(session, company_id)
    if unsettled_seen is False and sqlite:
        return _claim(session, company_id, ticket, qbxml_version, max_requests, max_bytes, at)
    for message_set in outstanding_sets(session, company_id):
        if (
            message_set.state == MessageSetState.SENT.value
            and message_set.ticket != ticket
            and ticket_is_live(session, message_set.ticket)
        ):
            return None  # another run is still waiting for QuickBooks' answer to it
        if not message_set.writes:
            requeue_unanswered(
                session, message_set, actor="session",
                reason="the query's answer never arrived; sent again", now=at,
            )
            move_message_set(message_set, MessageSetState.REQUEUED)
            continue
        return _recovery(session, message_set, ticket, qbxml_version, at)
    return _claim(session, company_id, ticket, qbxml_version, max_requests, max_bytes, at)


def _recovery(
    session: Session, message_set: MessageSet, ticket: str, qbxml_version: str, at: datetime
) -> OutboundMessageSet:
    xml = recovery_message_set_xml(message_set, qbxml_version)
    move_message_set(message_set, MessageSetState.RECOVERING)
    message_set.ticket = ticket
    request_ids = list(
        session.scalars(
            select(Request.id).where(
                Request.message_set_pk == message_set.id,
                Request.status == RequestStatus.SENT.value,
            )
        )
    )
    session.flush()
    log.info("asking QuickBooks for the outcome of message set %s", message_set.message_set_id)
    return OutboundMessageSet(xml, message_set.message_set_id, request_ids, is_recovery=True)


def _claim(
    session: Session, company_id: int, ticket: str, qbxml_version: str, max_requests: int,
    max_bytes: int, at: datetime,
) -> OutboundMessageSet | None:
    query = _CLAIM_SKIP_LOCKED if session.get_bind().dialect.name == "postgresql" else _CLAIM
    session.flush()  # a Core statement: the queue as recovery just left it, first
    rows = session.connection().execute(
        query, {"company_id": company_id, "now": at, "max_requests": max_requests})
    candidates = [RequestRecord.from_row(row) for row in rows]
    chosen: list[tuple[RequestRecord, str]] = []
    size = 0
    for request in candidates:
        try:
            element = _render(request, ticket, qbxml_version)
        except Exception as exc:  # any rendering or validation failure stays with its request
            _refuse(session, request, exc, at)
            continue
        element_size = len(element.encode("utf-8"))
        if chosen and size + element_size > max_bytes:
            break
        chosen.append((request, element))
        size += element_size
    if not chosen:
        return None
    writes = any(
        not request.operation.endswith("Query") and request.lookup_reason is None
        for request, _ in chosen
    )
    message_set_id = _new_message_set_id()
    xml = render_message_set(
        [element for _, element in chosen], version=qbxml_version,
        on_error="continueOnError", new_message_set_id=message_set_id if writes else None,
    )
    message_set_pk = insert_row(session, MessageSet, {
        "company_id": company_id, "ticket": ticket, "message_set_id": message_set_id,
        "state": MessageSetState.SENT.value, "writes": writes, "qbxml_version": qbxml_version,
        "request_xml": xml, "sent_at": at,
    })
    # Written in bulk: per-object unit-of-work bookkeeping would cost more than the SQL.
    insert_rows(session, Attempt, [
        {"request_id": request.id, "ticket": ticket, "message_set_id": message_set_id,
         "sent_at": at, "request_xml": element,
         "outcome": "lookup" if request.lookup_reason else None}
        for request, element in chosen
    ])
    transition_many(
        session, [request for request, _ in chosen], RequestStatus.SENT, actor="session",
        reason=f"sent in message set {message_set_id}", now=at,
        values={
            request.id: {
                "request_xml": element, "message_set_pk": message_set_pk, "ticket": ticket,
                "sent_at": at, "attempts_count": (request.attempts_count or 0) + 1,
            }
            for request, element in chosen
        },
    )
    return OutboundMessageSet(
        xml, message_set_id, [request.id for request, _ in chosen], is_recovery=False
    )


def _render(request: RequestRecord, ticket: str, qbxml_version: str) -> str:
    request_id = str(request.id)
    if len(request_id) > REQUEST_ID_MAX:  # pragma: no cover - ids are integers
        raise ValueError("request id longer than QuickBooks accepts")
    if request.lookup_reason:
        return lookup_element(request, request.lookup_reason)
    iterator: str | None = None
    iterator_id: str | None = None
    if request.operation in ITERABLE_QUERIES:
        if request.iterator_id and request.ticket == ticket:
            iterator, iterator_id = "Continue", request.iterator_id
        else:
            # An iterator never outlives the run that opened it: start over (written
            # with the request's move to SENT).
            request.iterator_id = None
            request.iterator_remaining = None
            iterator = "Start"
    if request.body_xml:
        element = parse_xml(request.body_xml)
        element.set("requestID", request_id)
        if iterator:
            element.set("iterator", iterator)
            if iterator_id:
                element.set("iteratorID", iterator_id)
            elif "iteratorID" in element.attrib:
                del element.attrib["iteratorID"]
        return str(etree.tostring(element, encoding="unicode"))
    return render_request(
        request.operation, dict(request.payload or {}), version=qbxml_version,
        request_id=request_id, iterator=iterator, iterator_id=iterator_id,
    )


def _refuse(session: Session, record: RequestRecord, error: Exception, at: datetime) -> None:
    message = str(error) or type(error).__name__
    request = record.loaded(session)
    request.explanation = f"Not sent: the request could not be built. {message}"[:4000]
    request.status_message = message[:4000]
    transition(
        session, request, RequestStatus.FAILED, actor="validation", reason=message[:2000], now=at,
    )
    log.warning("request #%d could not be rendered: %s", request.id, type(error).__name__)


