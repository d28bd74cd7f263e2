"""The same operations on PostgreSQL: metrics queries and the customer purge."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import Request, RequestStatus
from qbwc_service.observability import render_metrics
from qbwc_service.settings import Settings

from . import seed
from .commands_purge import purge

pytestmark = pytest.mark.postgres


def test_metrics_render_on_postgresql(settings: Settings, pg_db: Database) -> None:
    """Grouped counts and the histogram sums come out as plain numbers on PostgreSQL."""
    with pg_db.session() as session:
        north = seed.company(session, "North")
        seed.request(session, north, "InvoiceAdd")
        seed.message_set(session, north, 1500)
    text = render_metrics(AppContext(settings, _database=pg_db))
    assert 'qbwc_queue_depth{company="North"} 1' in text
    assert "qbwc_quickbooks_round_trip_seconds_sum 1.5" in text
    assert 'qbwc_quickbooks_round_trip_seconds_bucket{le="2"} 1' in text


def test_purge_customer_on_postgresql(pg_db: Database) -> None:
    """The JSON payload search and the scrub work on PostgreSQL's JSON column."""
    with pg_db.session() as session:
        north = seed.company(session, "North")
        row = seed.request(session, north, "CustomerAdd", RequestStatus.SUCCEEDED,
                           entity_type="customer", magento_id="5",
                           payload={"email": "Ada@Example.com", "name": "Ada Lovelace"},
                           request_xml="<Name>Ada Lovelace</Name>")
    report = purge(pg_db, "ada@example.com")
    assert report.requests == 1
    with pg_db.session() as session:
        purged = session.scalars(select(Request).where(Request.id == row.id)).one()
        assert purged.payload == {"email": "[purged]", "name": "[purged]"}
        assert purged.request_xml is None
