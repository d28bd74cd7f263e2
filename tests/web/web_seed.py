"""A small, realistic console database built through the models and the queue's functions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import (
    Attempt,
    Company,
    Mapping,
    QbwcUser,
    Request,
    RequestStatus,
    WcRun,
    utcnow,
)
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbxml.status import classify
from qbwc_service.queue import enqueue, transition
from qbwc_service.sandbox.quickbooks.refusals import CLOSED_PERIOD, closed_period
from qbwc_service.services.console_auth import add_web_user

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "web"
PASSWORD = "correct horse battery"
S = RequestStatus


@dataclass(frozen=True)
class Seeded:
    company_id: int
    other_company_id: int
    customer_id: int
    failed_invoice_id: int
    failed_memo_id: int
    queued_receipt_id: int
    held_ids: tuple[int, ...]


def _finish(session: Session, request: Request, to: RequestStatus, **fields: object) -> None:
    transition(session, request, S.SENT, actor="session:test-ticket")
    for name, value in fields.items():
        setattr(request, name, value)
    transition(session, request, to, actor="session:test-ticket")


def seed_console(db: Database) -> Seeded:
    """Two companies, users of every role, and requests in every interesting state."""
    now = utcnow()
    with db.session() as session:
        for username, role in (("ada", "admin"), ("bob", "bookkeeper"), ("vera", "viewer")):
            add_web_user(session, username, PASSWORD, role, actor="test")
        acme = Company(name="Acme Books", company_file=r"C:\QB\Acme.qbw", file_id="{A1}",
                       every_minutes=10, negotiated_version="13.0", qb_product="QuickBooks Enterprise Solutions 23.0",
                       multi_site_enabled=True, last_session_at=now - timedelta(minutes=5))
        bravo = Company(name="Bravo Ltd", file_id="{B2}")
        session.add_all([acme, bravo])
        session.flush()
        wc_user = QbwcUser(company_id=acme.id, username="acme-wc", password_hash=hash_password("x" * 12))
        session.add(wc_user)
        session.flush()
        session.add(WcRun(ticket="test-ticket", company_id=acme.id, user_id=wc_user.id, state="closed",
                              created_at=now - timedelta(minutes=5, seconds=42),
                              last_call_at=now - timedelta(minutes=5), closed_at=now - timedelta(minutes=5),
                              expires_at=now + timedelta(hours=1), sent_count=3, succeeded_count=1,
                              failed_count=2, summary="3 requests, 2 failed"))
        session.flush()

        customer = enqueue(session, company_id=acme.id, operation="CustomerAdd", key="customer:7",
                           entity_type="customer", magento_id="7", magento_ref="smith@example.com",
                           payload={"Name": "Smith & Sons"}).request
        _finish(session, customer, S.SUCCEEDED, qb_id="80000001-1714600000", qb_ref="Smith & Sons",
                status_code=0, status_severity="Info")

        invoice = enqueue(session, company_id=acme.id, operation="InvoiceAdd", key="invoice:1234",
                          entity_type="invoice", magento_id="1234", magento_ref="000001234",
                          payload={"CustomerRef": {"FullName": "Smith & Sons"},
                                   "TxnDate": "2026-11-30", "RefNumber": "000001234"},
                          depends_on=[customer], amount=Decimal("39.90")).request
        request_xml = (FIXTURES / "invoice_add_rq.xml").read_text(encoding="utf-8")
        response_xml = (FIXTURES / "invoice_add_rs_3140.xml").read_text(encoding="utf-8")
        session.add(Attempt(request_id=invoice.id, ticket="test-ticket", message_set_id="ms-1",
                            sent_at=now - timedelta(minutes=6), received_at=now - timedelta(minutes=5),
                            outcome="failed", status_code=3140, status_severity="Error",
                            status_message="Invalid reference to item WIDGET-BLUE",
                            request_xml=request_xml, response_xml=response_xml))
        _finish(session, invoice, S.FAILED, request_xml=request_xml, response_xml=response_xml,
                status_code=3140, status_severity="Error", attempts_count=1,
                status_message='There is an invalid reference to QuickBooks Item "WIDGET-BLUE" in the Invoice line.',
                explanation=classify(3140).explanation)

        memo = enqueue(session, company_id=acme.id, operation="CreditMemoAdd", key="creditmemo:55",
                       entity_type="creditmemo", magento_id="55", magento_ref="000000055").request
        _finish(session, memo, S.FAILED, status_code=3100, status_severity="Error",
                status_message="=HYPERLINK(\"x\") name is already in use", explanation=classify(3100).explanation)

        receipt = enqueue(session, company_id=acme.id, operation="SalesReceiptAdd", key="receipt:9",
                          entity_type="order", magento_id="9", magento_ref="000000009").request
        held = []
        for number in (21, 22):
            held_request = enqueue(session, company_id=acme.id, operation="InvoiceAdd",
                                   key=f"invoice:{number}", entity_type="invoice", magento_id=str(number),
                                   magento_ref=f"0000000{number}", hold_reason="approval required").request
            held.append(held_request.id)
        enqueue(session, company_id=bravo.id, operation="ItemInventoryAdd", key="item:B",
                        entity_type="item", magento_id="B-1", magento_ref="B-1").request
        # History for the 30-day chart: one success two days ago, one failure three days ago.
        for offset, outcome in ((2, S.SUCCEEDED), (3, S.FAILED)):
            past = enqueue(session, company_id=acme.id, operation="ItemInventoryAdd",
                           key=f"item:old{offset}", entity_type="item", magento_id=f"old{offset}",
                           magento_ref=f"SKU-OLD-{offset}").request
            _finish(session, past, outcome)
            past.completed_at = now - timedelta(days=offset)
        session.add(Mapping(company_id=acme.id, entity_type="invoice", magento_id="1233",
                            magento_ref="000001233", qb_type="Invoice", qb_id="1F-1714600000",
                            qb_name="000001233", amount=39.90, txn_date=now.date(), request_id=customer.id))
        session.flush()
        return Seeded(acme.id, bravo.id, customer.id, invoice.id, memo.id, receipt.id, tuple(held))


@dataclass(frozen=True)
class Fixable:
    closed_invoice_id: int
    payment_id: int
    collision_customer_id: int
    waiting_invoice_id: int


CLOSED_MESSAGE = closed_period("Invoice").status_message


def seed_fixable(db: Database, company_id: int) -> Fixable:
    """A closed-period invoice with its payment behind it, and a customer whose name is taken."""
    now = utcnow()
    with db.session() as session:
        session.get(Company, company_id).closing_date = date(2026, 1, 31)
        invoice = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="invoice:900",
                          entity_type="invoice", magento_id="900", magento_ref="000000900",
                          payload={"CustomerRef": {"FullName": "Ada Lovelace"}, "TxnDate": "2026-01-15",
                                   "RefNumber": "000000900"}, amount=Decimal("120.00")).request
        session.add(Attempt(request_id=invoice.id, ticket="test-ticket", sent_at=now, received_at=now,
                            outcome="permanent", status_code=CLOSED_PERIOD, status_severity="Error",
                            status_message=CLOSED_MESSAGE))
        _finish(session, invoice, S.FAILED, status_code=CLOSED_PERIOD, status_severity="Error",
                status_message=CLOSED_MESSAGE, attempts_count=1,
                explanation=classify(CLOSED_PERIOD, CLOSED_MESSAGE).explanation)
        payment = enqueue(session, company_id=company_id, operation="ReceivePaymentAdd",
                          key="payment:900", entity_type="invoice", magento_id="900",
                          magento_ref="000000900",
                          payload={"CustomerRef": {"FullName": "Ada Lovelace"}, "TxnDate": "2026-01-15",
                                   "RefNumber": "000000900", "TotalAmount": "120.00"},
                          depends_on=[invoice]).request
        customer = enqueue(session, company_id=company_id, operation="CustomerAdd", key="customer:31",
                           entity_type="customer", magento_id="31", magento_ref="jones@example.com",
                           payload={"Name": "Jones Ltd"}).request
        session.add(Attempt(request_id=customer.id, ticket="test-ticket", sent_at=now,
                            received_at=now, outcome="retryable", status_code=3100,
                            status_severity="Error",
                            status_message='The name "Jones Ltd" of the list element is already in use.'))
        _finish(session, customer, S.FAILED, status_code=0, status_severity="Info",
                status_message="Status OK", attempts_count=2,
                explanation='QuickBooks already uses the name "Jones Ltd" for a record that was not '
                            "made from this document (names are shared by customers, vendors, "
                            "employees and other names). Rename one of them, then retry.")
        waiting = enqueue(session, company_id=company_id, operation="InvoiceAdd", key="invoice:901",
                          entity_type="invoice", magento_id="901", magento_ref="000000901",
                          payload={"CustomerRef": {"FullName": "Jones Ltd"}, "TxnDate": "2026-02-10",
                                   "RefNumber": "000000901"}, amount=Decimal("75.50"),
                          depends_on=[customer]).request
        return Fixable(invoice.id, payment.id, customer.id, waiting.id)
