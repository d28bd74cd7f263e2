"""Lifecycle: the one status-changing function and idempotent enqueue."""

from __future__ import annotations

import itertools

import pytest
from queue_helpers import add_company
from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Request, RequestStatus, RequestTransition
from qbwc_service.queue import ALLOWED, InvalidTransition, enqueue, transition

S = RequestStatus
PAIRS = list(itertools.product(S, S))


def _request_in(session: Session, company_id: int, status: RequestStatus, index: int) -> Request:
    request = Request(company_id=company_id, operation="CustomerAdd",
                      idempotency_key=f"k-{index}", status=status.value)
    session.add(request)
    session.flush()
    return request


def test_every_transition_allowed_or_refused(session: Session, company_id: int) -> None:
    """Each status pair either moves and is recorded, or raises InvalidTransition unchanged."""
    for index, (start, to) in enumerate(PAIRS):
        request = _request_in(session, company_id, start, index)
        if to in ALLOWED[start]:
            transition(session, request, to, actor="tester", reason="because")
            assert request.status == to.value
            row = session.scalars(select(RequestTransition).where(
                RequestTransition.request_id == request.id)).one()
            assert (row.from_status, row.to_status, row.actor, row.reason) == (
                start.value, to.value, "tester", "because")
        else:
            with pytest.raises(InvalidTransition) as caught:
                transition(session, request, to, actor="tester")
            assert caught.value.from_ == start.value and caught.value.to == to.value
            assert request.status == start.value


def test_final_states_have_no_way_out() -> None:
    """Succeeded and canceled are final; the documented moves exist."""
    assert ALLOWED[S.SUCCEEDED] == frozenset() and ALLOWED[S.CANCELED] == frozenset()
    assert {S.HELD, S.SENT, S.CANCELED} <= ALLOWED[S.QUEUED]
    assert {S.SUCCEEDED, S.FAILED, S.QUEUED} <= ALLOWED[S.SENT]
    assert ALLOWED[S.FAILED] == {S.QUEUED, S.CANCELED}


def test_enqueue_same_key_twice_returns_existing(session: Session, company_id: int) -> None:
    """A repeated key returns the first row and queues nothing new."""
    first = enqueue(session, company_id=company_id, operation="CustomerAdd", key="customer:7",
                    payload={"Name": "Smith & Sons"}, document_hash="h1")
    second = enqueue(session, company_id=company_id, operation="CustomerAdd", key="customer:7",
                     payload={"Name": "Smith & Sons"}, document_hash="h1")
    assert first.created and not second.created and not second.changed
    assert second.request.id == first.request.id
    assert session.query(Request).count() == 1
    assert first.request.status == S.QUEUED.value
    history = session.scalars(select(RequestTransition.to_status)).all()
    assert history == ["queued"]


def test_same_key_in_another_company_is_separate(session: Session, company_id: int) -> None:
    """Idempotency is per company: the same key in two companies makes two requests."""
    other = add_company(session, "Other Books")
    a = enqueue(session, company_id=company_id, operation="CustomerAdd", key="customer:7")
    b = enqueue(session, company_id=other, operation="CustomerAdd", key="customer:7")
    assert a.request.id != b.request.id and b.created


def test_changed_document_updates_unsent_request(session: Session, company_id: int) -> None:
    """A changed document before posting updates the payload and reports changed."""
    enqueue(session, company_id=company_id, operation="CustomerAdd", key="c:1",
            payload={"Name": "Old"}, document_hash="h1")
    result = enqueue(session, company_id=company_id, operation="CustomerAdd", key="c:1",
                     payload={"Name": "New"}, document_hash="h2")
    assert result.changed and not result.created
    assert result.request.payload == {"Name": "New"} and result.request.document_hash == "h2"
    assert not result.request.changed_after_post


@pytest.mark.parametrize("posted", [S.SENT, S.SUCCEEDED])
def test_changed_document_after_post_is_flagged_not_reposted(
    session: Session, company_id: int, posted: RequestStatus
) -> None:
    """After posting, a changed document sets changed_after_post and keeps the old payload."""
    request = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="inv:1",
                      payload={"RefNumber": "100"}, document_hash="h1").request
    transition(session, request, S.SENT, actor="t")
    if posted is S.SUCCEEDED:
        transition(session, request, S.SUCCEEDED, actor="t")
    result = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="inv:1",
                     payload={"RefNumber": "999"}, document_hash="h2")
    assert not result.changed and result.request.changed_after_post
    assert result.request.payload == {"RefNumber": "100"}
    assert result.request.status == posted.value
    notes = session.scalars(select(RequestTransition).where(
        RequestTransition.from_status == RequestTransition.to_status)).all()
    assert len(notes) == 1 and "changed after it was posted" in (notes[0].reason or "")


def test_hold_reason_and_approval_company_hold(session: Session, company_id: int) -> None:
    """hold_reason, or a company requiring approval, queues the request as held."""
    held = enqueue(session, company_id=company_id, operation="CustomerAdd", key="a",
                   hold_reason="check the address").request
    assert held.status == S.HELD.value and held.hold_reason == "check the address"
    strict = add_company(session, "Strict Books", approval_required=True)
    gated = enqueue(session, company_id=strict, operation="CustomerAdd", key="a").request
    assert gated.status == S.HELD.value and gated.hold_reason == "awaiting approval"
