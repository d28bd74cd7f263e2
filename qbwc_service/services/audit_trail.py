"""The audit trail as people read it: filtered by person, action and day, a page at a time,
with whether the hash chain that guards it is intact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qbwc_service.db.models import AuditEvent
from qbwc_service.services.audit import verify_chain

__all__ = ["PER_PAGE", "AuditFilter", "AuditPage", "audit_page"]

PER_PAGE = 100


@dataclass(frozen=True)
class AuditFilter:
    """Whose events, which action, which UTC days (both ends included), which page."""

    person: str = ""
    action: str = ""
    day_from: date | None = None
    day_to: date | None = None
    page: int = 1

    def statement(self) -> Select[AuditEvent]:
        statement = select(AuditEvent)
        if self.person:
            # People are stored as "web:NAME"; the command line and services by their own name.
            statement = statement.where(AuditEvent.actor.in_((self.person, f"web:{self.person}")))
        if self.action:
            statement = statement.where(AuditEvent.action == self.action)
        if self.day_from:
            statement = statement.where(
                AuditEvent.at >= datetime.combine(self.day_from, time.min, tzinfo=UTC))
        if self.day_to:
            statement = statement.where(AuditEvent.at < datetime.combine(
                self.day_to + timedelta(days=1), time.min, tzinfo=UTC))
        return statement


@dataclass(frozen=True)
class AuditPage:
    events: list[AuditEvent]
    total: int
    pages: int
    broken: list[int]  # events where the hash chain breaks
    actions: list[str]  # every action recorded, for the filter's choices


def audit_page(session: Session, audit_filter: AuditFilter) -> AuditPage:
    """The newest events first, ``PER_PAGE`` to a page, and the chain's state."""
    statement = audit_filter.statement()
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    page = max(audit_filter.page, 1)
    events = list(session.scalars(statement.order_by(AuditEvent.id.desc())
                                  .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
    actions = list(session.scalars(select(AuditEvent.action).distinct()
                                   .order_by(AuditEvent.action)))
    return AuditPage(events=events, total=total, pages=max(-(-total // PER_PAGE), 1),
                     broken=verify_chain(session), actions=actions)
