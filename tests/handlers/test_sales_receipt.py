"""Sales receipt handler: QuickBooks' TotalAmount is what reconciliation compares."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from qbwc_service.db.models import Mapping, Request
from qbwc_service.handlers.sales_receipt import SalesReceiptHandler
from qbwc_service.qbxml.parse import QbResponse, RetRecord

from .conftest import succeed


def test_receipt_total_lands_on_the_mapping(db, company_id) -> None:
    """The receipt's TotalAmount and TxnDate are stored on the invoice mapping."""
    with db.session() as session:
        request = Request(company_id=company_id, operation="SalesReceiptAdd",
                          idempotency_key="invoice:3", entity_type="invoice", magento_id="3",
                          payload={}, document_hash="h1")
        session.add(request)
        session.flush()
        answer = QbResponse(request_id=str(request.id), operation="SalesReceiptAdd",
                            status_code=0, severity="Info", message="Status OK",
                            rets=[RetRecord(type="SalesReceiptRet", txn_id="9-1", ref_number="3",
                                            txn_date="2024-03-02", total=Decimal("99.95"))])
        succeed(session, request, answer)
        SalesReceiptHandler().handle_response(session, request, answer)
        mapping = session.scalars(select(Mapping)).one()
        assert mapping.amount == Decimal("99.95")
        assert str(mapping.txn_date) == "2024-03-02"
        assert mapping.document_hash == "h1"
