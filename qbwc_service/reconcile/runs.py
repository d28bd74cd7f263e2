"""Runs: start one (Magento snapshot + read-back queries), finish it, read it back.

``start_run`` stores Magento's side and queues the queries; the Web Connector brings the
answers (``handlers.reconciliation`` stores them); ``finish_answered`` compares and stores
the findings once every answer is in. Readers only read stored lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, Mapping, Request
from qbwc_service.db.reconciliation import (
    LineKind,
    ReconciliationLine,
    ReconciliationRun,
    RunStatus,
)
from qbwc_service.reconcile.anomalies import AnomalyLimits, flag_anomalies
from qbwc_service.reconcile.compare import Comparison, Finding, compare
from qbwc_service.reconcile.exceptions import PeriodError
from qbwc_service.reconcile.lifecycle import lock_run, move_run
from qbwc_service.reconcile.readback import TXN_TYPES, plan_queries, queue_readback
from qbwc_service.reconcile.snapshot import MagentoDoc, Posting, QbTxn
from qbwc_service.reconcile.stock import StockExpectation, compare_quantities

__all__ = ["MAX_PERIOD_DAYS", "check_period", "closed_month", "finding_dict", "finish_answered",
           "latest_run", "list_runs", "postings_for", "previous_day", "start_run"]

MAX_PERIOD_DAYS = 366
_CHUNK = 500
_RESULT_KINDS = (LineKind.VARIANCE.value, LineKind.REPORTED.value, LineKind.ANOMALY.value,
                 LineKind.DAY.value)


def check_period(date_from: date, date_to: date) -> None:
    if date_from > date_to:
        raise PeriodError(f"--from {date_from} is after --to {date_to}", option="--from")
    if (date_to - date_from).days >= MAX_PERIOD_DAYS:
        raise PeriodError(f"a period of at most {MAX_PERIOD_DAYS} days, please", option="--to")


def start_run(session: Session, company: Company, date_from: date, date_to: date,
              docs: Iterable[MagentoDoc], *, kind: str = "manual",
              schedule_key: str | None = None, started_by: str = "system",
              currency: str | None = None, accounts: Sequence[str] = (),
              txn_types: Sequence[str] = TXN_TYPES, deleted: bool = True,
              stock: Iterable[StockExpectation] | None = None
              ) -> tuple[ReconciliationRun, bool]:
    """A new run with its Magento snapshot and queued queries: (run, created).

    A scheduled run (``schedule_key``) exists once: asking again returns the first one.
    ``stock`` (None: quantities are not compared) is Magento's side of the quantities.
    """
    check_period(date_from, date_to)
    if schedule_key is not None:
        existing = _scheduled(session, company.id, schedule_key)
        if existing is not None:
            return existing, False
    run = ReconciliationRun(company_id=company.id, kind=kind, schedule_key=schedule_key,
                            date_from=date_from, date_to=date_to, currency=currency,
                            started_by=started_by, status=RunStatus.WAITING.value, history=[])
    try:
        with session.begin_nested():
            session.add(run)
            session.flush()
    except IntegrityError:
        # Another process created the same scheduled run between our look-up and insert.
        existing = _scheduled(session, company.id, schedule_key or "")
        if existing is None:
            raise
        return existing, False
    rows = [_line_row(doc.to_line(run.id)) for doc in docs]
    document_count = len(rows)
    rows += [_line_row(item.to_line(run.id)) for item in stock or ()]
    for start in range(0, len(rows), _CHUNK):
        session.execute(insert(ReconciliationLine), rows[start:start + _CHUNK])
    run.document_count = document_count
    queue_readback(session, run, plan_queries(company, date_from, date_to, accounts=accounts,
                                              txn_types=txn_types, deleted=deleted,
                                              quantities=stock is not None))
    session.flush()
    return run, True


def _line_row(line: ReconciliationLine) -> dict[str, Any]:
    return {column: getattr(line, column) for column in
            ("run_id", "kind", "day", "reason", "qb_type", "qb_id", "qb_ref", "magento_ref",
             "account", "magento_amount", "quickbooks_amount", "detail", "data")}


def _scheduled(session: Session, company_id: int, key: str) -> ReconciliationRun | None:
    return session.scalars(select(ReconciliationRun).where(
        ReconciliationRun.company_id == company_id,
        ReconciliationRun.schedule_key == key)).first()


def _chunks(values: Sequence[str]) -> Iterable[Sequence[str]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


def postings_for(session: Session, company_id: int, docs: Sequence[MagentoDoc]
                 ) -> dict[tuple[str, str], Posting]:
    """What the service knows of each document's invoice/credit memo and payment."""
    ids = sorted({doc.magento_id for doc in docs})
    mappings: dict[tuple[str, str], Any] = {}
    requests: dict[tuple[str, str], Any] = {}
    kinds = ("invoice", "creditmemo", "payment")
    for chunk in _chunks(ids):
        for row in session.execute(select(
                Mapping.entity_type, Mapping.magento_id, Mapping.qb_id, Mapping.qb_type,
                Mapping.qb_name, Mapping.amount, Mapping.txn_date).where(
                Mapping.company_id == company_id, Mapping.magento_id.in_(chunk),
                Mapping.entity_type.in_(kinds))):
            mappings[(row.entity_type, row.magento_id)] = row
        keys = [f"{kind}:{magento_id}" for magento_id in chunk for kind in kinds]
        for queued in session.execute(select(
                Request.idempotency_key, Request.status, Request.operation,
                Request.hold_reason, Request.waiting_reason, Request.explanation,
                Request.status_message, Request.changed_after_post).where(
                Request.company_id == company_id, Request.idempotency_key.in_(keys))):
            kind, magento_id = queued.idempotency_key.split(":", 1)
            requests[(kind, magento_id)] = queued
    postings: dict[tuple[str, str], Posting] = {}
    for identity in {*mappings, *requests}:
        mapping, request = mappings.get(identity), requests.get(identity)
        why = ""
        if request is not None:
            why = (request.hold_reason or request.waiting_reason or request.explanation
                   or request.status_message or "")
        postings[identity] = Posting(
            status=request.status if request is not None else None,
            operation=request.operation if request is not None else None,
            blocking_reason=why[:500],
            changed_after_post=bool(request is not None and request.changed_after_post),
            qb_id=mapping.qb_id if mapping is not None else None,
            qb_type=mapping.qb_type if mapping is not None else None,
            qb_name=mapping.qb_name if mapping is not None else None,
            posted_amount=mapping.amount if mapping is not None else None,
            posted_date=mapping.txn_date if mapping is not None else None,
        )
    return postings


