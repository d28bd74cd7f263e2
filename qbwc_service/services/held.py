"""Held requests: what waits for approval, behind a closed period or for an item to exist,
oldest first, for a bookkeeper to approve, release or cancel in bulk."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, Request, RequestStatus

__all__ = ["HELD_ACTIONS", "MAX_SHOWN", "held_requests"]

# What a held request may become from the held page; the queue still has the last word.
HELD_ACTIONS = ("approve", "release", "cancel")
MAX_SHOWN = 500


def held_requests(session: Session, company_id: int | None = None
                  ) -> list[tuple[Request, str]]:
    """Held requests with their company's name, oldest first, at most ``MAX_SHOWN``."""
    statement = (
        select(Request, Company.name)
        .join(Company, Company.id == Request.company_id)
        .where(Request.status == RequestStatus.HELD.value)
        .order_by(Request.created_at, Request.id)
        .limit(MAX_SHOWN)
    )
    if company_id is not None:
        statement = statement.where(Request.company_id == company_id)
    return [(row[0], row[1]) for row in session.execute(statement)]
