"""What the console's dashboard shows per company, and the overdue banner on every page.

The banner is asked on every page a signed-in person opens, so it is one statement: each
company with its latest Web Connector call, read from the index on
``(company_id, last_call_at)`` rather than from a scan of every run ever made.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qbwc_service.db.models import Company, Request, RequestStatus, WcRun, utcnow
from qbwc_service.services.companies_view import companies_by_name
from qbwc_service.services.log import blocked_count
from qbwc_service.services.reconciliation_view import LatestRun, latest_complete_run

__all__ = [
    "DashboardView",
    "DayOutcome",
    "Overdue",
    "daily_outcomes",
    "dashboard_view",
    "failures_today",
    "last_run",
    "overdue_companies",
    "queue_depth",
]

STATUSES = tuple(status.value for status in RequestStatus)
DEFAULT_EVERY_MINUTES = 15


@dataclass(frozen=True)
class Overdue:
    """A company whose Web Connector has not connected within twice its interval."""

    company_id: int
    company_name: str
    last_seen: datetime | None
    every_seconds: int


def overdue_companies(session: Session, now: datetime | None = None) -> list[Overdue]:
    """Companies whose Web Connector never connected, or not within twice the interval."""
    now = now or utcnow()
    latest_call = (select(func.max(WcRun.last_call_at))
                   .where(WcRun.company_id == Company.id)
                   .correlate(Company).scalar_subquery())
    rows = session.execute(
        select(Company.id, Company.name, Company.last_session_at, Company.every_seconds,
               Company.every_minutes, latest_call).order_by(Company.name))
    overdue: list[Overdue] = []
    for company_id, name, last_session_at, every_seconds, every_minutes, last_call in rows:
        seen = [moment for moment in (last_session_at, last_call) if moment]
        last_seen = max(seen) if seen else None
        every = every_seconds or (every_minutes or DEFAULT_EVERY_MINUTES) * 60
        if last_seen is None or now - last_seen > timedelta(seconds=2 * every):
            overdue.append(Overdue(company_id, name, last_seen, every))
    return overdue


def last_run(session: Session, company_id: int) -> WcRun | None:
    """The company's most recent Web Connector run."""
    return session.scalar(
        select(WcRun)
        .where(WcRun.company_id == company_id)
        .order_by(WcRun.created_at.desc())
        .limit(1)
    )


def queue_depth(session: Session, company_id: int) -> dict[str, int]:
    """Number of requests in each status, every status present (zero when none)."""
    depth = dict.fromkeys(STATUSES, 0)
    rows = session.execute(
        select(Request.status, func.count())
        .where(Request.company_id == company_id)
        .group_by(Request.status)
    )
    for status, count in rows:
        depth[str(status)] = int(count)
    return depth


def _finished_at() -> ColumnElement[Any]:
    return func.coalesce(Request.completed_at, Request.updated_at)


def failures_today(session: Session, company_id: int, now: datetime | None = None) -> int:
    """Requests of the company that ended failed since midnight UTC."""
    midnight = datetime.combine((now or utcnow()).astimezone(UTC).date(), time.min, tzinfo=UTC)
    return session.scalar(
        select(func.count())
        .select_from(Request)
        .where(Request.company_id == company_id, Request.status == RequestStatus.FAILED.value)
        .where(_finished_at() >= midnight)
    ) or 0


@dataclass(frozen=True)
class DayOutcome:
    day: date
    succeeded: int
    failed: int


def _utc_day(session: Session, column: ColumnElement[Any]) -> ColumnElement[Any]:
    if session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", column))
    # SQLite keeps UTC text 'YYYY-MM-DD HH:MM:SS…', so date() cuts the day off it.
    return func.date(column)


def daily_outcomes(
    session: Session, company_id: int, days: int = 30, today: date | None = None
) -> list[DayOutcome]:
    """Succeeded and failed requests per UTC day, oldest first, ``days`` days ending today."""
    last = today or utcnow().date()
    first = last - timedelta(days=days - 1)
    day = _utc_day(session, _finished_at())
    rows = session.execute(
        select(day, Request.status, func.count())
        .where(Request.company_id == company_id)
        .where(Request.status.in_([RequestStatus.SUCCEEDED.value, RequestStatus.FAILED.value]))
        .where(_finished_at() >= datetime.combine(first, time.min, tzinfo=UTC))
        .group_by(day, Request.status)
    )
    counts: dict[tuple[date, str], int] = {}
    for day_value, status, count in rows:
        counts[(date.fromisoformat(str(day_value)[:10]), str(status))] = int(count)
    return [
        DayOutcome(
            first + timedelta(days=offset),
            counts.get((first + timedelta(days=offset), RequestStatus.SUCCEEDED.value), 0),
            counts.get((first + timedelta(days=offset), RequestStatus.FAILED.value), 0),
        )
        for offset in range(days)
    ]


@dataclass(frozen=True)
class DashboardView:
    """One company's dashboard; ``company`` is None when no company is set up yet."""

    companies: list[Company]
    company: Company | None
    last_run: WcRun | None = None
    last_duration: timedelta | None = None
    depth: dict[str, int] | None = None
    failures_today: int = 0
    blocked: int = 0
    reconciliation: LatestRun | None = None
    days: list[DayOutcome] | None = None

    @property
    def totals(self) -> tuple[int, int]:
        """Succeeded and failed requests over the days shown."""
        days = self.days or []
        return sum(d.succeeded for d in days), sum(d.failed for d in days)


def dashboard_view(session: Session, company_id: int | None) -> DashboardView:
    """The dashboard of ``company_id``, or of the first company by name when it is unknown."""
    companies = companies_by_name(session)
    company = next((c for c in companies if c.id == company_id),
                   companies[0] if companies else None)
    if company is None:
        return DashboardView(companies=[], company=None)
    last = last_run(session, company.id)
    return DashboardView(
        companies=companies,
        company=company,
        last_run=last,
        last_duration=((last.closed_at or last.last_call_at) - last.created_at) if last else None,
        depth=queue_depth(session, company.id),
        failures_today=failures_today(session, company.id),
        blocked=blocked_count(session, company.id),
        reconciliation=latest_complete_run(session, company.id),
        days=daily_outcomes(session, company.id),
    )