def _claimed(session: Session, company_id: int, txn_ids: Sequence[str]) -> set[str]:
    claimed: set[str] = set()
    for chunk in _chunks(sorted(set(txn_ids))):
        claimed.update(qb_id for qb_id in session.scalars(select(Mapping.qb_id).where(
            Mapping.company_id == company_id, Mapping.qb_id.in_(chunk))) if qb_id)
    return claimed


def _lines(session: Session, run_id: int, kind: LineKind) -> list[ReconciliationLine]:
    return list(session.scalars(select(ReconciliationLine).where(
        ReconciliationLine.run_id == run_id, ReconciliationLine.kind == kind.value)
        .order_by(ReconciliationLine.id)))


def finish_answered(session: Session, run: ReconciliationRun,
                    limits: AnomalyLimits | None = None) -> Comparison | None:
    """Compare an answered run and store its findings; None when it is not answered yet."""
    if run.status != RunStatus.ANSWERED.value or lock_run(session, run).status != \
            RunStatus.ANSWERED.value:
        return None
    docs = [MagentoDoc.from_line(line) for line in _lines(session, run.id, LineKind.MAGENTO)]
    txns = [QbTxn.from_line(line) for line in _lines(session, run.id, LineKind.QUICKBOOKS_TXN)]
    postings = postings_for(session, run.company_id, docs)
    claimed = _claimed(session, run.company_id, [t.txn_id for t in txns if not t.deleted])
    result = compare(run.date_from, run.date_to, docs, txns, postings, claimed)
    result.findings += compare_quantities(
        [StockExpectation.from_line(line)
         for line in _lines(session, run.id, LineKind.MAGENTO_STOCK)],
        _lines(session, run.id, LineKind.ITEM_SITE), run.date_to)
    anomalies = flag_anomalies(docs, postings, limits or AnomalyLimits())
    session.execute(delete(ReconciliationLine).where(
        ReconciliationLine.run_id == run.id, ReconciliationLine.kind.in_(_RESULT_KINDS)))
    rows = [_finding_row(run.id, finding) for finding in result.findings]
    rows += [{"run_id": run.id, "kind": LineKind.ANOMALY.value, "day": flag.day,
              "reason": flag.code, "magento_ref": flag.magento_ref,
              "magento_amount": flag.amount, "detail": flag.detail} for flag in anomalies]
    rows += [{"run_id": run.id, "kind": LineKind.DAY.value, "day": day.day,
              "data": {"magento": {k: str(v) for k, v in day.magento.items()},
                       "quickbooks": {k: str(v) for k, v in day.quickbooks.items()},
                       "documents": day.documents, "variances": day.variances}}
             for day in result.days]
    filled = [{**dict.fromkeys(_line_row(ReconciliationLine())), **row} for row in rows]
    for start in range(0, len(filled), _CHUNK):
        session.execute(insert(ReconciliationLine), filled[start:start + _CHUNK])
    run.variance_count = len(result.variances)
    run.not_posted_count = sum(f.reason == "not_posted" for f in result.findings)
    run.anomaly_count = len(anomalies)
    move_run(run, RunStatus.COMPLETE, reason=f"compared: {run.variance_count} variance(s)")
    session.flush()
    return result


