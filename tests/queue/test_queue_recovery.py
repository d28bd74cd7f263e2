"""Recovery: lost answers settled through oldMessageSetID, look-before-add, abandoned work."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from queue_helpers import (
    claim,
    customer_body,
    drain,
    forget_saved_sets,
    holds,
    invoice_body,
    list_id,
)
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import (
    MessageSet,
    QbwcUser,
    Request,
    RequestTransition,
    WcRun,
    utcnow,
)
from qbwc_service.handlers import Registry
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.queue import (
    NoOutstandingMessageSet,
    ResponseUnreadable,
    abandon_ticket,
    apply_response,
    enqueue,
    needs_recovery,
    recover_abandoned,
)
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator


def _queue_documents(session: Session, company_id: int, count: int) -> None:
    for index in range(count):
        customer = enqueue(session, company_id=company_id, operation="CustomerAdd",
                           key=f"c:{index}", body_xml=customer_body(f"Customer {index}", f"m{index}"),
                           magento_ref=f"m{index}").request
        enqueue(session, company_id=company_id, operation="InvoiceAdd", key=f"i:{index}",
                body_xml=invoice_body(f"INV{index}", f"Customer {index}", f"order m{index}"),
                magento_ref=f"INV{index}", depends_on=[customer])


def test_lost_answer_recovered_from_saved_state(session: Session, company_id: int,
                                               qb: QuickBooksSimulator) -> None:
    """QuickBooks processed the set but the answer was lost: saved responses settle it."""
    _queue_documents(session, company_id, 2)
    lost = claim(session, company_id, "first")
    qb.process(lost.xml)  # processed; the answer never reaches us
    assert needs_recovery(session, company_id)
    recovery = claim(session, company_id, "second")
    assert recovery.is_recovery and recovery.request_ids == lost.request_ids
    messages = parse_xml(recovery.xml).find("QBXMLMsgsRq")
    assert messages.get("oldMessageSetID") == lost.message_set_id and len(messages) == 0
    summary = apply_response(session, handlers=Registry(), ticket="second", response_xml=qb.process(recovery.xml))
    assert summary.recovered == 2 and summary.succeeded == 2
    assert session.get(MessageSet, 1).state == "recovered"
    assert not needs_recovery(session, company_id)
    claim_after = claim(session, company_id, "second")
    assert claim_after is not None and not claim_after.is_recovery
    assert all(holds(qb, "Customer", f"Customer {i}") == 1 for i in range(2))


def test_no_saved_state_requeues_with_lookup_first(db: Database, company_id: int,
                                                  qb: QuickBooksSimulator) -> None:
    """No saved state: the requests go back, each Add preceded by a lookup that links a hit."""
    with db.session() as session:
        _queue_documents(session, company_id, 1)
        lost = claim(session, company_id, "first")
    qb.process(lost.xml)
    forget_saved_sets(qb)  # QuickBooks forgot the set, yet the customer exists
    with db.session() as session:
        recovery = claim(session, company_id, "second")
        summary = apply_response(session, handlers=Registry(), ticket="second", response_xml=qb.process(recovery.xml))
        assert summary.requeued == 1
        assert session.get(MessageSet, 1).state == "requeued"
        customer = session.query(Request).filter(Request.operation == "CustomerAdd").one()
        assert customer.lookup_reason == "unknown_outcome"
    drain(db, company_id, qb, "second")
    with db.session() as session:
        customer = session.query(Request).filter(Request.operation == "CustomerAdd").one()
        assert customer.status == "succeeded" and customer.qb_id == list_id(qb, "Customer 0")
    assert holds(qb, "Customer", "Customer 0") == 1
    assert holds(qb, "Invoice", "INV0") == 1


def test_live_ticket_blocks_and_abandon_releases(session: Session, company_id: int,
                                                qb: QuickBooksSimulator) -> None:
    """Another live run's set is waited on; once abandoned it is recovered by the next run."""
    user = QbwcUser(company_id=company_id, username="wc", password_hash="x")
    session.add(user)
    session.flush()
    session.add(WcRun(ticket="live", company_id=company_id, user_id=user.id,
                          expires_at=utcnow() + timedelta(hours=1)))
    _queue_documents(session, company_id, 1)
    claim(session, company_id, "live")
    assert claim(session, company_id, "other") is None
    assert abandon_ticket(session, "live", reason="closeConnection") == 1
    wc = session.get(WcRun, "live")
    wc.closed_at = utcnow()
    recovery = claim(session, company_id, "other")
    assert recovery is not None and recovery.is_recovery


def test_recover_abandoned_marks_old_sets(session: Session, company_id: int) -> None:
    """Old in-flight write sets become RECOVERING; old query sets go straight back."""
    _queue_documents(session, company_id, 1)
    enqueue(session, company_id=company_id, operation="CustomerQuery", key="q", payload={},
            priority=1)
    then = utcnow() - timedelta(hours=2)
    queries = claim(session, company_id, "a", max_requests=1, now=then)
    session.get(MessageSet, 1).state = "answered"  # pretend settled to claim the write next
    writes = claim(session, company_id, "b", now=then)
    session.get(MessageSet, 1).state = "sent"
    assert queries and writes
    touched = recover_abandoned(session, older_than=timedelta(minutes=15))
    assert touched == 2
    states = {m.ticket: m.state for m in session.query(MessageSet)}
    assert states == {"a": "requeued", "b": "recovering"}
    query = session.query(Request).filter(Request.operation == "CustomerQuery").one()
    assert query.status == "queued"


