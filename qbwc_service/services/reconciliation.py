"""Reconciliation use cases: start a run from the Magento store, read the latest one.

The Magento side is turned into the run's snapshot here, with the sync's own rules (the
store's time zone decides a document's day, home or order currency its amounts), so a
run compares exactly what the sync would post.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from magento_client.documents import CreditMemo, Invoice
from magento_client.exceptions import MagentoError
from qbwc_service.context import AppContext
from qbwc_service.db.lookups import UnknownCompany, company_named
from qbwc_service.db.models import Company, Mapping, utcnow
from qbwc_service.db.reconciliation import (
    LineKind,
    ReconciliationLine,
    ReconciliationRun,
    RunStatus,
)
from qbwc_service.reconcile.anomalies import AnomalyLimits
from qbwc_service.reconcile.compare import Comparison, compare
from qbwc_service.reconcile.exceptions import ReconcileError
from qbwc_service.reconcile.lifecycle import settle_run
from qbwc_service.reconcile.readback import TXN_TYPES
from qbwc_service.reconcile.runs import (
    check_period,
    finding_dict,
    finish_answered,
    latest_run,
    postings_for,
    start_run,
)
from qbwc_service.reconcile.snapshot import MagentoDoc, QbTxn
from qbwc_service.reconcile.stock import StockExpectation
from qbwc_service.sync.config import (
    CompanyMappingConfig,
    company_table,
    effective_company_config,
    magento_client_for,
)
from qbwc_service.sync.exceptions import SyncError
from qbwc_service.sync.inventory import item_names as posted_item_names
from qbwc_service.sync.inventory import open_documents, pending_as_reported
from qbwc_service.sync.plan import CompanyFacts, PlanContext, cents, money
from qbwc_service.sync.posting import empty_invoice
from qbwc_service.sync.runner import store_timezones

__all__ = [
    "RunOutcome",
    "anomaly_limits",
    "finish_company_runs",
    "magento_docs",
    "magento_documents_between",
    "magento_stock",
    "read_run",
    "readback_options",
    "reconcile_company",
    "reconcile_documents",
    "run_report",
    "start_company_run",
]

log = logging.getLogger(__name__)

ClientFactory = Callable[[str], Any]


def magento_documents_between(client: Any, first: date, last: date
                              ) -> Iterator[Invoice | CreditMemo]:
    """The invoices and credit memos created around ``first``..``last``."""
    from magento_client.search import SearchCriteria

    # A day either side: documents are dated in the store's time zone, Magento filters in UTC.
    start = f"{first - timedelta(days=1)} 00:00:00"
    end = f"{last + timedelta(days=1)} 23:59:59"
    criteria = SearchCriteria().where("created_at", start, "gteq").where("created_at", end, "lteq")
    yield from client.invoices(criteria)
    yield from client.credit_memos(criteria)


def _lowest_margin(document: Invoice | CreditMemo) -> Decimal | None:
    margins = []
    for item in document.items:
        cost = item.raw.get("base_cost")
        if cost not in (None, "") and item.has_row_total and item.base_price > 0:
            margins.append(item.base_price - Decimal(str(cost)))
    return min(margins) if margins else None


def magento_docs(documents: Iterable[Invoice | CreditMemo], ctx: PlanContext) -> list[MagentoDoc]:
    """Magento's documents as the run keeps them, in the amounts the sync posts."""
    mc = ctx.multicurrency
    docs = []
    for document in documents:
        is_memo = isinstance(document, CreditMemo)
        if isinstance(document, Invoice) and empty_invoice(document, multicurrency=mc):
            continue  # the posting rules post nothing for it: QuickBooks owes nothing
        raw = document.raw or {}
        docs.append(MagentoDoc(
            entity_type="creditmemo" if is_memo else "invoice",
            magento_id=str(document.entity_id), increment_id=document.increment_id,
            order_ref=str(raw.get("order_increment_id") or document.order_id),
            day=ctx.local_date(document.created_at, document.store_id),
            grand_total=cents(money(document, "grand_total", multicurrency=mc)),
            subtotal=cents(money(document, "subtotal", multicurrency=mc)),
            tax=cents(money(document, "tax_amount", multicurrency=mc)),
            shipping=cents(money(document, "shipping_amount", multicurrency=mc)),
            discount=abs(cents(money(document, "discount_amount", multicurrency=mc))),
            paid=bool(getattr(document, "is_paid", False)),
            canceled=document.state == (CreditMemo.STATE_CANCELED if is_memo
                                        else Invoice.STATE_CANCELED),
            customer=str(raw.get("customer_id") or raw.get("customer_email") or ""),
            lowest_margin=_lowest_margin(document),
        ))
    return docs


