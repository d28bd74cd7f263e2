"""Applying QuickBooks' answers: routing, each error class, iterators, stream failures."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from queue_helpers import (
    claim,
    customer_body,
    customer_mod_body,
    holds,
    invoice_body,
    key_in,
    list_id,
)
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Attempt, Mapping, MessageSet, Request, RequestStatus, utcnow
from qbwc_service.handlers import HANDLERS, Registry, register_all
from qbwc_service.queue import apply_response, enqueue, record_stream_failure
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from qbwc_service.settings import Settings

# The families are registered before tests patch one of them, so undoing a patch
# puts the real handler back (handlers register once, not on every miss).
register_all()


def _customer(session: Session, company_id: int, name: str, notes: str = "") -> Request:
    return enqueue(session, company_id=company_id, operation="CustomerAdd", key=f"c:{name}",
                   body_xml=customer_body(name, notes), entity_type="customer",
                   magento_id=name.lower(), magento_ref=notes or None).request


def _round(session: Session, company_id: int, qb: QuickBooksSimulator, ticket: str = "t1",
           **kwargs: Any) -> Any:
    outbound = claim(session, company_id, ticket)
    assert outbound is not None
    return apply_response(session, handlers=Registry(), ticket=ticket, response_xml=qb.process(outbound.xml), **kwargs)


class _Recorder:
    def __init__(self) -> None:
        self.seen: list[tuple[int, str, int]] = []

    def handle_response(self, session: Session, request: Request, response: Any) -> None:
        self.seen.append((request.id, request.status, response.status_code))


def test_success_records_ids_mapping_and_calls_handler(
    session: Session, company_id: int, qb: QuickBooksSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A success stores ListID/Name/EditSequence, upserts the mapping and calls the handler."""
    recorder = _Recorder()
    monkeypatch.setitem(HANDLERS, "CustomerAdd", recorder)
    request = _customer(session, company_id, "Smith & Sons")
    summary = _round(session, company_id, qb)
    assert summary.succeeded == 1
    assert request.status == "succeeded" and request.qb_id and request.qb_ref == "Smith & Sons"
    held = qb.store.get_list(request.qb_id)
    assert held is not None and request.qb_edit_sequence == held.edit_sequence
    assert request.status_code == 0
    mapping = session.query(Mapping).one()
    assert (mapping.entity_type, mapping.magento_id, mapping.qb_id, mapping.qb_type) == (
        "customer", "smith & sons", request.qb_id, "Customer")
    assert recorder.seen == [(request.id, "succeeded", 0)]
    attempt = session.query(Attempt).one()
    assert attempt.received_at and attempt.status_code == 0 and "CustomerAddRs" in (
        attempt.response_xml or "")
    assert session.query(MessageSet).one().state == "answered"


def test_responses_routed_by_request_id_in_any_order(session: Session, company_id: int) -> None:
    """Each Rs settles the request named by its requestID, whatever the order."""
    a = _customer(session, company_id, "Alpha")
    b = _customer(session, company_id, "Beta")
    claim(session, company_id)
    answer = (
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
        f'<CustomerAddRs requestID="{b.id}" statusCode="3260" statusSeverity="Error" '
        'statusMessage="Insufficient permission level to perform this action."/>'
        f'<CustomerAddRs requestID="{a.id}" statusCode="0" statusSeverity="Info" statusMessage="OK">'
        '<CustomerRet><ListID>80000001-1</ListID><EditSequence>5</EditSequence><Name>Alpha</Name>'
        '</CustomerRet></CustomerAddRs></QBXMLMsgsRs></QBXML>'
    )
    summary = apply_response(session, handlers=Registry(), ticket="t1", response_xml=answer)
    assert (summary.succeeded, summary.failed) == (1, 1)
    assert a.status == "succeeded" and a.qb_id == "80000001-1"
    assert b.status == "failed" and b.explanation and "permission" in b.explanation


def test_request_without_response_goes_back_to_queue(session: Session, company_id: int) -> None:
    """A request of the set that got no Rs (stopOnError, truncated answer) is queued again."""
    a = _customer(session, company_id, "Alpha")
    b = _customer(session, company_id, "Beta")
    claim(session, company_id)
    answer = (
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
        f'<CustomerAddRs requestID="{a.id}" statusCode="0" statusSeverity="Info" statusMessage="OK">'
        '<CustomerRet><ListID>1-1</ListID><Name>Alpha</Name></CustomerRet></CustomerAddRs>'
        '</QBXMLMsgsRs></QBXML>'
    )
    summary = apply_response(session, handlers=Registry(), ticket="t1", response_xml=answer)
    assert (summary.succeeded, summary.requeued) == (1, 1)
    assert b.status == "queued" and b.lookup_reason is None


