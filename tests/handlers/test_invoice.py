"""Invoice handler: QuickBooks' total on the mapping, the TxnID handed to the payment."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from qbwc_service.db.models import Mapping, Request
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
