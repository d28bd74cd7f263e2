"""Reconciliation: Magento totals against what reached QuickBooks, per day, with drill-down.

The report itself comes from the sync package; this page only shows it, and says so
plainly when that part is not installed or cannot answer.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, Mapping, utcnow
from qbwc_service.web.common import app_context

__all__ = ["DayRow", "VarianceRow", "blueprint"]

log = logging.getLogger(__name__)
blueprint = Blueprint("reconciliation", __name__)

MAX_RANGE_DAYS = 92


@dataclass(frozen=True)
class DayRow:
    day: date | None
    magento_total: Any
    quickbooks_total: Any
    difference: Any


@dataclass(frozen=True)
class VarianceRow:
    day: date | None
    document: str
    reason: str
    amount: Any


def _first(source: Any, *names: str) -> Any:
    for name in names:
        value = source.get(name) if isinstance(source, dict) else getattr(source, name, None)
        if value is not None:
            return value
    return None


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _day_row(source: Any) -> DayRow:
    magento = _first(source, "magento_total", "magento")
    quickbooks = _first(source, "quickbooks_total", "qb_total", "quickbooks")
    difference = _first(source, "difference", "variance")
    if difference is None and isinstance(magento, (int, Decimal)) and isinstance(quickbooks, (int, Decimal)):
        difference = magento - quickbooks
    return DayRow(_as_date(_first(source, "day", "date")), magento, quickbooks, difference)


def _variance_row(source: Any) -> VarianceRow:
    return VarianceRow(
        _as_date(_first(source, "day", "date", "txn_date")),
        str(_first(source, "document", "magento_ref", "reference") or ""),
        str(_first(source, "reason", "explanation") or ""),
        _first(source, "amount", "difference"),
    )


def _report(db_session: Session, company: Company, date_from: date, date_to: date
            ) -> tuple[list[DayRow], list[VarianceRow], str | None]:
    try:
        from qbwc_service.sync.reconcile import reconcile
    except ImportError:
        return [], [], "Reconciliation is not available in this installation."
    try:
        report = reconcile(db_session, company, date_from, date_to)
    except Exception:
        log.exception("reconciliation failed for company %s", company.id)
        return [], [], "The reconciliation report could not be produced; the error was logged."
    days = [_day_row(day) for day in _first(report, "days") or []]
    variances = [_variance_row(variance) for variance in _first(report, "variances") or []]
    return days, variances, None


def _date_arg(name: str, default: date) -> date:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return default


@blueprint.route("/reconciliation")
def reconciliation() -> str:
    today = utcnow().date()
    date_to = _date_arg("to", today)
    date_from = _date_arg("from", date_to - timedelta(days=6))
    if date_from > date_to:
        date_from, date_to = date_to, date_from
    date_from = max(date_from, date_to - timedelta(days=MAX_RANGE_DAYS))
    chosen_day = _as_date(request.args.get("day"))
    with app_context().db.session() as db_session:
        companies = list(db_session.scalars(select(Company).order_by(Company.name)))
        wanted = request.args.get("company", type=int)
        company = next((c for c in companies if c.id == wanted), companies[0] if companies else None)
        days: list[DayRow] = []
        variances: list[VarianceRow] = []
        unavailable = None
        documents: list[Mapping] = []
        if company is not None:
            days, variances, unavailable = _report(db_session, company, date_from, date_to)
            if chosen_day is not None:
                variances = [v for v in variances if v.day in (None, chosen_day)]
                documents = list(db_session.scalars(
                    select(Mapping)
                    .where(Mapping.company_id == company.id, Mapping.txn_date == chosen_day)
                    .order_by(Mapping.entity_type, Mapping.magento_ref)
                ))
        return render_template(
            "reconciliation.html", companies=companies, company=company, date_from=date_from,
            date_to=date_to, days=days, variances=variances, unavailable=unavailable,
            chosen_day=chosen_day, documents=documents,
        )