def magento_stock(session: Session, company: Company, client: Any,
                  config: CompanyMappingConfig) -> list[StockExpectation] | None:
    """Magento's quantities of the mapped items at the mapped sources; None when the store
    cannot say (a client without MSI, or an error: the run then leaves quantities out)."""
    item_names = posted_item_names(session, company.id)
    if getattr(client, "source_items_for_skus", None) is None:
        return None
    try:
        items = list(client.source_items_for_skus(sorted(item_names))) if item_names else []
        moving = open_documents(client)
    except MagentoError as exc:
        log.warning("reconciliation leaves quantities out: Magento answered %s", exc.status)
        return None
    # The inventory push's own rule (sync.stock_position): per SKU and source, the units
    # Magento took off that QuickBooks has not yet (and the other way round), counting
    # only what QuickBooks had posted, at the sites the posted lines named.
    pending = pending_as_reported(session, company, config, utcnow(), **moving)
    multi_site = bool(company.multi_site_enabled)
    stock = []
    for item in items:
        site = config.sites.get(item.source_code) if multi_site else (
            "" if item.source_code == config.sales_source else None)
        if site is None:
            continue  # a source that does not stand for a QuickBooks site
        ahead = pending.get((item.sku, item.source_code), Decimal(0))
        stock.append(StockExpectation(item_names[item.sku], site, item.sku, item.source_code,
                                      item.quantity, -ahead))
    return stock


def _plan_context(ctx: AppContext, company: Company, client: Any | None) -> PlanContext:
    return PlanContext(config=effective_company_config(ctx.settings, company),
                       facts=CompanyFacts.from_company(company),
                       store_timezones=store_timezones(client) if client is not None else {})


_SETTINGS = ("refund_share_of_sales", "discount_share_of_order", "posted_days_apart",
             "transaction_types", "deleted_query", "quantities")


def _settings_table(ctx: AppContext, company_name: str) -> dict[str, Any]:
    """``[companies."NAME".reconciliation]``; a misspelt key is refused, never ignored."""
    table = company_table(ctx.settings, company_name).get("reconciliation")
    if table is None:
        return {}
    if not isinstance(table, dict):
        raise ReconcileError(f"companies.{company_name}.reconciliation must be a table")
    unknown = sorted(set(table) - set(_SETTINGS))
    if unknown:
        raise ReconcileError(f"companies.{company_name}.reconciliation: {', '.join(unknown)} "
                             f"is not a setting; known: {', '.join(_SETTINGS)}")
    return table


def anomaly_limits(ctx: AppContext, company_name: str) -> AnomalyLimits:
    return AnomalyLimits.from_config(_settings_table(ctx, company_name))


def readback_options(ctx: AppContext, company_name: str) -> tuple[tuple[str, ...], bool]:
    """(transaction types to read, whether to ask for deleted ones) for the company.

    ``[companies."NAME".reconciliation] transaction_types`` narrows the read-back to the
    types the company uses; every type is read by default.
    """
    table = _settings_table(ctx, company_name)
    types = table.get("transaction_types", list(TXN_TYPES))
    unknown = sorted(set(types) - set(TXN_TYPES)) if isinstance(types, list) else ["?"]
    if unknown:
        raise ReconcileError(f"companies.{company_name}.reconciliation.transaction_types: "
                             f"unknown {', '.join(map(str, unknown))}; known: "
                             f"{', '.join(TXN_TYPES)}")
    return tuple(types), bool(table.get("deleted_query", True))


def reconcile_documents(session: Session, company: Company, date_from: date, date_to: date, *,
                        magento_documents: Iterable[Invoice | CreditMemo],
                        quickbooks_txns: MappingABC[str, Decimal] | None = None,
                        ctx: PlanContext | None = None) -> Comparison:
    """An immediate comparison for a caller that already holds QuickBooks' totals.

    ``quickbooks_txns`` (TxnID → total) is QuickBooks' side; without it the totals
    QuickBooks returned when each document was posted stand in (what the service
    remembers, which cannot see later changes: a run asks QuickBooks itself).
    """
    docs = magento_docs(magento_documents, ctx or PlanContext())
    postings = postings_for(session, company.id, docs)
    ids = [p.qb_id for p in postings.values() if p.qb_id]
    mappings = {m.qb_id or "": m for m in session.scalars(select(Mapping).where(
        Mapping.company_id == company.id, Mapping.qb_id.in_(ids)))} if ids else {}
    txns = []
    for qb_id, mapping in mappings.items():
        if quickbooks_txns is not None and qb_id not in quickbooks_txns:
            continue
        amount = cents(quickbooks_txns[qb_id]) if quickbooks_txns is not None else mapping.amount
        txns.append(QbTxn((mapping.qb_type or "")[:-3], qb_id, mapping.qb_name or "",
                          mapping.txn_date, amount, "", "", {}))
    return compare(date_from, date_to, docs, txns, postings, set(mappings))


@dataclass
class RunOutcome:
    """What a face shows: the run (stored), and whether this call started it."""

    run: ReconciliationRun
    started: bool
    report: dict[str, Any] = field(default_factory=dict)


