"""What the console shows of stored reconciliation runs, and their CSV and XLSX exports.

Everything here reads stored lines: a month of 50,000 requests is a few dozen day rows
and one page of findings, whatever the size of the period.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbwc_service.context import AppContext
from qbwc_service.db.models import Company
from qbwc_service.db.reconciliation import (
    LineKind,
    ReconciliationLine,
    ReconciliationRun,
    RunStatus,
)
from qbwc_service.reconcile.compare import MAGENTO_MEASURES, QUICKBOOKS_MEASURES
from qbwc_service.reconcile.runs import list_runs
from qbwc_service.services import spreadsheet
from qbwc_service.services.reconciliation import finish_company_runs

__all__ = ["FINDINGS_SHOWN", "ConsoleView", "DayRow", "LatestRun", "console_view", "export_csv",
           "export_xlsx", "latest_complete_run", "run_label"]

FINDINGS_SHOWN = 200
ANOMALIES_ON_DASHBOARD = 5
_ZERO = Decimal("0.00")


@dataclass
class LatestRun:
    """The dashboard's view of reconciliation: the newest complete run and its flags."""

    run: ReconciliationRun
    anomalies: list[ReconciliationLine]


def latest_complete_run(session: Session, company_id: int) -> LatestRun | None:
    """The most recent complete run of the company, with its first anomaly flags."""
    run = session.scalars(select(ReconciliationRun).where(
        ReconciliationRun.company_id == company_id,
        ReconciliationRun.status == RunStatus.COMPLETE.value)
        .order_by(ReconciliationRun.date_to.desc(), ReconciliationRun.id.desc())).first()
    if run is None:
        return None
    anomalies = list(session.scalars(select(ReconciliationLine).where(
        ReconciliationLine.run_id == run.id, ReconciliationLine.kind == LineKind.ANOMALY.value)
        .order_by(ReconciliationLine.day, ReconciliationLine.id).limit(ANOMALIES_ON_DASHBOARD)))
    return LatestRun(run, anomalies)


def run_label(run: ReconciliationRun) -> str:
    """The run's status in a bookkeeper's words."""
    if run.status == RunStatus.WAITING.value:
        return "waiting for the Web Connector"
    if run.status == RunStatus.ANSWERED.value:
        return "answered, being compared"
    if run.status == RunStatus.FAILED.value:
        return "failed"
    if run.variance_count:
        return f"{run.variance_count} variance{'s' if run.variance_count != 1 else ''}"
    return "complete, no variances"


@dataclass(frozen=True)
class DayRow:
    day: date
    magento: dict[str, Decimal]
    quickbooks: dict[str, Decimal]
    documents: int
    variances: int

    @property
    def balanced(self) -> bool:
        return self.variances == 0 and all(self.magento[key] == self.quickbooks[key]
                                           for key in QUICKBOOKS_MEASURES)


@dataclass
class ConsoleView:
    companies: list[Company]
    company: Company | None
    runs: list[ReconciliationRun] = field(default_factory=list)
    run: ReconciliationRun | None = None
    days: list[DayRow] = field(default_factory=list)
    totals: DayRow | None = None
    findings: list[ReconciliationLine] = field(default_factory=list)
    findings_total: int = 0
    anomalies: list[ReconciliationLine] = field(default_factory=list)
    accounts: list[ReconciliationLine] = field(default_factory=list)
    chosen_day: date | None = None
    day_documents: list[ReconciliationLine] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        """Only a complete run with nothing unposted and no variance may say so."""
        run = self.run
        return (run is not None and run.status == RunStatus.COMPLETE.value
                and run.variance_count == 0 and run.not_posted_count == 0)


def _day_rows(session: Session, run_id: int) -> list[DayRow]:
    rows = []
    for line in session.scalars(select(ReconciliationLine).where(
            ReconciliationLine.run_id == run_id, ReconciliationLine.kind == LineKind.DAY.value)
            .order_by(ReconciliationLine.day)):
        data = line.data or {}
        rows.append(DayRow(
            line.day or date.min,
            {k: Decimal(data.get("magento", {}).get(k, "0")) for k in MAGENTO_MEASURES},
            {k: Decimal(data.get("quickbooks", {}).get(k, "0")) for k in QUICKBOOKS_MEASURES},
            int(data.get("documents", 0)), int(data.get("variances", 0))))
    return rows


def _totals(days: list[DayRow]) -> DayRow | None:
    if not days:
        return None
    return DayRow(date.max, {k: sum((d.magento[k] for d in days), _ZERO) for k in MAGENTO_MEASURES},
                  {k: sum((d.quickbooks[k] for d in days), _ZERO) for k in QUICKBOOKS_MEASURES},
                  sum(d.documents for d in days), sum(d.variances for d in days))


