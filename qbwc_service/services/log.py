"""The request log as people read it: filters, blocked work, failures, operation names.

Read-only questions shared by the console's grid and the exports.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Select, String, cast, func, or_, select
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from qbwc_service.db.lookups import UnknownCompany, company_named
from qbwc_service.db.models import Attempt, Company, Request, RequestDependency, RequestStatus
from qbwc_service.qbxml.status import is_ok
from qbwc_service.services.companies_view import companies_by_name
from qbwc_service.services.exceptions import NotFound

__all__ = [
    "BLOCKED",
    "PER_PAGE_CHOICES",
    "SORT_COLUMNS",
    "STATUSES",
    "Failure",
    "LogFilter",
    "LogPage",
    "blocked_count",
    "blockers_of",
    "company_filter",
    "failures_of",
    "iter_log",
    "log_page",
    "matching_ids",
    "operation_label",
]

S = RequestStatus
BLOCKED = "blocked"  # not a stored status: queued, behind a failed, held or canceled request
_BLOCKING = (S.FAILED.value, S.HELD.value, S.CANCELED.value)
STATUSES = (*(status.value for status in RequestStatus), BLOCKED)
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
    "customer": Request.customer_name,
    "amount": Request.amount,
    "date": Request.document_date,
}
_OPERATION_NAMES = {
    "InvoiceAdd": "Invoice", "SalesReceiptAdd": "Sales receipt", "CreditMemoAdd": "Credit memo",
    "ReceivePaymentAdd": "Payment", "CustomerAdd": "New customer", "CustomerMod": "Customer change",
    "InventoryAdjustmentAdd": "Inventory adjustment", "SalesOrderAdd": "Sales order",
    "ItemInventoryAdd": "New inventory item", "ItemInventoryMod": "Inventory item change",
    "ItemNonInventoryAdd": "New non-inventory item", "ItemServiceAdd": "New service item",
    "ItemOtherChargeAdd": "New other-charge item", "ItemDiscountAdd": "New discount item",
    "ItemSalesTaxAdd": "New sales-tax item", "ItemGroupAdd": "New group item",
    "HostQuery": "QuickBooks version check", "CompanyQuery": "Company check",
}


def operation_label(operation: str) -> str:
    """"Invoice" for InvoiceAdd: the word a bookkeeper uses; queries read "… lookup"."""
    if operation in _OPERATION_NAMES:
        return _OPERATION_NAMES[operation]
    if operation.endswith("Query"):
        return f"{operation[:-len('Query')]} lookup"
    return operation


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


def _moment(value: str | None) -> datetime | None:
    try:
        moment = datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    return moment.replace(tzinfo=UTC) if moment and moment.tzinfo is None else moment


def _amount(value: str | None) -> Decimal | None:
    try:
        return Decimal(value.replace(",", "")).quantize(Decimal("0.01")) if value else None
    except (InvalidOperation, ValueError):
        return None


@dataclass(frozen=True)
class LogFilter:
    """The request log's filters, search, sort and page, as read from the query string."""

    company_id: int | None = None
    status: str | None = None
    operation: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    doc_from: date | None = None
    doc_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    q: str = ""
    magento_ref: str | None = None  # exactly this Magento reference
    since: datetime | None = None  # created at or after this moment (UTC)
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
            doc_from=_date(args.get("doc_from")),
            doc_to=_date(args.get("doc_to")),
            amount_min=_amount(args.get("min")),
            amount_max=_amount(args.get("max")),
            q=(args.get("q") or "").strip()[:200],
            magento_ref=(args.get("magento") or "").strip()[:64] or None,
            since=_moment(args.get("since")),
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
            "doc_from": target.doc_from.isoformat() if target.doc_from else None,
            "doc_to": target.doc_to.isoformat() if target.doc_to else None,
            "min": target.amount_min,
            "max": target.amount_max,
            "q": target.q,
            "magento": target.magento_ref,
            "since": target.since.isoformat() if target.since else None,
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
        Request.customer_name.ilike(pattern, escape="\\"),
        Request.status_message.ilike(pattern, escape="\\"),
        Request.explanation.ilike(pattern, escape="\\"),
        Request.hold_reason.ilike(pattern, escape="\\"),
        # The customer's name lives in the template context the request was rendered from.
        cast(Request.payload, String).ilike(pattern, escape="\\"),
    ]
    if term.isdigit():
        conditions.append(Request.id == int(term))
    return or_(*conditions)


