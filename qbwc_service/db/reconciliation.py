"""Reconciliation runs and their lines: what QuickBooks answered, and what it meant.

A run covers one company and one period. Its lines hold, side by side, the Magento
documents of the period as they were when the run started (``magento``), every answer
QuickBooks gave to the run's read-back queries (``quickbooks_txn``, ``account``,
``item_site``), and what the comparison concluded (``variance``, ``reported``,
``anomaly``, ``day``). Reports read the lines; nothing is recomputed on display.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from qbwc_service.db.models import Base, utcnow

__all__ = ["LineKind", "ReconciliationLine", "ReconciliationRun", "RunStatus"]


class RunStatus(enum.StrEnum):
    """Where a run stands; moved only by ``reconcile.lifecycle.move_run``."""

    WAITING = "waiting"  # read-back requests queued: waiting for the Web Connector
    ANSWERED = "answered"  # every read-back request answered; comparison not yet stored
    COMPLETE = "complete"  # compared; the variances are stored
    FAILED = "failed"  # a read-back request failed; the message says which and why


class LineKind(enum.StrEnum):
    MAGENTO = "magento"  # one Magento document of the period
    MAGENTO_STOCK = "magento_stock"  # what QuickBooks should hold of one item at one site
    QUICKBOOKS_TXN = "quickbooks_txn"  # one transaction QuickBooks returned
    ACCOUNT = "account"  # one account and its balance
    ITEM_SITE = "item_site"  # quantity on hand of one item at one site
    VARIANCE = "variance"  # a difference a bookkeeper must resolve
    REPORTED = "reported"  # worth knowing, not a variance (unknown_in_quickbooks)
    ANOMALY = "anomaly"  # a month-end checklist flag
    DAY = "day"  # the totals of one day, both sides


class ReconciliationRun(Base):
    """One reconciliation of a company over ``date_from``..``date_to``."""

    __tablename__ = "reconciliation_runs"
    __table_args__ = (
        # A scheduled run (daily:2024-03-01, month_end:2024-03) exists once per company.
        UniqueConstraint("company_id", "schedule_key", name="uq_reconciliation_runs_schedule"),
        Index("ix_reconciliation_runs_company_period", "company_id", "date_to", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    kind: Mapped[str] = mapped_column(String(16))  # daily | month_end | manual
    schedule_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.WAITING.value)
    currency: Mapped[str | None] = mapped_column(String(64), nullable=True)
    started_by: Mapped[str] = mapped_column(String(100), default="system")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    document_count: Mapped[int] = mapped_column(Integer, default=0)
    variance_count: Mapped[int] = mapped_column(Integer, default=0)
    not_posted_count: Mapped[int] = mapped_column(Integer, default=0)
    anomaly_count: Mapped[int] = mapped_column(Integer, default=0)
    history: Mapped[list[Any]] = mapped_column(JSON, default=list)  # [{at, from, to, reason}]


class ReconciliationLine(Base):
    """One fact of a run: a document, an answer, a variance, a flag or a day's totals."""

    __tablename__ = "reconciliation_lines"
    __table_args__ = (
        # An iterator that starts over returns the same transactions again: one line each.
        UniqueConstraint("run_id", "kind", "qb_id", name="uq_reconciliation_lines_answer"),
        Index("ix_reconciliation_lines_run_kind_day", "run_id", "kind", "day"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_runs.id"))
    kind: Mapped[str] = mapped_column(String(16))
    day: Mapped[date | None] = mapped_column(Date, nullable=True)
    reason: Mapped[str | None] = mapped_column(String(40), nullable=True)
    qb_type: Mapped[str | None] = mapped_column(String(64), nullable=True)
    qb_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    qb_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    magento_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    account: Mapped[str | None] = mapped_column(String(255), nullable=True)
    magento_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    quickbooks_amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
