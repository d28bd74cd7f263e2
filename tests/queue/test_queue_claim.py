"""Claiming: dependency gating, order, batching, persistence before return, counts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from queue_helpers import claim, customer_body, invoice_body
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import Attempt, MessageSet, Request, RequestStatus, utcnow
from qbwc_service.handlers import Registry
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.queue import (
    apply_response,
    enqueue,
    outstanding_count,
    ready_count,
    record_stream_failure,
    retry,
    soonest_ready_at,
    transition,
)
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator


def _customer(session: Session, company_id: int, name: str, **kwargs: object) -> Request:
    return enqueue(session, company_id=company_id, operation="CustomerAdd", key=f"c:{name}",
                   body_xml=customer_body(name), magento_ref=name, **kwargs).request  # type: ignore[arg-type]


def _request_ids(xml: str) -> list[str]:
    messages = parse_xml(xml).find("QBXMLMsgsRq")
    assert messages is not None
    return [rq.get("requestID") or "" for rq in messages]


def test_message_set_routes_by_our_request_id(session: Session, company_id: int) -> None:
    """Each element carries requestID = our request id, wrapped with continueOnError and an id."""
    a = _customer(session, company_id, "Alpha")
    b = _customer(session, company_id, "Beta")
    outbound = claim(session, company_id)
    assert outbound is not None and not outbound.is_recovery
    assert _request_ids(outbound.xml) == [str(a.id), str(b.id)]
    messages = parse_xml(outbound.xml).find("QBXMLMsgsRq")
    assert messages is not None and messages.get("onError") == "continueOnError"
    assert messages.get("newMessageSetID") == outbound.message_set_id
    assert 0 < len(outbound.message_set_id) <= 23


def test_dependencies_gate_and_failed_dependency_explains(
    session: Session, company_id: int, qb: QuickBooksSimulator
) -> None:
    """An invoice waits for its customer; when the customer fails, the invoice says why."""
    customer = enqueue(session, company_id=company_id, operation="CustomerAdd", key="c:smith",
                       body_xml=customer_body("Smith & Sons", class_name="Retail"),
                       magento_ref="Smith & Sons").request  # QuickBooks has no class Retail
    invoice = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="inv:1",
                      body_xml=invoice_body("100001", "Smith & Sons"), depends_on=[customer]).request
    first = claim(session, company_id)
    assert first is not None and first.request_ids == [customer.id]
    assert ready_count(session, company_id) == 0
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(first.xml))
    assert customer.status == RequestStatus.FAILED.value and customer.status_code == 3140
    assert invoice.waiting_reason is not None
    assert invoice.waiting_reason.startswith(
        f"Waiting for request #{customer.id} (CustomerAdd Smith & Sons), which failed: "
    )
    assert customer.explanation and invoice.waiting_reason.endswith(customer.explanation)
    assert claim(session, company_id, "t1") is None
    assert invoice.status == RequestStatus.QUEUED.value
    retry(session, customer.id, actor="bookkeeper")
    assert invoice.waiting_reason is None


def test_dependency_on_succeeded_request_is_ready(session: Session, company_id: int) -> None:
    """Once every dependency succeeded the dependent is handed out."""
    customer = _customer(session, company_id, "Alpha")
    invoice = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="inv:2",
                      body_xml=invoice_body("2", "Alpha"), depends_on=[customer.id]).request
    transition(session, customer, RequestStatus.SENT, actor="t")
    transition(session, customer, RequestStatus.SUCCEEDED, actor="t")
    outbound = claim(session, company_id)
    assert outbound is not None and outbound.request_ids == [invoice.id]


def test_priority_then_id_order(session: Session, company_id: int) -> None:
    """Lower priority numbers go first, then older requests."""
    late = _customer(session, company_id, "Late", priority=200)
    first = _customer(session, company_id, "First", priority=10)
    second = _customer(session, company_id, "Second", priority=10)
    outbound = claim(session, company_id)
    assert outbound is not None and outbound.request_ids == [first.id, second.id, late.id]


def test_batch_limited_by_count(session: Session, company_id: int) -> None:
    """max_requests caps a set."""
    for index in range(5):
        _customer(session, company_id, f"Customer {index}")
    outbound = claim(session, company_id, max_requests=2)
    assert outbound is not None and len(outbound.request_ids) == 2


def test_byte_limit_splits_sets(session: Session, company_id: int) -> None:
    """max_bytes stops before the element that would overflow the set."""
    for index in range(4):
        _customer(session, company_id, f"Customer {index}")
    element_size = len(customer_body("Customer 0").encode()) + len(' requestID="1"')
    outbound = claim(session, company_id, max_bytes=element_size * 2 + 2)
    assert outbound is not None and len(outbound.request_ids) == 2
    assert session.query(Request).filter(Request.status == "queued").count() == 2


def test_first_request_goes_even_when_larger_than_limit(session: Session, company_id: int) -> None:
    """A single request over the byte limit still goes alone, never stuck."""
    _customer(session, company_id, "Big")
    _customer(session, company_id, "Next")
    outbound = claim(session, company_id, max_bytes=1)
    assert outbound is not None and len(outbound.request_ids) == 1


def test_persisted_before_return(tmp_path: Path, db: Database, company_id: int) -> None:
    """A second connection sees the MessageSet, the Attempts and SENT requests once committed."""
    with db.session() as session:
        _customer(session, company_id, "Alpha")
        _customer(session, company_id, "Beta")
    with db.session() as session:
        outbound = claim(session, company_id)
    assert outbound is not None
    other = Database(db.url)
    try:
        with other.session() as session:
            saved = session.query(MessageSet).one()
            assert saved.message_set_id == outbound.message_set_id
            assert saved.request_xml == outbound.xml and saved.state == "sent" and saved.writes
            statuses = {r.status for r in session.query(Request)}
            assert statuses == {"sent"}
            attempts = session.query(Attempt).all()
            assert sorted(a.request_id for a in attempts) == sorted(outbound.request_ids)
            assert all(a.request_xml and a.message_set_id == saved.message_set_id for a in attempts)
    finally:
        other.dispose()


def test_render_failure_fails_only_that_request(session: Session, company_id: int) -> None:
    """A request that cannot be rendered fails with the reason; the others still go."""
    bad = enqueue(session, company_id=company_id, operation="CustomerAdd", key="bad",
                  payload={"NoSuchElement": "x"}).request
    good = _customer(session, company_id, "Good")
    outbound = claim(session, company_id)
    assert outbound is not None and outbound.request_ids == [good.id]
    assert bad.status == RequestStatus.FAILED.value
    assert bad.explanation and bad.explanation.startswith("Not sent")
    assert session.query(Attempt).filter(Attempt.request_id == bad.id).count() == 0


def test_not_before_and_counts(session: Session, company_id: int) -> None:
    """Backed-off requests are not ready; counts and soonest_ready_at reflect that."""
    now = utcnow()
    later = _customer(session, company_id, "Later")
    later.not_before = now + timedelta(minutes=5)
    held = _customer(session, company_id, "Held", hold_reason="review")
    assert held.status == "held"
    assert ready_count(session, company_id, now) == 0
    assert outstanding_count(session, company_id) == 1
    soonest = soonest_ready_at(session, company_id)
    assert soonest is not None and abs((soonest - later.not_before).total_seconds()) < 1
    assert claim(session, company_id, now=now) is None
    assert ready_count(session, company_id, now + timedelta(minutes=6)) == 1


def test_queries_only_set_has_no_recovery_id(session: Session, company_id: int) -> None:
    """A set of queries needs no newMessageSetID and is marked as not writing."""
    enqueue(session, company_id=company_id, operation="CustomerQuery", key="q",
            payload={"MaxReturned": 10})
    outbound = claim(session, company_id)
    assert outbound is not None
    messages = parse_xml(outbound.xml).find("QBXMLMsgsRq")
    assert messages is not None and messages.get("newMessageSetID") is None
    rq = messages[0]
    assert rq.get("iterator") == "Start"
    assert session.query(MessageSet).one().writes is False


def test_stream_refusal_needs_outstanding_set(session: Session, company_id: int) -> None:
    """Reporting a stream failure for a ticket with nothing out is an error."""
    import pytest

    from qbwc_service.queue import NoOutstandingMessageSet

    with pytest.raises(NoOutstandingMessageSet):
        record_stream_failure(session, ticket="nobody", hresult="0x80040400", message="x")