def _blocked_ids() -> Select[tuple[int]]:
    """Ids of requests behind a failed, held or canceled request, directly or not."""
    dependency, blocker = RequestDependency, aliased(Request)
    behind = (
        select(dependency.request_id.label("id"))
        .join(blocker, blocker.id == dependency.depends_on_id)
        .where(blocker.status.in_(_BLOCKING))
        .cte("behind", recursive=True)
    )
    further = select(dependency.request_id).join(behind, dependency.depends_on_id == behind.c.id)
    # UNION (not UNION ALL) also ends the walk on a dependency cycle.
    walk = behind.union(further)
    return select(walk.c.id)


def _blocked() -> ColumnElement[bool]:
    return (Request.status == S.QUEUED.value) & Request.id.in_(_blocked_ids())


def _filtered(log_filter: LogFilter) -> Select[Request, str]:
    statement = select(Request, Company.name).join(Company, Company.id == Request.company_id)
    if log_filter.company_id is not None:
        statement = statement.where(Request.company_id == log_filter.company_id)
    if log_filter.status == BLOCKED:
        statement = statement.where(_blocked())
    elif log_filter.status:
        statement = statement.where(Request.status == log_filter.status)
    if log_filter.operation:
        statement = statement.where(Request.operation == log_filter.operation)
    if log_filter.date_from:
        start = datetime.combine(log_filter.date_from, time.min, tzinfo=UTC)
        statement = statement.where(Request.created_at >= start)
    if log_filter.date_to:
        end = datetime.combine(log_filter.date_to + timedelta(days=1), time.min, tzinfo=UTC)
        statement = statement.where(Request.created_at < end)
    if log_filter.doc_from:
        statement = statement.where(Request.document_date >= log_filter.doc_from)
    if log_filter.doc_to:
        statement = statement.where(Request.document_date <= log_filter.doc_to)
    if log_filter.amount_min is not None:
        statement = statement.where(Request.amount >= log_filter.amount_min)
    if log_filter.amount_max is not None:
        statement = statement.where(Request.amount <= log_filter.amount_max)
    if log_filter.q:
        statement = statement.where(_search(log_filter.q))
    if log_filter.magento_ref:
        statement = statement.where(Request.magento_ref == log_filter.magento_ref)
    if log_filter.since:
        statement = statement.where(Request.created_at >= log_filter.since)
    return statement


def _ordered(statement: Select[Request, str], log_filter: LogFilter
             ) -> Select[Request, str]:
    column = SORT_COLUMNS[log_filter.sort]
    primary = column.asc() if log_filter.direction == "asc" else column.desc()
    return statement.order_by(primary, Request.id.desc())


@dataclass(frozen=True)
class LogPage:
    """One page of the log, with what the grid shows beside its rows."""

    rows: list[tuple[Request, str]]
    total: int
    page: int
    pages: int
    operations: list[str] = field(default_factory=list)
    companies: list[Company] = field(default_factory=list)  # the filter's choices
    failures: dict[int, Failure] = field(default_factory=dict)
    blockers: dict[int, int] = field(default_factory=dict)


