"""Whole-message-set writes: bulk transitions, bulk settlement, mappings, one-query progress."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from queue_helpers import claim, customer_body
from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import (
    Attempt,
    Mapping,
    MessageSet,
    MessageSetState,
    Request,
    RequestStatus,
    RequestTransition,
    utcnow,
)
from qbwc_service.handlers import Registry
from qbwc_service.queue import (
    InvalidTransition,
    apply_response,
    enqueue,
    outstanding_count,
    ready_count,
    transition,
    work_waiting,
)
from qbwc_service.queue.bulk import insert_rows, update_rows
from qbwc_service.queue.lifecycle import transition_many
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator

S = RequestStatus


def _customer(session: Session, company_id: int, name: str, *, magento_id: str | None = None,
              key: str | None = None) -> Request:
    return enqueue(session, company_id=company_id, operation="CustomerAdd",
                   key=key or f"c:{name}", body_xml=customer_body(name), entity_type="customer",
                   magento_id=magento_id or name.lower()).request


def _history(session: Session, request_id: int) -> list[tuple[str | None, str, str]]:
    rows = session.scalars(
        select(RequestTransition).where(RequestTransition.request_id == request_id)
        .order_by(RequestTransition.id)
    )
    return [(row.from_status, row.to_status, row.actor) for row in rows]


def test_transition_many_moves_all_and_records_each(session: Session, company_id: int) -> None:
    """Every request moves, gets one transition row, and the session's objects show it."""
    requests = [_customer(session, company_id, f"Bulk {n}") for n in range(3)]
    at = utcnow()
    transition_many(session, requests, S.SENT, actor="session", reason="sent together", now=at,
                    values={requests[0].id: {"ticket": "t-bulk"}})
    for request in requests:
        assert request.status == "sent" and request.updated_at == at
        assert _history(session, request.id)[-1] == ("queued", "sent", "session")
    assert requests[0].ticket == "t-bulk" and requests[1].ticket is None
    transition_many(session, requests, S.SUCCEEDED, actor="quickbooks", now=at)
    assert all(r.status == "succeeded" and r.completed_at == at for r in requests)
    session.expire_all()
    stored = session.scalars(select(Request).where(Request.id.in_([r.id for r in requests])))
    assert {(r.status, r.ticket) for r in stored} == {("succeeded", "t-bulk"), ("succeeded", None)}


def test_transition_many_refuses_before_writing(session: Session, company_id: int) -> None:
    """One illegal move refuses the whole batch and nothing is written."""
    first = _customer(session, company_id, "Legal")
    second = _customer(session, company_id, "Illegal")
    transition(session, second, S.CANCELED, actor="bookkeeper")
    before = session.scalars(select(RequestTransition.id)).all()
    with pytest.raises(InvalidTransition):
        transition_many(session, [first, second], S.SENT, actor="session")
    session.expire_all()
    assert session.get(Request, first.id).status == "queued"  # type: ignore[union-attr]
    assert session.scalars(select(RequestTransition.id)).all() == before


def test_claim_persists_attempts_and_state_seen_by_held_objects(
    session: Session, company_id: int
) -> None:
    """After a claim the caller's objects read SENT with the set's ticket; one attempt each."""
    requests = [_customer(session, company_id, f"Held {n}") for n in range(4)]
    outbound = claim(session, company_id, "t-held")
    assert outbound is not None and outbound.request_ids == [r.id for r in requests]
    message_set = session.scalars(select(MessageSet)).one()
    for request in requests:
        assert request.status == "sent" and request.ticket == "t-held"
        assert request.attempts_count == 1 and request.message_set_pk == message_set.id
        assert request.request_xml and f'requestID="{request.id}"' in request.request_xml
    attempts = session.scalars(select(Attempt).order_by(Attempt.id)).all()
    assert [a.request_id for a in attempts] == [r.id for r in requests]
    assert {a.message_set_id for a in attempts} == {outbound.message_set_id}


def test_mixed_answer_settles_plain_successes_and_errors(
    session: Session, company_id: int, qb: QuickBooksSimulator
) -> None:
    """Successes and an error in one set: each is recorded, held attempts are not stale."""
    requests = [_customer(session, company_id, f"Mixed {n}") for n in range(3)]
    outbound = claim(session, company_id)
    assert outbound is not None
    held_attempts = session.scalars(select(Attempt).order_by(Attempt.id)).all()
    qb.force_status(requests[1].id, 3260, "Insufficient permission level to perform this action.")
    summary = apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    assert (summary.succeeded, summary.failed) == (2, 1)
    assert [r.status for r in requests] == ["succeeded", "failed", "succeeded"]
    assert requests[0].qb_id and requests[0].status_code == 0 and requests[0].completed_at
    assert [a.outcome for a in held_attempts] == ["success", "permanent", "success"]
    assert all(a.received_at is not None for a in held_attempts)
    assert _history(session, requests[0].id)[-1] == ("sent", "succeeded", "quickbooks")
    session.expire_all()
    assert session.get(Request, requests[2].id).qb_ref == "Mixed 2"  # type: ignore[union-attr]


