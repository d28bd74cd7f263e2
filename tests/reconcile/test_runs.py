"""A run asks the simulated QuickBooks through the queue, stores its answers and compares."""

from __future__ import annotations

from sqlalchemy import select

from qbwc_service.db.models import Request
from qbwc_service.db.reconciliation import LineKind, ReconciliationLine, ReconciliationRun
from qbwc_service.reconcile.readback import READBACK_PRIORITY

from .conftest import Posted


def _lines(posted: Posted, run_id: int, kind: LineKind) -> list[ReconciliationLine]:
    with posted.db.session() as session:
        rows = list(session.scalars(select(ReconciliationLine).where(
            ReconciliationLine.run_id == run_id, ReconciliationLine.kind == kind.value)))
        session.expunge_all()
        return rows


def test_run_queues_read_only_queries_after_every_posting(posted: Posted) -> None:
    """The run's queries are ordinary queue requests, ranked after all postings."""
    run_id = posted.start()
    with posted.db.session() as session:
        queries = list(session.scalars(select(Request).where(
            Request.idempotency_key.startswith(f"reconcile:{run_id}:"))))
        postings = list(session.scalars(select(Request).where(
            ~Request.idempotency_key.startswith("reconcile:"))))
    assert {q.operation for q in queries} == {
        "InvoiceQuery", "SalesReceiptQuery", "CreditMemoQuery", "ReceivePaymentQuery",
        "ARRefundCreditCardQuery", "CheckQuery", "TxnDeletedQuery", "AccountQuery",
        "ItemInventoryQuery"}
    assert all(q.status == "queued" and q.priority == READBACK_PRIORITY for q in queries)
    assert max(p.priority for p in postings) < READBACK_PRIORITY
    assert all("Add" not in (q.body_xml or "") for q in queries)


def test_answers_are_stored_and_a_clean_period_has_no_variance(posted: Posted) -> None:
    """Each transaction QuickBooks returned is one line; the comparison finds nothing."""
    run_id = posted.start()
    posted.drain()
    with posted.db.session() as session:
        run = session.get(ReconciliationRun, run_id)
        assert run is not None and run.status == "answered"
    run = posted.finish(run_id)
    txns = _lines(posted, run_id, LineKind.QUICKBOOKS_TXN)
    # two invoices, two payments, one credit memo and the check that refunded it: once each
    # although two queries found them
    assert sorted(line.qb_type or "" for line in txns) == [
        "Check", "CreditMemo", "Invoice", "Invoice", "ReceivePayment", "ReceivePayment"]
    variances = _lines(posted, run_id, LineKind.VARIANCE)
    assert [(v.reason, v.detail) for v in variances] == []
    assert run.status == "complete"
    day = _lines(posted, run_id, LineKind.DAY)[0].data or {}
    assert day["magento"]["invoiced"] == day["quickbooks"]["invoiced"] != "0.00"
    assert day["magento"]["refunds"] == day["quickbooks"]["refunds"] != "0.00"
    assert _lines(posted, run_id, LineKind.ACCOUNT), "AccountQuery balances are stored"


def test_a_page_answered_twice_stays_one_line(posted: Posted) -> None:
    """An iterator that starts over returns the same transactions: they are not doubled."""
    from qbwc_service.handlers.reconciliation import store_answer
    from qbwc_service.qbxml import parse_response

    run_id = posted.start()
    posted.drain()
    before = len(_lines(posted, run_id, LineKind.QUICKBOOKS_TXN))
    with posted.db.session() as session:
        answer = next(r for r in session.scalars(select(Request).where(
            Request.idempotency_key == f"reconcile:{run_id}:Invoice:by-date")))
        wrapped = ('<?xml version="1.0"?><QBXML><QBXMLMsgsRs>'
                   f'{answer.response_xml}</QBXMLMsgsRs></QBXML>')
        rets = parse_response(wrapped).responses[0].rets
        assert store_answer(session, run_id, rets) == 2
    assert len(_lines(posted, run_id, LineKind.QUICKBOOKS_TXN)) == before


def test_a_refunded_paid_invoice_leaves_no_open_credit(posted: Posted) -> None:
    """Magento refunded the paid invoice: QuickBooks shows the credit refunded, not open."""
    run_id = posted.start()
    posted.drain()
    posted.finish(run_id)
    assert [v.detail for v in _lines(posted, run_id, LineKind.VARIANCE)] == []


def test_a_query_quickbooks_refuses_fails_the_run_with_its_reason(posted: Posted,
                                                                  tmp_path) -> None:
    """No comparison on half the answers: the run fails and says which query and why."""
    from qbwc_service.db.models import Company
    from qbwc_service.sandbox.quickbooks import QuickBooksSimulator

    with posted.db.session() as session:
        company = session.get(Company, posted.company_id)
        assert company is not None
        company.multi_site_enabled = True  # the service believes sites are on…
    run_id = posted.start()
    posted.qb.close()
    posted.qb = QuickBooksSimulator(tmp_path / "qb.sqlite3", multi_site=False)  # …they are not
    posted.drain()
    with posted.db.session() as session:
        run = session.get(ReconciliationRun, run_id)
        assert run is not None
        assert run.status == "failed"
        assert "ItemSitesQuery" in (run.message or "") and "3250" in (run.message or "")
        assert [step["to"] for step in run.history] == ["failed"]