def start_company_run(ctx: AppContext, session: Session, company: Company, date_from: date,
                      date_to: date, *, client: Any, kind: str = "manual",
                      schedule_key: str | None = None, started_by: str = "system"
                      ) -> tuple[ReconciliationRun, bool]:
    """Snapshot Magento's documents of the period and queue the run's queries."""
    check_period(date_from, date_to)
    plan_ctx = _plan_context(ctx, company, client)
    try:
        documents = list(magento_documents_between(client, date_from, date_to))
    except MagentoError as exc:
        raise ReconcileError(f"the Magento store could not be read, so no run was started: "
                             f"{exc}") from exc
    docs = [doc for doc in magento_docs(documents, plan_ctx) if date_from <= doc.day <= date_to]
    currency = company.home_currency or next(
        (d.order_currency_code if plan_ctx.multicurrency else d.base_currency_code
         for d in documents), None)
    txn_types, deleted = readback_options(ctx, company.name)
    stock = magento_stock(session, company, client, plan_ctx.config) \
        if _settings_table(ctx, company.name).get("quantities", True) else None
    return start_run(session, company, date_from, date_to, docs, kind=kind,
                     schedule_key=schedule_key, started_by=started_by, currency=currency,
                     txn_types=txn_types, deleted=deleted, stock=stock)


def finish_company_runs(ctx: AppContext, session: Session, company: Company) -> int:
    """Settle waiting runs (a refused stream never reaches the handler) and compare every
    answered run of the company; returns how many were compared."""
    runs = list(session.scalars(select(ReconciliationRun).where(
        ReconciliationRun.company_id == company.id,
        ReconciliationRun.status.in_((RunStatus.WAITING.value, RunStatus.ANSWERED.value)))))
    limits = anomaly_limits(ctx, company.name)
    finished = 0
    for run in runs:
        settle_run(session, run)
        finished += finish_answered(session, run, limits) is not None
    return finished


def reconcile_company(ctx: AppContext, company_name: str, date_from: date, date_to: date, *,
                      refresh: bool = False, client_factory: ClientFactory | None = None,
                      started_by: str = "cli") -> RunOutcome:
    """The latest run of exactly this period, or a new one (``refresh``, or none yet)."""
    check_period(date_from, date_to)
    with ctx.db.session() as session:
        try:
            company = company_named(session, company_name)
        except UnknownCompany as exc:
            raise ReconcileError(str(exc)) from None
        finish_company_runs(ctx, session, company)
        # A failed run stays the answer, with its reason, until someone asks again; asking
        # again while a run of the period still waits for the Web Connector is that run.
        run = latest_run(session, company.id, date_from, date_to)
        if refresh and run is not None and run.status != RunStatus.WAITING.value:
            run = None
        started = False
        if run is None:
            try:
                client = (client_factory or (lambda name: magento_client_for(ctx.settings,
                                                                             name)))(company_name)
            except SyncError as exc:
                raise ReconcileError(str(exc)) from exc
            run, started = start_company_run(ctx, session, company, date_from, date_to,
                                             client=client, started_by=started_by)
        return RunOutcome(run, started, run_report(session, run, company))


def read_run(ctx: AppContext, run_id: int) -> dict[str, Any] | None:
    """One stored run (compared first if its answers are in), as ``run_report`` shows it."""
    with ctx.db.session() as session:
        run = session.get(ReconciliationRun, run_id)
        if run is None:
            return None
        company = session.get(Company, run.company_id)
        if company is not None:
            finish_company_runs(ctx, session, company)
        return run_report(session, run, company)


def run_report(session: Session, run: ReconciliationRun, company: Company | None = None
               ) -> dict[str, Any]:
    """A stored run in the shape ``reconcile --json`` prints."""
    lines = session.scalars(select(ReconciliationLine).where(
        ReconciliationLine.run_id == run.id,
        ReconciliationLine.kind.in_((LineKind.VARIANCE.value, LineKind.REPORTED.value,
                                     LineKind.ANOMALY.value, LineKind.DAY.value,
                                     LineKind.ACCOUNT.value)))
        .order_by(ReconciliationLine.day, ReconciliationLine.id))
    grouped: dict[str, list[ReconciliationLine]] = {}
    for line in lines:
        grouped.setdefault(line.kind, []).append(line)
    days = [{"day": line.day.isoformat() if line.day else None, **(line.data or {})}
            for line in grouped.get(LineKind.DAY.value, [])]
    return {
        "run": run.id, "company": company.name if company is not None else run.company_id,
        "from": run.date_from.isoformat(), "to": run.date_to.isoformat(),
        "status": run.status, "kind": run.kind, "currency": run.currency,
        "message": run.message, "documents": run.document_count,
        "variances": [finding_dict(line) for line in grouped.get(LineKind.VARIANCE.value, [])],
        "reported": [finding_dict(line) for line in grouped.get(LineKind.REPORTED.value, [])],
        "anomalies": [{"flag": line.reason, "day": line.day.isoformat() if line.day else None,
                       "magento_ref": line.magento_ref, "detail": line.detail}
                      for line in grouped.get(LineKind.ANOMALY.value, [])],
        "days": days,
        "accounts": [{"account": line.account, "type": line.qb_type,
                      "balance": None if line.quickbooks_amount is None
                      else format(line.quickbooks_amount, "f")}
                     for line in grouped.get(LineKind.ACCOUNT.value, [])],
    }