def test_mappings_of_a_set_are_inserted_once_and_existing_ones_updated(
    session: Session, company_id: int, qb: QuickBooksSimulator
) -> None:
    """A known entity's mapping is updated in place; two answers for one entity make one row."""
    session.add(Mapping(company_id=company_id, entity_type="customer", magento_id="known",
                        qb_id="OLD-1", magento_ref="kept"))
    session.flush()
    known = _customer(session, company_id, "Known", magento_id="known")
    twin_a = _customer(session, company_id, "Twin A", magento_id="twin")
    twin_b = _customer(session, company_id, "Twin B", magento_id="twin")
    outbound = claim(session, company_id)
    assert outbound is not None
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    session.expire_all()
    mappings = {m.magento_id: m for m in session.scalars(select(Mapping))}
    assert set(mappings) == {"known", "twin"}
    assert mappings["known"].qb_id == session.get(Request, known.id).qb_id != "OLD-1"  # type: ignore[union-attr]
    assert mappings["known"].magento_ref == "kept" and mappings["known"].qb_name == "Known"
    assert mappings["twin"].request_id == twin_b.id != twin_a.id
    assert mappings["twin"].qb_name == "Twin B"


def test_work_waiting_follows_ready_requests_and_owed_recovery(
    session: Session, company_id: int, qb: QuickBooksSimulator
) -> None:
    """Work waits when a request could go now or a sent message set's outcome is unknown;
    a request held back until later is outstanding but not waiting."""
    assert not work_waiting(session, company_id) and outstanding_count(session, company_id) == 0
    later = _customer(session, company_id, "Later")
    later.not_before = utcnow() + timedelta(hours=1)
    session.flush()
    assert not work_waiting(session, company_id) and ready_count(session, company_id) == 0
    assert outstanding_count(session, company_id) == 1
    for n in range(3):
        _customer(session, company_id, f"Now {n}")
    assert work_waiting(session, company_id) and ready_count(session, company_id) == 3
    outbound = claim(session, company_id)
    assert outbound is not None and len(outbound.request_ids) == 3
    assert ready_count(session, company_id) == 0
    assert work_waiting(session, company_id)  # the sent set's outcome is owed
    assert outstanding_count(session, company_id) == 4
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    assert not work_waiting(session, company_id) and outstanding_count(session, company_id) == 1
    assert session.scalars(select(MessageSet.state)).one() == MessageSetState.ANSWERED.value


def test_a_drained_queue_keeps_one_attempt_and_two_moves_per_request(
    db: Database, company_id: int, qb: QuickBooksSimulator
) -> None:
    """Draining in bulk still leaves the full per-request trail: queued, sent, succeeded."""
    with db.session() as session:
        ids = [_customer(session, company_id, f"Trail {n}").id for n in range(25)]
    for _ in range(3):
        with db.session() as session:
            outbound = claim(session, company_id, max_requests=10)
        if outbound is None:
            break
        with db.session() as session:
            apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    with db.session() as session:
        for request_id in ids:
            assert [h[1] for h in _history(session, request_id)] == ["queued", "sent", "succeeded"]
        counts = session.execute(select(Attempt.request_id)).scalars().all()
        assert sorted(counts) == sorted(ids)


def test_update_rows_writes_shared_and_differing_columns(session: Session, company_id: int) -> None:
    """Shared values (over more ids than one IN list holds) and per-row values all land."""
    insert_rows(session, Request, [
        {"company_id": company_id, "operation": "CustomerAdd", "idempotency_key": f"u:{n}",
         "payload": {"Name": f"U {n}"}, "status": "queued"}
        for n in range(620)
    ])
    ids = session.scalars(select(Request.id).order_by(Request.id)).all()
    update_rows(session, Request, [
        {"id": request_id, "qb_ref": f"ref {n}", "priority": 7, "explanation": None}
        for n, request_id in enumerate(ids)
    ])
    stored = session.execute(
        select(Request.id, Request.qb_ref, Request.priority).order_by(Request.id)
    ).all()
    assert [(row.qb_ref, row.priority) for row in stored] == [
        (f"ref {n}", 7) for n in range(len(ids))
    ]


def test_rows_written_in_two_statements_keep_the_one_time_given(
        session: Session, company_id: int) -> None:
    """Columns shared by every row go in one statement, the others row by row; the
    updated_at given to all rows is what each row keeps, not a later clock reading."""
    requests = [enqueue(session, company_id=company_id, operation="CustomerAdd", key=f"k{n}",
                        payload={"Name": f"N{n}"}).request for n in range(3)]
    session.flush()
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    update_rows(session, Request, [
        {"id": request.id, "request_xml": f"<x{n}/>", "updated_at": at}
        for n, request in enumerate(requests)])
    stored = session.execute(
        select(Request.request_xml, Request.updated_at)
        .where(Request.id.in_([r.id for r in requests])).order_by(Request.id)).all()
    assert [xml for xml, _ in stored] == ["<x0/>", "<x1/>", "<x2/>"]
    assert [when.replace(tzinfo=UTC) for _, when in stored] == [at] * 3
