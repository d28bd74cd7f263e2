"""Queue test helpers: claim/drain shortcuts and qbXML request bodies."""

from __future__ import annotations

from typing import Any

from lxml import etree
from queue_fakeqb import FakeQuickBooks
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import Company
from qbwc_service.handlers import Registry
from qbwc_service.queue import apply_response, next_message_set


def add_company(session: Session, name: str, *, approval_required: bool = False) -> int:
    company = Company(name=name, file_id="{00000000-0000-0000-0000-000000000000}",
                      approval_required=approval_required)
    session.add(company)
    session.flush()
    return company.id


def claim(session: Session, company_id: int, ticket: str = "t1", *, max_requests: int = 20,
          max_bytes: int = 1_000_000, **kwargs: Any) -> Any:
    return next_message_set(session, company_id=company_id, ticket=ticket, qbxml_version="13.0",
                            max_requests=max_requests, max_bytes=max_bytes, **kwargs)


def drain(db: Database, company_id: int, qb: FakeQuickBooks, ticket: str = "t1",
          rounds: int = 50) -> int:
    """Run a whole session against the simulated QuickBooks; returns message sets sent."""
    sent = 0
    for _ in range(rounds):
        with db.session() as session:
            outbound = claim(session, company_id, ticket)
        if outbound is None:
            return sent
        sent += 1
        answer = qb.process(outbound.xml)
        with db.session() as session:
            apply_response(session, handlers=Registry(), ticket=ticket, response_xml=answer)
    raise AssertionError("the queue never drained")


def customer_body(name: str, notes: str = "") -> str:
    rq = etree.Element("CustomerAddRq")
    add = etree.SubElement(rq, "CustomerAdd")
    etree.SubElement(add, "Name").text = name
    if notes:
        etree.SubElement(add, "Notes").text = notes
    return etree.tostring(rq, encoding="unicode")


def invoice_body(ref_number: str, customer: str, memo: str = "") -> str:
    rq = etree.Element("InvoiceAddRq")
    add = etree.SubElement(rq, "InvoiceAdd")
    ref = etree.SubElement(add, "CustomerRef")
    etree.SubElement(ref, "FullName").text = customer
    etree.SubElement(add, "RefNumber").text = ref_number
    if memo:
        etree.SubElement(add, "Memo").text = memo
    return etree.tostring(rq, encoding="unicode")