def _default_run(runs: list[ReconciliationRun]) -> ReconciliationRun | None:
    """The most recent period that has documents, else the most recent run."""
    dated = sorted(runs, key=lambda run: (run.date_to, run.id), reverse=True)
    return next((run for run in dated if run.document_count), dated[0] if dated else None)


def console_view(ctx: AppContext, company_id: int | None, run_id: int | None,
                 day: date | None) -> ConsoleView:
    with ctx.db.session() as session:
        companies = list(session.scalars(select(Company).order_by(Company.name)))
        company = next((c for c in companies if c.id == company_id),
                       companies[0] if companies else None)
        view = ConsoleView(companies, company)
        if company is None:
            return view
        finish_company_runs(ctx, session, company)
        view.runs = list_runs(session, company.id)
        view.run = next((r for r in view.runs if r.id == run_id), None) if run_id else None
        if view.run is None and run_id:
            candidate = session.get(ReconciliationRun, run_id)
            view.run = candidate if candidate and candidate.company_id == company.id else None
        view.run = view.run or _default_run(view.runs)
        if view.run is None:
            return view
        run = view.run
        view.days = _day_rows(session, run.id)
        view.totals = _totals(view.days)
        finding_kinds = (LineKind.VARIANCE.value, LineKind.REPORTED.value)
        base = select(ReconciliationLine).where(ReconciliationLine.run_id == run.id,
                                                ReconciliationLine.kind.in_(finding_kinds))
        view.findings_total = int(session.scalar(base.with_only_columns(
            func.count(ReconciliationLine.id))) or 0)
        view.findings = list(session.scalars(base.order_by(
            ReconciliationLine.kind.desc(), ReconciliationLine.day, ReconciliationLine.id)
            .limit(FINDINGS_SHOWN)))
        view.anomalies = list(session.scalars(select(ReconciliationLine).where(
            ReconciliationLine.run_id == run.id,
            ReconciliationLine.kind == LineKind.ANOMALY.value)
            .order_by(ReconciliationLine.day).limit(FINDINGS_SHOWN)))
        view.accounts = list(session.scalars(select(ReconciliationLine).where(
            ReconciliationLine.run_id == run.id,
            ReconciliationLine.kind == LineKind.ACCOUNT.value)
            .order_by(ReconciliationLine.qb_type, ReconciliationLine.account)))
        if day is not None and run.date_from <= day <= run.date_to:
            view.chosen_day = day
            view.day_documents = list(session.scalars(select(ReconciliationLine).where(
                ReconciliationLine.run_id == run.id, ReconciliationLine.day == day,
                ReconciliationLine.kind.in_((LineKind.MAGENTO.value, *finding_kinds)))
                .order_by(ReconciliationLine.kind, ReconciliationLine.magento_ref)))
        session.expunge_all()
        return view


_HEADER = ("section", "day", "reason", "magento_ref", "quickbooks_ref", "account",
           "magento_amount", "quickbooks_amount", "detail")


def _export_rows(ctx: AppContext, run_id: int) -> tuple[ReconciliationRun | None, list[list[Any]]]:
    with ctx.db.session() as session:
        run = session.get(ReconciliationRun, run_id)
        if run is None:
            return None, []
        rows: list[list[Any]] = []
        for day in _day_rows(session, run.id):
            for measure in QUICKBOOKS_MEASURES:
                rows.append(["day", day.day.isoformat(), measure, "", "", "",
                             day.magento[measure], day.quickbooks[measure], ""])
        for line in session.scalars(select(ReconciliationLine).where(
                ReconciliationLine.run_id == run.id,
                ReconciliationLine.kind.in_((LineKind.VARIANCE.value, LineKind.REPORTED.value,
                                             LineKind.ANOMALY.value)))
                .order_by(ReconciliationLine.kind, ReconciliationLine.day, ReconciliationLine.id)):
            rows.append([line.kind, line.day.isoformat() if line.day else "", line.reason or "",
                         line.magento_ref or "", line.qb_ref or "", line.account or "",
                         line.magento_amount, line.quickbooks_amount, line.detail or ""])
        session.expunge(run)
        return run, rows


def export_csv(ctx: AppContext, run_id: int) -> str | None:
    run, rows = _export_rows(ctx, run_id)
    if run is None:
        return None
    return "".join(spreadsheet.csv_chunks(_HEADER, rows))


def export_xlsx(ctx: AppContext, run_id: int) -> bytes | None:
    run, rows = _export_rows(ctx, run_id)
    if run is None:
        return None
    out = io.BytesIO()
    spreadsheet.write_xlsx(_HEADER, rows, out, title=f"run {run.id}")
    return out.getvalue()
