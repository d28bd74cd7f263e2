"""What a bulk action on requests would do, shown before it is done: which of the chosen
requests it applies to, how many it skips, and, for a cancel, what waits on them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Request
from qbwc_service.services.requests import AVAILABLE_FROM, dependents_of

__all__ = ["BulkReview", "review_bulk"]


@dataclass(frozen=True)
class BulkReview:
    """The chosen requests the action applies to, the number it skips, and (cancel only)
    the requests cancelling them would leave stranded."""

    action: str
    eligible: list[Request]
    skipped: int
    dependents: list[Request]

    @property
    def eligible_ids(self) -> list[int]:
        return [row.id for row in self.eligible]

    @property
    def dependent_ids(self) -> list[int]:
        return [row.id for row in self.dependents]


def review_bulk(session: Session, action: str, request_ids: Sequence[int]) -> BulkReview:
    """Sort ``request_ids`` into those ``action`` applies to and those it does not."""
    rows = list(session.scalars(select(Request).where(Request.id.in_(request_ids))
                                .order_by(Request.id)))
    eligible = [row for row in rows if row.status in AVAILABLE_FROM[action]]
    dependents = dependents_of(session, [row.id for row in eligible]) if action == "cancel" else []
    return BulkReview(action, eligible, len(rows) - len(eligible), dependents)