def _finding_row(run_id: int, finding: Finding) -> dict[str, Any]:
    kind = LineKind.VARIANCE if finding.is_variance else LineKind.REPORTED
    return {"run_id": run_id, "kind": kind.value, "day": finding.day,
            "reason": finding.reason.value, "magento_ref": finding.magento_ref,
            "qb_ref": finding.quickbooks_ref, "account": finding.account,
            "magento_amount": finding.magento_amount,
            "quickbooks_amount": finding.quickbooks_amount, "detail": finding.detail,
            "data": {"changed": finding.changed} if finding.changed else None}


def latest_run(session: Session, company_id: int, date_from: date | None = None,
               date_to: date | None = None, *, statuses: Sequence[str] | None = None
               ) -> ReconciliationRun | None:
    query = select(ReconciliationRun).where(ReconciliationRun.company_id == company_id)
    if date_from is not None:
        query = query.where(ReconciliationRun.date_from == date_from)
    if date_to is not None:
        query = query.where(ReconciliationRun.date_to == date_to)
    if statuses:
        query = query.where(ReconciliationRun.status.in_(statuses))
    return session.scalars(query.order_by(ReconciliationRun.id.desc())).first()


def list_runs(session: Session, company_id: int, limit: int = 30) -> list[ReconciliationRun]:
    return list(session.scalars(select(ReconciliationRun)
                                .where(ReconciliationRun.company_id == company_id)
                                .order_by(ReconciliationRun.id.desc()).limit(limit)))


def previous_day(today: date) -> tuple[date, date]:
    day = today - timedelta(days=1)
    return day, day


def closed_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def finding_dict(line: ReconciliationLine) -> dict[str, Any]:
    """A stored finding in the shape ``--json`` promises."""
    def money(value: Decimal | None) -> str | None:
        return None if value is None else format(value, "f")

    return {"reason": line.reason, "magento_ref": line.magento_ref,
            "quickbooks_ref": line.qb_ref, "magento_amount": money(line.magento_amount),
            "quickbooks_amount": money(line.quickbooks_amount), "account": line.account,
            "day": line.day.isoformat() if line.day else None, "detail": line.detail,
            **({"changed": (line.data or {}).get("changed")}
               if (line.data or {}).get("changed") else {})}

