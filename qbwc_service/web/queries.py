"""Read-only questions the dashboard asks the database: last run, queue depth, daily outcomes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qbwc_service.db.models import Company, Request, RequestStatus, WcRun, utcnow

__all__ = [
    "DayOutcome",
    "Overdue",
    "daily_outcomes",
    "failures_today",
    "last_session",
    "overdue_companies",
    "queue_depth",
]

STATUSES = tuple(status.value for status in RequestStatus)

@dataclass(frozen=True)
class Overdue:
    """A company whose Web Connector has not connected within twice its interval."""

    company_id: int
    company_name: str
    last_seen: datetime | None
    every_seconds: int


def _every_seconds(company: Company) -> int:
    return company.every_seconds or (company.every_minutes or 15) * 60


def overdue_companies(session: Session, now: datetime | None = None) -> list[Overdue]:
    """Companies whose Web Connector never connected, or not within twice the interval."""
    now = now or utcnow()
    latest = dict(session.execute(
        select(WcRun.company_id, func.max(WcRun.last_call_at)).group_by(WcRun.company_id)
    ).all())
    overdue: list[Overdue] = []
    for company in session.scalars(select(Company).order_by(Company.name)):
        seen = [moment for moment in (company.last_session_at, latest.get(company.id)) if moment]
        last_seen = max(seen) if seen else None
        every = _every_seconds(company)
        if last_seen is None or now - last_seen > timedelta(seconds=2 * every):
            overdue.append(Overdue(company.id, company.name, last_seen, every))
    return overdue


def last_session(session: Session, company_id: int) -> WcRun | None:
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
