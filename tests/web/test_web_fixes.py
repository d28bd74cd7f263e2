"""Fix actions against the simulated QuickBooks: each failure is fixed the way QuickBooks'
message says, and the next run posts it (and what waited for it) exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from qbwc_service.db import Database
from qbwc_service.db.models import AuditEvent, Company, Mapping, Request
from qbwc_service.handlers import Registry
from qbwc_service.queue import apply_response, enqueue, next_message_set
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from qbwc_service.services import fixes
from qbwc_service.services.exceptions import FixRefused
from qbwc_service.services.log import blockers_of

SET = ('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="13.0"?>\n'
       '<QBXML><QBXMLMsgsRq onError="stopOnError">{}</QBXMLMsgsRq></QBXML>')
ITEM = ("<ItemInventoryAddRq><ItemInventoryAdd><Name>WIDGET-1</Name>"
        "<SalesTaxCodeRef><FullName>Tax</FullName></SalesTaxCodeRef><SalesDesc>Widget</SalesDesc>"
        "<SalesPrice>10.00</SalesPrice><IncomeAccountRef><FullName>Sales</FullName></IncomeAccountRef>"
        "<PurchaseCost>4.00</PurchaseCost><COGSAccountRef><FullName>Cost of Goods Sold</FullName>"
        "</COGSAccountRef><AssetAccountRef><FullName>Inventory Asset</FullName></AssetAccountRef>"
        "</ItemInventoryAdd></ItemInventoryAddRq>")


def _customer_xml(name: str) -> str:
    return f"<CustomerAddRq><CustomerAdd><Name>{name}</Name></CustomerAdd></CustomerAddRq>"


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[QuickBooksSimulator]:
    qb = QuickBooksSimulator(tmp_path / "qb.sqlite3", closing_date=date(2026, 1, 31))
    for body in (_customer_xml("Ada Lovelace"), _customer_xml("Smith &amp; Sons"), ITEM):
        assert 'statusCode="0"' in qb.process(SET.format(body))
    yield qb
    qb.close()


@pytest.fixture
def company_id(db: Database) -> int:
    with db.session() as session:
        company = Company(name="Acme Books", file_id="{A1}", closing_date=date(2026, 1, 31))
        session.add(company)
        session.flush()
        return company.id


def _drive(db: Database, company_id: int, qb: QuickBooksSimulator) -> None:
    for _ in range(20):
        with db.session() as session:
            outbound = next_message_set(session, company_id=company_id, ticket="t",
                                        qbxml_version="13.0", max_requests=20,
                                        max_bytes=1_000_000)
        if outbound is None:
            return
        answer = qb.process(outbound.xml)
        with db.session() as session:
            apply_response(session, handlers=Registry(), ticket="t", response_xml=answer)
    raise AssertionError("the queue never drained")


def _invoice(session, company_id: int, customer: str, txn_date: str, depends=()) -> Request:
    return enqueue(session, company_id=company_id, operation="InvoiceAdd", key=f"inv:{txn_date}",
                   entity_type="invoice", magento_id="11", magento_ref="000000011",
                   payload={"CustomerRef": {"FullName": customer}, "TxnDate": txn_date,
                            "RefNumber": "000000011", "Memo": "Magento invoice 000000011",
                            "InvoiceLineAdd": [{"ItemRef": {"FullName": "WIDGET-1"},
                                                "Quantity": "1", "Rate": "10.00"}]},
                   depends_on=list(depends)).request


def test_post_on_first_open_date(db: Database, company_id: int, simulator: QuickBooksSimulator) -> None:
    """A closed-period refusal is explained as such; the fix re-dates it, keeps the original, posts once."""
    with db.session() as session:
        invoice_id = _invoice(session, company_id, "Ada Lovelace", "2026-01-15").id
    _drive(db, company_id, simulator)
    with db.session() as session:
        invoice = session.get(Request, invoice_id)
        assert invoice.status == "failed" and "closing date" in (invoice.explanation or "")
        assert "not enabled" not in (invoice.explanation or "")
        assert fixes.fixes_for(session, invoice) == ["post_on_open_date"]
        assert fixes.post_on_open_date(session, invoice_id, username="bob") == [invoice_id]
    _drive(db, company_id, simulator)
    with db.session() as session:
        invoice = session.get(Request, invoice_id)
        assert invoice.status == "succeeded" and invoice.document_date == date(2026, 2, 1)
        assert "<TxnDate>2026-02-01</TxnDate>" in (invoice.response_xml or "")
        assert "Magento date 2026-01-15, posted on first open date" in (invoice.response_xml or "")
        [event] = session.scalars(select(AuditEvent).where(AuditEvent.action == "post_on_open_date"))
        assert (event.actor, event.before, event.after) == (
            "web:bob", {"TxnDate": "2026-01-15"}, {"TxnDate": "2026-02-01"})
        with pytest.raises(FixRefused):
            fixes.post_on_open_date(session, invoice_id, username="bob")


def _collision(db: Database, company_id: int, qb: QuickBooksSimulator) -> tuple[int, int]:
    with db.session() as session:
        customer = enqueue(session, company_id=company_id, operation="CustomerAdd", key="customer:7",
                           entity_type="customer", magento_id="7", magento_ref="smith@example.com",
                           payload={"Name": "Smith & Sons", "Notes": "Magento customer 7"}).request
        invoice = _invoice(session, company_id, "Smith & Sons", "2026-02-10", depends=[customer])
        ids = customer.id, invoice.id
    _drive(db, company_id, qb)
    with db.session() as session:
        customer, invoice = session.get(Request, ids[0]), session.get(Request, ids[1])
        assert customer.status == "failed" and invoice.status == "queued"
        assert blockers_of(session, [invoice]) == {invoice.id: customer.id}
        assert fixes.fixes_for(session, customer) == ["link_existing", "rename"]
    return ids


def test_use_the_existing_customer(db: Database, company_id: int, simulator: QuickBooksSimulator) -> None:
    """Linking maps the Magento customer to the QuickBooks one; the waiting invoice then posts to it."""
    customer_id, invoice_id = _collision(db, company_id, simulator)
    with db.session() as session:
        fixes.link_existing(session, customer_id, username="bob")
    _drive(db, company_id, simulator)
    with db.session() as session:
        customer, invoice = session.get(Request, customer_id), session.get(Request, invoice_id)
        assert customer.status == "succeeded" and customer.qb_ref == "Smith & Sons"
        mapping = session.scalar(select(Mapping).where(Mapping.entity_type == "customer",
                                                       Mapping.magento_id == "7"))
        assert mapping is not None and mapping.qb_id == customer.qb_id
        assert invoice.status == "succeeded"
        assert f"<ListID>{customer.qb_id}</ListID>" in (invoice.response_xml or "")
    assert simulator.process(SET.format(
        "<CustomerQueryRq><FullName>Smith &amp; Sons</FullName></CustomerQueryRq>")).count("<CustomerRet>") == 1


def test_rename_and_retry(db: Database, company_id: int, simulator: QuickBooksSimulator) -> None:
    """Renaming adds the customer under the new name and the waiting invoice follows the name."""
    customer_id, invoice_id = _collision(db, company_id, simulator)
    with db.session() as session:
        with pytest.raises(FixRefused):
            fixes.rename(session, customer_id, "x" * 42, username="bob")
        fixes.rename(session, customer_id, "Smith & Sons (web)", username="bob")
    _drive(db, company_id, simulator)
    with db.session() as session:
        customer, invoice = session.get(Request, customer_id), session.get(Request, invoice_id)
        assert customer.status == "succeeded" and customer.qb_ref == "Smith & Sons (web)"
        assert invoice.status == "succeeded" and invoice.customer_name == "Smith & Sons (web)"
        assert "Smith &amp; Sons (web)" in (invoice.response_xml or "")