def log_page(session: Session, log_filter: LogFilter) -> LogPage:
    """One page of the filtered, sorted request log and the total behind it."""
    statement = _filtered(log_filter)
    total = session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    pages = max((total + log_filter.per_page - 1) // log_filter.per_page, 1)
    page = min(log_filter.page, pages)
    rows = [(row[0], row[1]) for row in session.execute(
        _ordered(statement, log_filter)
        .limit(log_filter.per_page)
        .offset((page - 1) * log_filter.per_page)
    )]
    operations = list(session.scalars(select(Request.operation).distinct().order_by(Request.operation)))
    companies = companies_by_name(session)
    requests = [request for request, _ in rows]
    return LogPage(rows, total, page, pages, operations, companies,
                   failures_of(session, requests), blockers_of(session, requests))


def matching_ids(session: Session, log_filter: LogFilter, limit: int) -> list[int]:
    """Ids of every request the filter matches ("select all N"), at most ``limit``."""
    statement = _filtered(log_filter).with_only_columns(Request.id).order_by(Request.id)
    return list(session.scalars(statement.limit(limit)))


def iter_log(session: Session, log_filter: LogFilter, *, limit: int | None = None
             ) -> Iterator[tuple[Request, str]]:
    """Every row of the filtered log in the chosen order (at most ``limit``), fetched in
    chunks (exports, the command line)."""
    statement = _ordered(_filtered(log_filter), log_filter)
    if limit:
        statement = statement.limit(limit)
    statement = statement.execution_options(yield_per=500)
    for row in session.execute(statement):
        yield row[0], row[1]


def company_filter(session: Session, company: str | None) -> int | None:
    """The company id a typed name (or id) filters on; None for every company."""
    if not company:
        return None
    try:
        return company_named(session, company, or_id=True).id
    except UnknownCompany as exc:
        raise NotFound(str(exc)) from None


def blocked_count(session: Session, company_id: int) -> int:
    """Queued requests of the company that wait behind a failed, held or canceled one."""
    return session.scalar(
        select(func.count()).select_from(Request)
        .where(Request.company_id == company_id).where(_blocked())
    ) or 0


def blockers_of(session: Session, requests: Sequence[Request]) -> dict[int, int]:
    """For each queued request of ``requests`` that is blocked: the request holding it back
    (the nearest failed, held or canceled one up its dependencies)."""
    # request to walk up from -> the queued requests of the page it answers for
    pending: dict[int, set[int]] = {r.id: {r.id} for r in requests if r.status == S.QUEUED.value}
    found: dict[int, int] = {}
    seen: set[int] = set(pending)
    while pending:
        rows = session.execute(
            select(RequestDependency.request_id, Request.id, Request.status)
            .join(Request, Request.id == RequestDependency.depends_on_id)
            .where(RequestDependency.request_id.in_(list(pending)))
            .order_by(Request.id)
        ).all()
        following: dict[int, set[int]] = {}
        for dependent_id, dependency_id, status in rows:
            origins = {o for o in pending[dependent_id] if o not in found}
            if status in _BLOCKING:
                found.update(dict.fromkeys(origins, dependency_id))
            elif status != S.SUCCEEDED.value and dependency_id not in seen:
                following.setdefault(dependency_id, set()).update(origins)
        seen.update(following)
        pending = {key: {o for o in origins if o not in found}
                   for key, origins in following.items()}
        pending = {key: origins for key, origins in pending.items() if origins}
    return found


@dataclass(frozen=True)
class Failure:
    """What a failed request failed with: the code and QuickBooks' words, or our own."""

    code: int | None
    message: str
    quickbooks_said: str | None = None  # the refusal's own words, when not the last status


def failures_of(session: Session, requests: Sequence[Request]) -> dict[int, Failure]:
    """The failure behind each failed request of ``requests``.

    A request can fail after a look-up that itself succeeded (a name in use by a record
    that is not ours): its last status is then "0 Status OK", so the code shown is that of
    the last attempt QuickBooks refused, and the message our explanation.
    """
    failed = [r for r in requests if r.status == S.FAILED.value]
    ok_coded = [r.id for r in failed if r.status_code is not None and is_ok(r.status_code)]
    refused: dict[int, tuple[int, str | None]] = {}
    if ok_coded:
        rows = session.execute(
            select(Attempt.request_id, Attempt.status_code, Attempt.status_message)
            .where(Attempt.request_id.in_(ok_coded), Attempt.status_code >= 1000)
            .order_by(Attempt.request_id, Attempt.sent_at, Attempt.id)
        )
        for request_id, code, said in rows:
            if code is not None:
                refused[int(request_id)] = (int(code), said)
    failures: dict[int, Failure] = {}
    for request in failed:
        if request.id in ok_coded:
            code, said = refused.get(request.id, (None, None))
            failures[request.id] = Failure(
                code, request.explanation or request.status_message or "", said)
        else:
            failures[request.id] = Failure(
                request.status_code, request.status_message or request.explanation or "")
    return failures
