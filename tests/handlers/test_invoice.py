"""Invoice handler: QuickBooks' total on the mapping, the TxnID handed to the payment."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import event, select

from qbwc_service.db.models import Mapping, Request
from qbwc_service.db.set_index import expect_dependents, forget
from qbwc_service.handlers import handler_for
from qbwc_service.handlers.invoice import InvoiceHandler
from qbwc_service.sync.enqueue import enqueue_plan
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.posting import plan_invoice
from tests.sync.factories import Line, OrderBuilder

from .conftest import succeed


def _queue(session, company_id: int) -> dict[str, Request]:
    builder = OrderBuilder(shipping=Decimal(5)).add(Line("A", Decimal("10.00")))
    rows = enqueue_plan(session, company_id, plan_invoice(builder.invoice(), builder.order(),
                                                          PlanContext()))
    return {row.idempotency_key: row for row in rows}


def test_invoice_success_records_total_and_fills_the_payment(db, company_id, response) -> None:
    """After InvoiceAdd succeeds the mapping holds 15.00 and the payment names the TxnID."""
    with db.session() as session:
        rows = _queue(session, company_id)
        invoice = rows["invoice:1"]
        answer = response("InvoiceAddRs.xml", str(invoice.id))
        succeed(session, invoice, answer)
        assert handler_for("InvoiceAdd") is not None
        InvoiceHandler().handle_response(session, invoice, answer)
        mapping = session.scalars(select(Mapping).where(Mapping.entity_type == "invoice")).one()
        assert mapping.amount == Decimal("15.00")
        assert str(mapping.txn_date) == "2024-03-01"
        payment = rows["payment:1"]
        assert payment.payload["AppliedToTxnAdd"][0]["TxnID"] == "1A2B-1700000000"


def test_failed_invoice_leaves_the_payment_waiting(db, company_id, response) -> None:
    """An error response records nothing and the payment keeps its placeholder."""
    with db.session() as session:
        rows = _queue(session, company_id)
        invoice = rows["invoice:1"]
        InvoiceHandler().handle_response(session, invoice, response("InvoiceAddRs_error.xml"))
        assert session.scalars(select(Mapping)).first() is None
        assert rows["payment:1"].payload["AppliedToTxnAdd"][0]["TxnID"] == "@txn:invoice:1"


def test_a_sets_invoices_read_their_payments_in_one_statement(db, company_id, response) -> None:
    """With the message set's requests named (``db.set_index``), the first invoice's
    handler reads the waiting payments of every invoice of the set at once; without the
    index each handler reads its own."""
    with db.session() as session:
        invoices, payments = [], []
        for n in (1, 2, 3):
            builder = OrderBuilder(entity_id=n, increment_id=f"00000000{n}",
                                   shipping=Decimal(5)).add(Line("A", Decimal("10.00")))
            rows = {row.idempotency_key: row for row in enqueue_plan(
                session, company_id, plan_invoice(
                    builder.invoice(entity_id=n, increment_id=f"00000000{n}"),
                    builder.order(), PlanContext()))}
            invoices.append(rows[f"invoice:{n}"])
            payments.append(rows[f"payment:{n}"])
        answers = []
        for invoice in invoices:
            answers.append(response("InvoiceAddRs.xml", str(invoice.id)))
            succeed(session, invoice, answers[-1])
        session.flush()
        reads: list[str] = []

        def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
            if "request_dependencies" in statement:
                reads.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            expect_dependents(session, [invoice.id for invoice in invoices])
            for invoice, answer in zip(invoices, answers, strict=True):
                InvoiceHandler().handle_response(session, invoice, answer)
            forget(session)
            assert len(reads) == 1
            for payment in payments:
                assert payment.payload["AppliedToTxnAdd"][0]["TxnID"] == "1A2B-1700000000"
            reads.clear()
            for invoice, answer in zip(invoices, answers, strict=True):
                InvoiceHandler().handle_response(session, invoice, answer)
            assert len(reads) == len(invoices)
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