def test_unreadable_answer_leaves_set_for_recovery(session: Session, company_id: int) -> None:
    """A garbled response raises and keeps the set unsettled (nothing guessed)."""
    _queue_documents(session, company_id, 1)
    claim(session, company_id)
    with pytest.raises(ResponseUnreadable):
        apply_response(session, handlers=Registry(), ticket="t1", response_xml="<QBXML><oops")
    assert needs_recovery(session, company_id)
    with pytest.raises(NoOutstandingMessageSet):
        apply_response(session, handlers=Registry(), ticket="nobody", response_xml="<QBXML/>")


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(6))
def test_exactly_once_under_lost_answers(db: Database, company_id: int, qb: QuickBooksSimulator,
                                         seed: int) -> None:
    """Answers lost at random points (before/after QuickBooks ran) never duplicate or drop."""
    rng = random.Random(seed)
    with db.session() as session:
        _queue_documents(session, company_id, 12)
    for run in range(60):
        ticket = f"run-{run}"
        with db.session() as session:
            outbound = claim(session, company_id, ticket, max_requests=rng.randint(1, 6))
        if outbound is None:
            break
        fate = rng.random()
        if fate < 0.2:
            continue  # lost on the way to QuickBooks
        answer = qb.process(outbound.xml)
        if fate < 0.4:
            continue  # QuickBooks ran it, the answer was lost
        if fate < 0.45:
            forget_saved_sets(qb)
        with db.session() as session:
            apply_response(session, handlers=Registry(), ticket=ticket, response_xml=answer)
    with db.session() as session:
        assert session.query(Request).filter(Request.status != "succeeded").count() == 0
    for index in range(12):
        assert holds(qb, "Customer", f"Customer {index}") == 1
        assert holds(qb, "Invoice", f"INV{index}") == 1


def _rounding_entry(session: Session, company_id: int, key: str, guid: str) -> Request:
    """A currency rounding journal entry as its read-back's handler leaves it."""
    memo = f"Currency rounding for Magento {key}"
    payload = {"TxnDate": "2024-05-02", "RefNumber": "000000009", "ExternalGUID": guid,
               "JournalDebitLine": [{"AccountRef": {"FullName": "Sales"}, "Amount": "0.01",
                                     "Memo": memo}],
               "JournalCreditLine": [{"AccountRef": {"FullName": "Shipping Income"},
                                      "Amount": "0.01", "Memo": memo}]}
    return enqueue(session, company_id=company_id, operation="JournalEntryAdd",
                   key=f"rounding:{key}", payload=payload, magento_ref="000000009").request


_OURS = "{0b7c3e9a-1d2f-5a6b-8c9d-0e1f2a3b4c5d}"
_THEIRS = "{9f8e7d6c-5b4a-5392-8170-6f5e4d3c2b1a}"


def test_a_rounding_entry_whose_answer_was_lost_is_linked_not_posted_twice(
        db: Database, company_id: int, qb: QuickBooksSimulator) -> None:
    """QuickBooks posted the entry and forgot the set: the look-up by RefNumber finds it
    by its ExternalGUID, the request is linked, and QuickBooks holds one entry."""
    with db.session() as session:
        _rounding_entry(session, company_id, "invoice 000000009", _OURS)
        lost = claim(session, company_id, "first")
    qb.process(lost.xml)
    forget_saved_sets(qb)
    drain(db, company_id, qb, "second")
    with db.session() as session:
        entry = session.query(Request).filter(Request.operation == "JournalEntryAdd").one()
        assert entry.status == "succeeded"
        assert entry.qb_id == qb.store.txns_of("JournalEntry")[0].txn_id
    assert holds(qb, "JournalEntry", "000000009") == 1


def test_another_documents_entry_under_the_same_ref_number_is_not_taken_for_ours(
        db: Database, company_id: int, qb: QuickBooksSimulator) -> None:
    """An invoice and a credit memo can share a RefNumber, and so their rounding entries:
    the one QuickBooks holds carries another ExternalGUID, so ours is still added."""
    with db.session() as session:
        _rounding_entry(session, company_id, "credit memo 000000009", _THEIRS)
    drain(db, company_id, qb, "first")
    with db.session() as session:
        _rounding_entry(session, company_id, "invoice 000000009", _OURS)
        lost = claim(session, company_id, "second")
    assert lost is not None
    forget_saved_sets(qb)  # the set never reached QuickBooks, which kept no state
    drain(db, company_id, qb, "third")
    assert holds(qb, "JournalEntry", "000000009") == 2
    with db.session() as session:
        ours = session.query(Request).filter(Request.idempotency_key
                                             == "rounding:invoice 000000009").one()
        held = {row.txn_id: row for row in qb.store.txns_of("JournalEntry")}
        assert ours.status == "succeeded" and _OURS in held[ours.qb_id].ret_xml
        reasons = [row.reason for row in session.query(RequestTransition).filter(
            RequestTransition.request_id == ours.id)]
        assert "not found in QuickBooks; adding it" in reasons
