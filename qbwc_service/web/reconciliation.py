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

__all__ = ["MEASURES", "DayRow", "blueprint"]

log = logging.getLogger(__name__)
blueprint = Blueprint("reconciliation", __name__)

MAX_RANGE_DAYS = 92


@dataclass(frozen=True)
class DayRow:
    """One day: each measure as Magento has it and as QuickBooks recorded it."""

    day: date
    magento: dict[str, Decimal]
    quickbooks: dict[str, Decimal]

    @property
    def balanced(self) -> bool:
        return all(self.magento[key] == self.quickbooks[key] for key in MEASURES)


# Measures both sides report; Magento's breakdown of sales, tax, shipping and discounts
# is shown beside them.
MEASURES = ("invoiced", "refunds", "payments")


def _report(db_session: Session, company: Company, date_from: date, date_to: date
            ) -> tuple[list[DayRow], list[Any], str | None]:
    """The report from the company's Magento store, or a plain reason why there is none."""
    from qbwc_service.sync.config import magento_client_for
    from qbwc_service.sync.exceptions import SyncError
    from qbwc_service.sync.reconcile import reconcile_from_magento

    settings = app_context().settings
    try:
        client = magento_client_for(settings, company.name)
    except SyncError:
        return [], [], (f"Reconciliation reads the Magento store: add a [companies.\"{company.name}\""
                        ".magento] table to the config file.")
    try:
        report = reconcile_from_magento(db_session, settings, company, date_from, date_to,
                                        client=client)
    except Exception:
        log.exception("reconciliation failed for company %s", company.id)
        return [], [], ("The Magento store could not be read for this period; the error was "
                        "logged. Try again, or run `qbwc-service reconcile` for details.")
    days = [DayRow(day.day, day.magento, day.quickbooks) for day in report.days]
    return days, list(report.variances), None


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
    chosen_day = _date_arg("day", today) if request.args.get("day") else None
    with app_context().db.session() as db_session:
        companies = list(db_session.scalars(select(Company).order_by(Company.name)))
        wanted = request.args.get("company", type=int)
        company = next((c for c in companies if c.id == wanted), companies[0] if companies else None)
        days: list[DayRow] = []
        variances: list[Any] = []
        unavailable = None
        documents: list[Mapping] = []
        if company is not None:
            days, variances, unavailable = _report(db_session, company, date_from, date_to)
            if chosen_day is not None:
                documents = list(db_session.scalars(
                    select(Mapping)
                    .where(Mapping.company_id == company.id, Mapping.txn_date == chosen_day)
                    .order_by(Mapping.entity_type, Mapping.magento_ref)
                ))
        return render_template(
            "reconciliation.html", companies=companies, company=company, date_from=date_from,
            date_to=date_to, days=days, variances=variances, unavailable=unavailable,
            chosen_day=chosen_day, documents=documents, measures=MEASURES,
        )
