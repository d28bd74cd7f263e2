"""Queue test helpers: claim/drain shortcuts, qbXML request bodies, the simulated QuickBooks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import Company
from qbwc_service.handlers import Registry
from qbwc_service.qbxml.render import render_message_set
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.queue import apply_response, next_message_set
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from tests.conftest import REFERENCE

# QuickBooks' clock stands still in these tests, so every edit of a record advances its
# EditSequence by exactly one and a test can count the edits QuickBooks accepted.
QUICKBOOKS_CLOCK = 1_767_225_600.0
# The one item the test invoices sell: QuickBooks refuses a line naming an unknown item.
SERVICE_ITEM = "Bookkeeping Hour"


def open_quickbooks(path: Path) -> QuickBooksSimulator:
    """A new simulated company file that checks each message set against the reference XSDs
    (the built-in grammar when they are absent) and sells ``SERVICE_ITEM``."""
    xsd_dir = REFERENCE / "qbxml" / "xsd"
    qb = QuickBooksSimulator(path, xsd_dir=xsd_dir if xsd_dir.is_dir() else None,
                             clock=lambda: QUICKBOOKS_CLOCK)
    item = etree.Element("ItemServiceAddRq")
    add = etree.SubElement(item, "ItemServiceAdd")
    etree.SubElement(add, "Name").text = SERVICE_ITEM
    sale = etree.SubElement(add, "SalesOrPurchase")
    etree.SubElement(sale, "Price").text = "60.00"
    etree.SubElement(etree.SubElement(sale, "AccountRef"), "FullName").text = "Sales"
    key_in(qb, etree.tostring(item, encoding="unicode"))
    return qb


def key_in(qb: QuickBooksSimulator, *bodies: str) -> list[etree._Element]:
    """Records someone enters in QuickBooks directly, not through the queue; their Rets."""
    answer = parse_xml(qb.process(render_message_set(list(bodies), version="13.0",
                                                     on_error="stopOnError")))
    responses = list(answer.iterfind("QBXMLMsgsRs/*"))
    for rs in responses:
        assert rs.get("statusCode") == "0", rs.get("statusMessage")
    return [rs[0] for rs in responses]


def forget_saved_sets(qb: QuickBooksSimulator) -> None:
    """QuickBooks no longer holds the saved answer of any message set."""
    qb.process(render_message_set([], version="13.0", on_error="stopOnError",
                                  old_message_set_id="ClearAllMessageSets"))


def holds(qb: QuickBooksSimulator, kind: str, key: str) -> int:
    """How many records QuickBooks holds of ``kind`` under ``key``: list records by full
    name (``Customer``), transactions by RefNumber (``Invoice``)."""
    if kind == "Customer":
        return sum(row.full_name == key for row in qb.store.lists_of((kind,)))
    return sum(row.ref_number == key for row in qb.store.txns_of(kind))


def list_id(qb: QuickBooksSimulator, name: str) -> str:
    """The ListID of the customer QuickBooks holds under ``name``."""
    row = qb.store.find_list(("Customer",), name)
    assert row is not None, f"QuickBooks holds no customer {name!r}"
    return row.list_id


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


def drain(db: Database, company_id: int, qb: QuickBooksSimulator, ticket: str = "t1",
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


def customer_body(name: str, notes: str = "", *, class_name: str = "") -> str:
    rq = etree.Element("CustomerAddRq")
    add = etree.SubElement(rq, "CustomerAdd")
    etree.SubElement(add, "Name").text = name
    if class_name:
        etree.SubElement(etree.SubElement(add, "ClassRef"), "FullName").text = class_name
    if notes:
        etree.SubElement(add, "Notes").text = notes
    return etree.tostring(rq, encoding="unicode")


def customer_mod_body(list_id: str, edit_sequence: str, *, notes: str) -> str:
    rq = etree.Element("CustomerModRq")
    mod = etree.SubElement(rq, "CustomerMod")
    etree.SubElement(mod, "ListID").text = list_id
    etree.SubElement(mod, "EditSequence").text = edit_sequence
    etree.SubElement(mod, "Notes").text = notes
    return etree.tostring(rq, encoding="unicode")


def invoice_body(ref_number: str, customer: str, memo: str = "") -> str:
    """One hour of ``SERVICE_ITEM`` for ``customer``."""
    rq = etree.Element("InvoiceAddRq")
    add = etree.SubElement(rq, "InvoiceAdd")
    ref = etree.SubElement(add, "CustomerRef")
    etree.SubElement(ref, "FullName").text = customer
    etree.SubElement(add, "RefNumber").text = ref_number
    if memo:
        etree.SubElement(add, "Memo").text = memo
    line = etree.SubElement(add, "InvoiceLineAdd")
    etree.SubElement(etree.SubElement(line, "ItemRef"), "FullName").text = SERVICE_ITEM
    etree.SubElement(line, "Quantity").text = "1"
    return etree.tostring(rq, encoding="unicode")
