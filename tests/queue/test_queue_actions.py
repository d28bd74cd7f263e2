"""Bookkeeper actions and the retention purge."""

from __future__ import annotations

from datetime import timedelta

import pytest
from queue_helpers import add_company, claim, customer_body
from sqlalchemy.orm import Session

from qbwc_service.db.models import Attempt, MessageSet, Request, RequestStatus, utcnow
from qbwc_service.handlers import Registry
from qbwc_service.queue import (
    InvalidTransition,
    RequestNotFound,
    apply_response,
    approve,
    cancel,
    enqueue,
    hold,
    purge_bodies,
    release,
    retry,
    retry_failed,
)
from qbwc_service.queue.lifecycle import transition_many
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator


def _customer(session: Session, company_id: int, name: str, **kwargs: object) -> Request:
    return enqueue(session, company_id=company_id, operation="CustomerAdd", key=name,
                   body_xml=customer_body(name), **kwargs).request  # type: ignore[arg-type]


def _fail(session: Session, company_id: int, qb: QuickBooksSimulator, *requests: Request) -> None:
    for request in requests:
        qb.force_status(request.id, 3260, "Insufficient permission level")
    outbound = claim(session, company_id)
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))


def test_hold_release_approve_cancel(session: Session, company_id: int) -> None:
    """hold/release/approve/cancel move as allowed and refuse otherwise."""
    request = _customer(session, company_id, "Alpha")
    hold(session, request.id, actor="ann", reason="check VAT number")
    assert request.status == "held" and request.hold_reason == "check VAT number"
    with pytest.raises(InvalidTransition):
        hold(session, request.id, actor="ann")
    release(session, request.id, actor="ann")
    assert request.status == "queued" and request.hold_reason is None
    with pytest.raises(InvalidTransition):
        approve(session, request.id, actor="ann")
    gated = _customer(session, company_id, "Beta", hold_reason="awaiting approval")
    approve(session, gated.id, actor="ann")
    assert gated.status == "queued"
    cancel(session, request.id, actor="ann")
    assert request.status == "canceled"
    with pytest.raises(InvalidTransition):
        retry(session, request.id, actor="ann")
    with pytest.raises(RequestNotFound):
        cancel(session, 9999, actor="ann")


def test_retry_resets_budget_and_retry_failed_counts(session: Session, company_id: int,
                                                    qb: QuickBooksSimulator) -> None:
    """retry requeues a failed request with a fresh budget; retry_failed scopes by company."""
    a = _customer(session, company_id, "Alpha")
    b = _customer(session, company_id, "Beta")
    _fail(session, company_id, qb, a, b)
    assert a.status == b.status == "failed"
    with pytest.raises(InvalidTransition):
        release(session, a.id, actor="ann")
    retry(session, a.id, actor="ann")
    assert a.status == "queued" and a.attempts_count == 0
    other = add_company(session, "Other")
    assert retry_failed(session, other, actor="ann") == 0
    assert retry_failed(session, company_id, actor="ann") == 1
    assert b.status == "queued"


def test_cancel_tells_dependents(session: Session, company_id: int) -> None:
    """Canceling a request makes its dependents wait with the reason."""
    customer = _customer(session, company_id, "Alpha")
    invoice = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="inv",
                      payload={"RefNumber": "1"}, depends_on=[customer]).request
    cancel(session, customer.id, actor="ann")
    assert invoice.waiting_reason == f"Waiting for request #{customer.id} (CustomerAdd Alpha), which was canceled"


def test_every_failure_tells_dependents_and_a_retry_clears_them(
        session: Session, company_id: int, qb: QuickBooksSimulator) -> None:
    """The lifecycle itself, not each caller, explains to the whole chain of dependents
    why they wait when a request fails, and takes the explanation back on retry."""
    customer = _customer(session, company_id, "Alpha")
    invoice = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="inv",
                      payload={"RefNumber": "1"}, depends_on=[customer]).request
    payment = enqueue(session, company_id=company_id, operation="ReceivePaymentAdd",
                      key="pay", payload={"RefNumber": "1"}, depends_on=[invoice]).request
    _fail(session, company_id, qb, customer)
    assert customer.status == "failed"
    expected = f"Waiting for request #{customer.id} (CustomerAdd Alpha), which failed: "
    assert invoice.waiting_reason and invoice.waiting_reason.startswith(expected)
    assert payment.waiting_reason == invoice.waiting_reason
    assert "3260" in invoice.waiting_reason or "permission" in invoice.waiting_reason.lower()
    retry(session, customer.id, actor="ann")
    assert invoice.waiting_reason is None and payment.waiting_reason is None


def test_a_message_set_is_never_failed_or_canceled_in_bulk(
        session: Session, company_id: int) -> None:
    """Bulk moves are for claiming and plain successes; a failure goes one by one, so
    that each failed request's dependents are told."""
    request = _customer(session, company_id, "Alpha")
    for status in (RequestStatus.FAILED, RequestStatus.CANCELED):
        with pytest.raises(ValueError, match="one at a time"):
            transition_many(session, [request], status, actor="ann")
    assert request.status == "queued"


def test_purge_blanks_bodies_keeps_facts(session: Session, company_id: int,
                                        qb: QuickBooksSimulator) -> None:
    """Old finished requests lose their qbXML bodies; ids, codes and history stay."""
    done = _customer(session, company_id, "Alpha")
    outbound = claim(session, company_id)
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    waiting = _customer(session, company_id, "Beta")
    later = utcnow() + timedelta(days=100)
    assert purge_bodies(session, older_than_days=90) == 0
    touched = purge_bodies(session, older_than_days=90, now=later)
    assert touched == 3  # the request, its attempt, its message set
    session.refresh(done)
    session.refresh(waiting)
    assert done.request_xml is None and done.response_xml is None and done.body_xml is None
    assert done.payload == {} and done.qb_id and done.status == "succeeded"
    assert done.status_code == 0
    attempt = session.query(Attempt).one()
    assert attempt.request_xml is None and attempt.bodies_purged_at is not None
    assert attempt.status_code == 0 and attempt.sent_at
    assert session.query(MessageSet).one().request_xml is None
    assert waiting.body_xml is not None  # still owed to QuickBooks
    assert purge_bodies(session, older_than_days=90, now=later) == 0
