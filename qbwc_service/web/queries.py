"""Read-only questions the console asks the database: the filtered log, queue depth, daily outcomes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qbwc_service.db.models import Attempt, Company, Request, RequestStatus, WcSession, utcnow
from qbwc_service.qbxml.status import is_ok

__all__ = [
    "PER_PAGE_CHOICES",
    "SORT_COLUMNS",
    "DayOutcome",
    "Failure",
    "LogFilter",
    "LogPage",
    "daily_outcomes",
    "failures_of",
    "failures_today",
    "iter_log",
    "last_session",
    "log_page",
    "queue_depth",
]

PER_PAGE_CHOICES = (25, 50, 100, 200)
SORT_COLUMNS: dict[str, Any] = {
    "id": Request.id,
    "created": Request.created_at,
    "updated": Request.updated_at,
    "company": Company.name,
    "operation": Request.operation,
    "status": Request.status,
    "magento": Request.magento_ref,
    "code": Request.status_code,
}
STATUSES = tuple(status.value for status in RequestStatus)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _date(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class LogFilter:
    """The request log's filters, search, sort and page, as read from the query string."""

    company_id: int | None = None
    status: str | None = None
    operation: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    q: str = ""
    sort: str = "id"
    direction: str = "desc"
    page: int = 1
    per_page: int = 50

    @classmethod
    def from_args(cls, args: Mapping[str, str]) -> LogFilter:
        status = args.get("status") or None
        sort = args.get("sort", "id")
        per_page = _int(args.get("per_page")) or 50
        return cls(
            company_id=_int(args.get("company")),
            status=status if status in STATUSES else None,
            operation=(args.get("operation") or "").strip()[:64] or None,
            date_from=_date(args.get("from")),
            date_to=_date(args.get("to")),
            q=(args.get("q") or "").strip()[:200],
            sort=sort if sort in SORT_COLUMNS else "id",
            direction="asc" if args.get("dir") == "asc" else "desc",
            page=max(_int(args.get("page")) or 1, 1),
            per_page=per_page if per_page in PER_PAGE_CHOICES else 50,
        )

    def to_args(self, **changes: Any) -> dict[str, str]:
        """Query-string values that reproduce this filter, with ``changes`` applied."""
        target = replace(self, **changes)
        values = {
            "company": target.company_id,
            "status": target.status,
            "operation": target.operation,
            "from": target.date_from.isoformat() if target.date_from else None,
            "to": target.date_to.isoformat() if target.date_to else None,
            "q": target.q,
            "sort": target.sort if target.sort != "id" else None,
            "dir": target.direction if target.direction != "desc" else None,
            "page": target.page if target.page != 1 else None,
            "per_page": target.per_page if target.per_page != 50 else None,
        }
        return {key: str(value) for key, value in values.items() if value not in (None, "")}


def _like(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _search(term: str) -> ColumnElement[bool]:
    pattern = _like(term)
    conditions: list[ColumnElement[bool]] = [
        Request.magento_ref.ilike(pattern, escape="\\"),
        Request.magento_id == term,
        Request.qb_id.ilike(pattern, escape="\\"),
        Request.qb_ref.ilike(pattern, escape="\\"),
        Request.status_message.ilike(pattern, escape="\\"),
        Request.explanation.ilike(pattern, escape="\\"),
        Request.hold_reason.ilike(pattern, escape="\\"),
        # The customer's name lives in the template context the request was rendered from.
        cast(Request.payload, String).ilike(pattern, escape="\\"),
    ]
    if term.isdigit():
        conditions.append(Request.id == int(term))
    return or_(*conditions)


def _filtered(log_filter: LogFilter) -> Select[Request, str]:
    statement = select(Request, Company.name).join(Company, Company.id == Request.company_id)
    if log_filter.company_id is not None:
        statement = statement.where(Request.company_id == log_filter.company_id)
    if log_filter.status:
        statement = statement.where(Request.status == log_filter.status)
    if log_filter.operation:
        statement = statement.where(Request.operation == log_filter.operation)
    if log_filter.date_from:
        start = datetime.combine(log_filter.date_from, time.min, tzinfo=UTC)
        statement = statement.where(Request.created_at >= start)
    if log_filter.date_to:
        end = datetime.combine(log_filter.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        statement = statement.where(Request.created_at < end)
    if log_filter.q:
        statement = statement.where(_search(log_filter.q))
    return statement


def _ordered(statement: Select[Request, str], log_filter: LogFilter) -> Select[Request, str]:
    column = SORT_COLUMNS[log_filter.sort]
    primary = column.asc() if log_filter.direction == "asc" else column.desc()
    return statement.order_by(primary, Request.id.desc())


@dataclass(frozen=True)
class LogPage:
    rows: list[tuple[Request, str]]
    total: int
    page: int
    pages: int
    operations: list[str] = field(default_factory=list)


def log_page(session: Session, log_filter: LogFilter) -> LogPage:
    """One page of the filtered, sorted request log and the total behind it."""
    statement = _filtered(log_filter)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + log_filter.per_page - 1) // log_filter.per_page, 1)
    page = min(log_filter.page, pages)
    rows = session.execute(
        _ordered(statement, log_filter)
        .limit(log_filter.per_page)
        .offset((page - 1) * log_filter.per_page)
    ).all()
    operations = list(session.scalars(select(Request.operation).distinct().order_by(Request.operation)))
    return LogPage([(row[0], row[1]) for row in rows], total, page, pages, operations)


def iter_log(session: Session, log_filter: LogFilter) -> Iterator[tuple[Request, str]]:
    """Every row of the filtered log in the chosen order, fetched in chunks (CSV export)."""
    statement = _ordered(_filtered(log_filter), log_filter).execution_options(yield_per=500)
    for row in session.execute(statement):
        yield row[0], row[1]


@dataclass(frozen=True)
class Failure:
    """What a failed request failed with: the code and QuickBooks' words, or our own."""

    code: int | None
    message: str


def failures_of(session: Session, requests: list[Request]) -> dict[int, Failure]:
    """The failure behind each failed request of ``requests``.

    A request can fail after a look-up that itself succeeded (a name in use by a record
    that is not ours): its last status is then "0 Status OK", so the code shown is that of
    the last attempt QuickBooks refused, and the message our explanation.
    """
    failed = [r for r in requests if r.status == RequestStatus.FAILED.value]
    ok_coded = [r.id for r in failed if r.status_code is not None and is_ok(r.status_code)]
    refused: dict[int, int] = {}
    if ok_coded:
        rows = session.execute(
            select(Attempt.request_id, Attempt.status_code)
            .where(Attempt.request_id.in_(ok_coded), Attempt.status_code >= 1000)
            .order_by(Attempt.request_id, Attempt.sent_at, Attempt.id)
        )
        for request_id, code in rows:
            if code is not None:
                refused[int(request_id)] = int(code)
    failures: dict[int, Failure] = {}
    for request in failed:
        if request.id in ok_coded:
            code = refused.get(request.id)
            message = request.explanation or request.status_message or ""
        else:
            code = request.status_code
            message = request.status_message or request.explanation or ""
        failures[request.id] = Failure(code, message)
    return failures


def last_session(session: Session, company_id: int) -> WcSession | None:
    return session.scalar(
        select(WcSession)
        .where(WcSession.company_id == company_id)
        .order_by(WcSession.created_at.desc())
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
