"""Test helpers: a company row, and posting the queue through the simulated QuickBooks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import Company, Request
from qbwc_service.handlers import Registry
from qbwc_service.queue import apply_response, next_message_set
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from qbwc_service.sandbox.quickbooks.lists import create_list
from qbwc_service.sandbox.quickbooks.retxml import element

ZERO_TAX = "Magento Tax Zero"


def add_company(session: Session, name: str = "acme", **values: object) -> Company:
    company = Company(name=name, file_id="{00000000-0000-0000-0000-000000000000}", **values)
    session.add(company)
    session.flush()
    return company


def company_database(path: Path) -> None:
    """A SQLite database at ``path`` with the schema and the company ``acme``."""
    database = Database(f"sqlite:///{path}")
    database.upgrade()
    with database.session() as session:
        add_company(session)
    database.dispose()


def simulator(path: Path, **kwargs: object) -> QuickBooksSimulator:
    """A simulated company file holding the zero-rate tax item a merchant sets up once."""
    qb = QuickBooksSimulator(path / "qb.sqlite3", **kwargs)  # type: ignore[arg-type]
    with qb.store.transaction():
        create_list(qb.company, "ItemSalesTax", element("Seed", children=[
            element("Name", ZERO_TAX), element("TaxRate", "0")]))
    return qb


def post_all(db: Database, company_id: int, qb: QuickBooksSimulator, ticket: str = "t1",
             rounds: int = 200) -> int:
    """Send every ready request to the simulated QuickBooks; returns message sets sent."""
    for sent in range(rounds):
        with db.session() as session:
            outbound = next_message_set(session, company_id=company_id, ticket=ticket,
                                        qbxml_version="13.0", max_requests=25,
                                        max_bytes=1_000_000)
        if outbound is None:
            return sent
        answer = qb.process(outbound.xml)
        with db.session() as session:
            apply_response(session, handlers=Registry(), ticket=ticket, response_xml=answer)
    raise AssertionError("the queue never drained")


def statuses(session: Session, company_id: int) -> dict[str, str]:
    rows = session.scalars(select(Request).where(Request.company_id == company_id))
    return {row.idempotency_key: row.status for row in rows}
