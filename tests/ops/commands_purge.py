"""Run the purge in its own unit of work, as the command does."""

from __future__ import annotations

from qbwc_service.commands.ops import PurgeReport, purge_customer
from qbwc_service.db import Database


def purge(database: Database, email: str) -> PurgeReport:
    with database.session() as session:
        return purge_customer(session, email)
