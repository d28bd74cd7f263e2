"""Run the purge in its own unit of work, as the command does."""

from __future__ import annotations

from qbwc_service.db import Database
from qbwc_service.services.purge import PurgeReport, purge_customer


def purge(database: Database, email: str) -> PurgeReport:
    with database.session() as session:
        return purge_customer(session, email)
