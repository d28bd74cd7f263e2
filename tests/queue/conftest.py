"""Queue test fixtures: a company, a session, a simulated QuickBooks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from queue_helpers import open_quickbooks
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import Company
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator


@pytest.fixture
def company_id(db: Database) -> int:
    with db.session() as session:
        company = Company(name="Acme Books", file_id="{11111111-2222-3333-4444-555555555555}")
        session.add(company)
        session.flush()
        return company.id


@pytest.fixture
def session(db: Database) -> Iterator[Session]:
    with db.session() as s:
        yield s


@pytest.fixture
def qb(tmp_path: Path) -> Iterator[QuickBooksSimulator]:
    simulator = open_quickbooks(tmp_path / "quickbooks.sqlite3")
    yield simulator
    simulator.close()