def test_retryable_backs_off_then_gives_up(session: Session, company_id: int,
                                          qb: QuickBooksSimulator) -> None:
    """3170 requeues with growing not_before until max_attempts, then fails."""
    settings = Settings(max_attempts=2, retry_backoff_seconds=10)
    request = _customer(session, company_id, "Busy")
    qb.force_status(request.id, 3170, "This list has been modified by another user.")
    qb.force_status(request.id, 3175, "internals could not be locked")
    now = utcnow()
    outbound = claim(session, company_id, now=now)
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml), now=now,
                   settings=settings)
    assert request.status == "queued" and request.not_before == now + timedelta(seconds=10)
    assert claim(session, company_id, now=now) is None
    later = now + timedelta(seconds=11)
    outbound = claim(session, company_id, now=later)
    assert outbound is not None
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml), now=later,
                   settings=settings)
    assert request.status == "failed" and "Gave up after 2 attempts" in (request.explanation or "")


@pytest.mark.parametrize("code", [3140, 3210, 3250, 3260])
def test_permanent_errors_fail_with_explanation(session: Session, company_id: int,
                                               qb: QuickBooksSimulator, code: int) -> None:
    """Permanent codes fail at once with the plain-language explanation."""
    request = _customer(session, company_id, "Doomed")
    qb.force_status(request.id, code, "refused")
    summary = _round(session, company_id, qb)
    assert summary.failed == 1 and request.status == "failed"
    assert request.status_code == code and request.explanation
    assert request.explanation.startswith(str(code))


def _stale_mod(session: Session, company_id: int, qb: QuickBooksSimulator) -> tuple[
        Request, str, str]:
    """A CustomerMod whose EditSequence went stale: the customer was edited in QuickBooks
    after the service added it. The request, the ListID, QuickBooks' current EditSequence."""
    added = _customer(session, company_id, "Alpha")
    _round(session, company_id, qb)
    alpha, ours = list_id(qb, "Alpha"), added.qb_edit_sequence
    assert ours
    current = key_in(qb, customer_mod_body(alpha, ours, notes="called back"))[0].findtext(
        "EditSequence")
    assert current and current != ours
    mod = enqueue(session, company_id=company_id, operation="CustomerMod", key="mod:1",
                  payload={"ListID": alpha, "EditSequence": ours, "Name": "Alpha"}).request
    return mod, alpha, current


def _edits_after(qb: QuickBooksSimulator, list_id: str, edit_sequence: str) -> int:
    """Edits QuickBooks accepted since ``edit_sequence``: its clock stands still in these
    tests, so each one adds exactly one."""
    row = qb.store.get_list(list_id)
    assert row is not None
    return int(row.edit_sequence) - int(edit_sequence)


def test_stale_edit_sequence_requeries_then_mods(session: Session, company_id: int,
                                                qb: QuickBooksSimulator) -> None:
    """3200 on a Mod without the record: read the current EditSequence, then the Mod succeeds."""
    mod, alpha, current = _stale_mod(session, company_id, qb)
    # Only one capture of QuickBooks' 3200 carries the record (qbxml.md §7): this one does not.
    qb.force_status(mod.id, 3200, f'The provided edit sequence "{mod.payload["EditSequence"]}" '
                                  "is out-of-date.")
    _round(session, company_id, qb)
    assert mod.status == "queued" and mod.lookup_reason == "stale_edit_sequence"
    outbound = claim(session, company_id)
    assert "<CustomerQueryRq" in outbound.xml and f"<ListID>{alpha}</ListID>" in outbound.xml
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    assert mod.payload["EditSequence"] == current and mod.lookup_reason is None
    _round(session, company_id, qb)
    assert mod.status == "succeeded" and _edits_after(qb, alpha, current) == 1


def test_stale_edit_sequence_with_the_record_mods_again(session: Session, company_id: int,
                                                       qb: QuickBooksSimulator) -> None:
    """3200 carrying the record as it stands: its EditSequence is used without a query."""
    mod, alpha, current = _stale_mod(session, company_id, qb)
    _round(session, company_id, qb)
    assert mod.status == "queued" and mod.status_code == 3200 and mod.lookup_reason is None
    assert mod.payload["EditSequence"] == current
    outbound = claim(session, company_id)
    assert "<CustomerModRq" in outbound.xml and f"<EditSequence>{current}<" in outbound.xml
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    assert mod.status == "succeeded" and _edits_after(qb, alpha, current) == 1


