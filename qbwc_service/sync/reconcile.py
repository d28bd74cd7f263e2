"""Daily reconciliation: Magento's totals beside what QuickBooks recorded, with every variance.

The QuickBooks side comes from the mappings the handlers filled from QuickBooks' own
answers (its transaction totals), and optionally from a fresh QuickBooks query
(``quickbooks_txns``: TxnID → total) which also reveals transactions deleted there.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from collections.abc import Mapping as MappingABC
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from magento_client.documents import CreditMemo, Invoice
from qbwc_service.db.models import Company, Mapping, Request, RequestStatus
from qbwc_service.sync.plan import PlanContext, cents, money

__all__ = [
    "DayTotals",
    "ReconciliationReport",
    "Variance",
    "VarianceReason",
    "magento_documents_between",
    "reconcile",
    "reconcile_from_magento",
]

_ZERO = Decimal("0.00")


class VarianceReason:
    NOT_POSTED = "not yet posted"
    FAILED = "failed"
    HELD = "held"
    EDITED = "edited after posting"
    DELETED = "deleted in QuickBooks"
    AMOUNT = "amount differs"
    CANCELED = "canceled in Magento after posting"


@dataclass(frozen=True)
class Variance:
    document: str
    magento_amount: Decimal
    quickbooks_amount: Decimal | None
    reason: str
    detail: str = ""


@dataclass
class DayTotals:
    day: date
    magento: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(
        ("sales", "tax", "shipping", "discounts", "invoiced", "refunds", "payments"), _ZERO))
    quickbooks: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(
        ("invoiced", "refunds", "payments"), _ZERO))


@dataclass
class ReconciliationReport:
    company: str
    date_from: date
    date_to: date
    days: list[DayTotals] = field(default_factory=list)
    variances: list[Variance] = field(default_factory=list)

    @property
    def balanced(self) -> bool:
        return not self.variances

    def to_dict(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, Decimal):
                return format(value, "f")
            if isinstance(value, date):
                return value.isoformat()
            if isinstance(value, dict):
                return {key: plain(item) for key, item in value.items()}
            if isinstance(value, list):
                return [plain(item) for item in value]
            return value

        return {
            "company": self.company,
            "from": self.date_from.isoformat(),
            "to": self.date_to.isoformat(),
            "days": [plain(asdict(day)) for day in self.days],
            "variances": [plain(asdict(variance)) for variance in self.variances],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


def _request(session: Session, company_id: int, key: str) -> Request | None:
    return session.scalars(select(Request).where(
        Request.company_id == company_id, Request.idempotency_key == key)).first()


def _mapping(session: Session, company_id: int, entity_type: str, magento_id: str
             ) -> Mapping | None:
    return session.scalars(select(Mapping).where(
        Mapping.company_id == company_id, Mapping.entity_type == entity_type,
        Mapping.magento_id == magento_id)).first()


def _check(session: Session, company_id: int, *, key: str, entity_type: str, magento_id: str,
           label: str, expected: Decimal, canceled: bool,
           quickbooks_txns: MappingABC[str, Decimal] | None) -> tuple[Decimal | None, Variance | None]:
    """(amount QuickBooks holds, variance if any) for one Magento document."""
    request = _request(session, company_id, key)
    mapping = _mapping(session, company_id, entity_type, magento_id)
    posted = mapping.amount if mapping is not None and mapping.qb_id else None
    if posted is not None and quickbooks_txns is not None and mapping is not None \
            and mapping.qb_id:
        if mapping.qb_id not in quickbooks_txns:
            return None, Variance(label, expected, None, VarianceReason.DELETED,
                                  f"TxnID {mapping.qb_id}")
        posted = cents(quickbooks_txns[mapping.qb_id])
    if canceled:
        if posted is not None:
            return posted, Variance(label, _ZERO, posted, VarianceReason.CANCELED)
        return None, None
    if posted is None:
        status = request.status if request is not None else None
        reason = {RequestStatus.FAILED.value: VarianceReason.FAILED,
                  RequestStatus.HELD.value: VarianceReason.HELD}.get(status or "",
                                                                     VarianceReason.NOT_POSTED)
        detail = ""
        if request is not None:
            detail = request.hold_reason or request.explanation or request.status_message or ""
        return None, Variance(label, expected, None, reason, detail[:500])
    if request is not None and request.changed_after_post:
        return posted, Variance(label, expected, posted, VarianceReason.EDITED)
    if cents(posted) != expected:
        return posted, Variance(label, expected, posted, VarianceReason.AMOUNT)
    return posted, None


def reconcile(
    session: Session,
    company: Company,
    date_from: date,
    date_to: date,
    *,
    magento_documents: Iterable[Invoice | CreditMemo] | None = None,
    quickbooks_txns: MappingABC[str, Decimal] | None = None,
    ctx: PlanContext | None = None,
    paid_on_account: MappingABC[int, bool] | None = None,
) -> ReconciliationReport:
    """Per-day totals and variances for Magento documents dated ``date_from``..``date_to``.

    ``paid_on_account`` (invoice entity_id → True when booked as Invoice + payment) says
    which paid invoices owe a separate payment; by default every paid invoice booked as
    an ``InvoiceAdd`` does.
    """
    plan_ctx = ctx or PlanContext()
    mc = plan_ctx.multicurrency
    report = ReconciliationReport(company.name, date_from, date_to)
    days = {date_from + timedelta(days=n): DayTotals(date_from + timedelta(days=n))
            for n in range((date_to - date_from).days + 1)}
    for document in magento_documents or ():
        day = plan_ctx.local_date(document.created_at, document.store_id)
        if day not in days:
            continue
        totals = days[day]
        grand = cents(money(document, "grand_total", multicurrency=mc))
        magento_id = str(document.entity_id)
        if isinstance(document, CreditMemo):
            canceled = document.state == CreditMemo.STATE_CANCELED
            label = f"credit memo {document.increment_id}"
            if not canceled:
                totals.magento["refunds"] += grand
            posted, variance = _check(session, company.id, key=f"creditmemo:{magento_id}",
                                      entity_type="creditmemo", magento_id=magento_id,
                                      label=label, expected=grand, canceled=canceled,
                                      quickbooks_txns=quickbooks_txns)
            totals.quickbooks["refunds"] += posted or _ZERO
            if variance:
                report.variances.append(variance)
            continue
        canceled = document.state == Invoice.STATE_CANCELED
        label = f"invoice {document.increment_id}"
        if not canceled:
            totals.magento["sales"] += cents(money(document, "subtotal", multicurrency=mc))
            totals.magento["tax"] += cents(money(document, "tax_amount", multicurrency=mc))
            totals.magento["shipping"] += cents(money(document, "shipping_amount",
                                                      multicurrency=mc))
            totals.magento["discounts"] += abs(cents(money(document, "discount_amount",
                                                           multicurrency=mc)))
            totals.magento["invoiced"] += grand
            if document.is_paid:
                totals.magento["payments"] += grand
        posted, variance = _check(session, company.id, key=f"invoice:{magento_id}",
                                  entity_type="invoice", magento_id=magento_id, label=label,
                                  expected=grand, canceled=canceled,
                                  quickbooks_txns=quickbooks_txns)
        totals.quickbooks["invoiced"] += posted or _ZERO
        if variance:
            report.variances.append(variance)
        if canceled or not document.is_paid or posted is None:
            continue  # an invoice not in QuickBooks is the variance; its payment cannot be
        mapping = _mapping(session, company.id, "invoice", magento_id)
        receipt = mapping is not None and mapping.qb_type == "SalesReceiptRet"
        on_account = paid_on_account.get(document.entity_id) if paid_on_account else None
        if receipt or on_account is False:
            totals.quickbooks["payments"] += posted or _ZERO
            continue
        request = _request(session, company.id, f"invoice:{magento_id}")
        if on_account is None and request is not None and request.operation == "SalesReceiptAdd":
            totals.quickbooks["payments"] += posted or _ZERO
            continue
        paid, variance = _check(session, company.id, key=f"payment:{magento_id}",
                                entity_type="payment", magento_id=magento_id,
                                label=f"payment for invoice {document.increment_id}",
                                expected=grand, canceled=False, quickbooks_txns=quickbooks_txns)
        totals.quickbooks["payments"] += paid or _ZERO
        if variance:
            report.variances.append(variance)
    report.days = [days[key] for key in sorted(days)]
    return report


def magento_documents_between(client: Any, first: date, last: date) -> Iterator[Invoice | CreditMemo]:
    """The invoices and credit memos created around ``first``..``last``."""
    from magento_client.search import SearchCriteria

    # A day either side: documents are dated in the store's time zone, Magento filters in UTC.
    start = f"{first - timedelta(days=1)} 00:00:00"
    end = f"{last + timedelta(days=1)} 23:59:59"
    criteria = SearchCriteria().where("created_at", start, "gteq").where("created_at", end, "lteq")
    yield from client.invoices(criteria)
    yield from client.credit_memos(criteria)


def reconcile_from_magento(
    session: Session, settings: Any, company: Company, date_from: date, date_to: date,
    *, client: Any,
) -> ReconciliationReport:
    """``reconcile`` with the documents read from the company's Magento store."""
    from qbwc_service.sync.config import effective_company_config
    from qbwc_service.sync.plan import CompanyFacts
    from qbwc_service.sync.runner import store_timezones

    plan_ctx = PlanContext(config=effective_company_config(settings, company),
                           facts=CompanyFacts.from_company(company),
                           store_timezones=store_timezones(client))
    documents = list(magento_documents_between(client, date_from, date_to))
    return reconcile(session, company, date_from, date_to, magento_documents=documents,
                     ctx=plan_ctx)
