"""Credit memo handler: its TxnID reaches the request that applies it to the invoice."""

from __future__ import annotations

from decimal import Decimal

from qbwc_service.handlers.credit_memo import CreditMemoHandler
from qbwc_service.handlers.invoice import InvoiceHandler
from qbwc_service.qbxml.parse import QbResponse, RetRecord
from qbwc_service.sync.enqueue import enqueue_plan
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.posting import plan_credit_memo
from tests.sync.factories import Line, OrderBuilder

from .conftest import succeed


def _ok(request_id: int, kind: str, txn_id: str, total: str) -> QbResponse:
    return QbResponse(request_id=str(request_id), operation=f"{kind}Add", status_code=0,
                      severity="Info", message="Status OK",
                      rets=[RetRecord(type=f"{kind}Ret", txn_id=txn_id, total=Decimal(total),
                                      txn_date="2024-03-01")])


def test_credit_application_gets_both_txn_ids(db, company_id) -> None:
    """Once the invoice and the credit memo are in QuickBooks, the application names both."""
    builder = OrderBuilder().add(Line("A", Decimal("10.00")))
    with db.session() as session:
        from qbwc_service.db.models import Request

        invoice = Request(company_id=company_id, operation="InvoiceAdd",
                          idempotency_key="invoice:1", entity_type="invoice", magento_id="1",
                          payload={})
        session.add(invoice)
        session.flush()
        rows = {r.idempotency_key: r for r in enqueue_plan(session, company_id, plan_credit_memo(
            builder.credit_memo(), builder.order(), PlanContext(),
            invoice=builder.invoice(state=1)))}
        answer = _ok(invoice.id, "Invoice", "INV-1", "10.00")
        succeed(session, invoice, answer)
        InvoiceHandler().handle_response(session, invoice, answer)
        memo = rows["creditmemo:1"]
        answer = _ok(memo.id, "CreditMemo", "CM-1", "10.00")
        succeed(session, memo, answer)
        CreditMemoHandler().handle_response(session, memo, answer)
        applied = rows["credit-apply:1"].payload["AppliedToTxnAdd"][0]
        assert applied["TxnID"] == "INV-1"
        assert applied["SetCredit"][0]["CreditTxnID"] == "CM-1"


def test_refund_and_write_off_get_the_credit_memo_txn_id(db, company_id) -> None:
    """A refunded credit memo's card refund and stock write-off name the memo once it is
    in QuickBooks; the refund handler keeps QuickBooks' refunded amount on its mapping."""
    from sqlalchemy import select

    from qbwc_service.db.models import Mapping
    from qbwc_service.handlers import handler_for

    builder = OrderBuilder(method="braintree").add(Line("A", Decimal("10.00")))
    memo_doc = builder.credit_memo(transaction_id="bt-1-refund")
    with db.session() as session:
        rows = {r.idempotency_key: r for r in enqueue_plan(session, company_id, plan_credit_memo(
            memo_doc, builder.order(), PlanContext(), invoice=builder.invoice(state=2)))}
        memo = rows["creditmemo:1"]
        answer = _ok(memo.id, "CreditMemo", "CM-7", "10.00")
        succeed(session, memo, answer)
        CreditMemoHandler().handle_response(session, memo, answer)
        refund = rows["refund:1"]
        assert refund.payload["RefundAppliedToTxnAdd"][0]["TxnID"] == "CM-7"
        assert rows["write-off:1"].payload["Memo"].startswith("Magento credit memo")
        answer = _ok(refund.id, "ARRefundCreditCard", "RF-1", "10.00")
        succeed(session, refund, answer)
        handler = handler_for("ARRefundCreditCardAdd")
        assert handler is not None and handler_for("CheckAdd") is handler
        handler.handle_response(session, refund, answer)
        mapping = session.scalars(select(Mapping).where(Mapping.entity_type == "refund")).one()
        assert (mapping.qb_id, mapping.amount) == ("RF-1", Decimal("10.00"))