def test_name_in_use_links_when_ours(session: Session, company_id: int, qb: QuickBooksSimulator) -> None:
    """3100 on an Add: a same-name record carrying our Magento reference is linked, not re-added."""
    key_in(qb, customer_body("Jane Roe", "magento #42"))
    request = _customer(session, company_id, "Jane Roe", notes="magento #42")
    _round(session, company_id, qb)
    assert request.lookup_reason == "name_in_use"
    _round(session, company_id, qb)
    assert request.status == "succeeded" and request.qb_id == list_id(qb, "Jane Roe")
    assert holds(qb, "Customer", "Jane Roe") == 1


def test_name_in_use_by_someone_else_fails(session: Session, company_id: int,
                                          qb: QuickBooksSimulator) -> None:
    """3100 on an Add: a same-name record that is not ours fails with an explanation."""
    key_in(qb, customer_body("Jane Roe", "walk-in"))
    request = _customer(session, company_id, "Jane Roe", notes="magento #42")
    _round(session, company_id, qb)
    _round(session, company_id, qb)
    assert request.status == "failed"
    assert 'already uses the name "Jane Roe"' in (request.explanation or "")


def test_iterator_pages_until_done_and_restarts_on_3391(
    session: Session, company_id: int, qb: QuickBooksSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query pages with Continue and identical criteria; 3391 restarts it with Start."""
    recorder = _Recorder()
    monkeypatch.setitem(HANDLERS, "CustomerQuery", recorder)
    key_in(qb, *(customer_body(f"C{index}") for index in range(5)))
    # MaxReturned is an iterator's page size (qbxml.md §5): pages of 2, 2 and 1.
    query = enqueue(session, company_id=company_id, operation="CustomerQuery", key="q",
                    payload={"MaxReturned": 2, "ActiveStatus": "All"}).request
    _round(session, company_id, qb)
    assert query.status == "queued" and query.iterator_remaining == 3 and query.iterator_id
    outbound = claim(session, company_id)
    assert 'iterator="Continue"' in outbound.xml and "<ActiveStatus>All</ActiveStatus>" in outbound.xml
    assert "<MaxReturned>2</MaxReturned>" in outbound.xml
    qb.end_session()  # the iterator expired inside QuickBooks
    apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
    assert query.status == "queued" and query.iterator_id is None
    for _ in range(3):
        _round(session, company_id, qb)
    assert query.status == "succeeded"
    assert len(recorder.seen) == 4 and recorder.seen[-1][1] == "succeeded"


def test_iterator_restarts_in_a_new_session(session: Session, company_id: int,
                                           qb: QuickBooksSimulator) -> None:
    """An iterator id never carries over to another ticket: the query starts again."""
    key_in(qb, *(customer_body(f"C{index}") for index in range(3)))
    query = enqueue(session, company_id=company_id, operation="CustomerQuery", key="q",
                    payload={"MaxReturned": 2}).request
    _round(session, company_id, qb, "first")
    assert query.iterator_id and query.iterator_remaining == 1
    outbound = claim(session, company_id, "second")
    assert 'iterator="Start"' in outbound.xml and "iteratorID" not in outbound.xml
    # The iterator started over is written with the move to SENT, and the request held
    # in this session shows it without being read again.
    assert query.status == "sent" and query.iterator_id is None
    stored = session.connection().execute(
        select(Request.iterator_id, Request.iterator_remaining).where(Request.id == query.id)).one()
    assert tuple(stored) == (None, None)


@pytest.mark.parametrize(("hresult", "count", "status"), [
    ("0x80040400", 1, "failed"), ("0x80040400", 2, "queued"), ("0x80040402", 2, "queued")])
def test_stream_failure_fails_or_requeues(session: Session, company_id: int, hresult: str,
                                          count: int, status: str) -> None:
    """A parse error fails a lone request, sends a batch back to be isolated; transient requeues."""
    requests = [_customer(session, company_id, f"C{i}") for i in range(count)]
    claim(session, company_id)
    record_stream_failure(session, ticket="t1", hresult=hresult, message="QuickBooks said no")
    assert {r.status for r in requests} == {status}
    assert session.query(MessageSet).one().state == "failed"
    attempt = session.query(Attempt).first()
    assert attempt.hresult == hresult and attempt.outcome == "refused"
    if status == "failed":
        assert requests[0].explanation and "pars" in requests[0].explanation.lower()


def test_invoice_waits_then_goes_after_customer(session: Session, company_id: int,
                                               qb: QuickBooksSimulator) -> None:
    """Customer then invoice, in two sets, both posted once."""
    customer = _customer(session, company_id, "Alpha")
    enqueue(session, company_id=company_id, operation="InvoiceAdd", key="inv",
            body_xml=invoice_body("1001", "Alpha"), depends_on=[customer])
    _round(session, company_id, qb)
    _round(session, company_id, qb)
    assert holds(qb, "Invoice", "1001") == 1
    assert {r.status for r in session.query(Request)} == {RequestStatus.SUCCEEDED.value}


class _FailsOn:
    """Marks each customer's mapping as handled, and raises for one name."""

    def __init__(self, bad_name: str) -> None:
        self.bad_name = bad_name

    def handle_response(self, session: Session, request: Request, response: Any) -> None:
        name = response.rets[0].name
        mapping = session.query(Mapping).filter_by(request_id=request.id).one()
        mapping.magento_ref = f"handled {name}"
        session.flush()
        if name == self.bad_name:
            raise RuntimeError("handler fault")


def test_a_failing_handler_does_not_undo_the_others(
    session: Session, company_id: int, qb: QuickBooksSimulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One handler fault in a message set: the others' work stays and the fault is noted."""
    monkeypatch.setitem(HANDLERS, "CustomerAdd", _FailsOn("Beta"))
    requests = [_customer(session, company_id, name) for name in ("Alpha", "Beta", "Gamma")]
    summary = _round(session, company_id, qb)
    assert summary.succeeded == 3
    assert all(r.status == "succeeded" for r in requests)
    handled = {m.magento_id: m.magento_ref for m in session.query(Mapping)}
    assert handled["alpha"] == "handled Alpha" and handled["gamma"] == "handled Gamma"
    assert handled["beta"] != "handled Beta"
    from qbwc_service.db.models import RequestTransition

    notes = [t.reason or "" for t in session.query(RequestTransition).filter_by(request_id=requests[1].id)]
    assert any("applying QuickBooks' answer locally failed" in reason for reason in notes)


class _OneHandler:
    """A registry of one operation's handler, standing in for the product's."""

    def __init__(self, operation: str, handler: Any) -> None:
        self.operation, self.handler = operation, handler
        self.asked: list[str] = []

    def handler_for(self, operation: str) -> Any:
        self.asked.append(operation)
        return self.handler if operation == self.operation else None


def test_the_queue_calls_the_handlers_it_is_handed(session: Session, company_id: int,
                                                   qb: QuickBooksSimulator) -> None:
    """Answers go to the registry passed to apply_response, not to one the queue looks up."""
    recorder = _Recorder()
    registry = _OneHandler("CustomerAdd", recorder)
    request = _customer(session, company_id, "Handed In")
    outbound = claim(session, company_id, "t1")
    assert outbound is not None
    apply_response(session, handlers=registry, ticket="t1", response_xml=qb.process(outbound.xml))
    assert recorder.seen == [(request.id, "succeeded", 0)]
    assert registry.asked == ["CustomerAdd"]


@pytest.mark.parametrize("refused", [5, 20])
def test_a_set_refused_request_by_request_reads_its_rows_together(
        db: Any, company_id: int, qb: QuickBooksSimulator, refused: int) -> None:
    """Errors are settled field by field on ORM rows; those rows (and their attempts) are
    read in one statement each, not one per request. What stays per request is the look
    for dependents to tell (one SELECT per failed request)."""
    with db.session() as session:
        requests = [enqueue(session, company_id=company_id, operation="CustomerAdd",
                            key=f"c{n}", body_xml=customer_body(f"C{n}")).request
                    for n in range(refused)]
        for request in requests:
            qb.force_status(request.id, 3260, "Insufficient permission level")
    with db.session() as session:
        outbound = claim(session, company_id, max_requests=refused)
    answer = qb.process(outbound.xml)
    reads: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.session() as session:
            summary = apply_response(session, handlers=Registry(), ticket="t1",
                                     response_xml=answer)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert summary.failed == refused
    dependents = [s for s in reads if "request_dependencies" in s]
    assert len(dependents) == refused
    # The sent requests with their attempts, the mappings, the ORM requests, their attempts.
    assert len(reads) - len(dependents) <= 5, reads
