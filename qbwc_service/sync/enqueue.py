"""Queue what the planners decided: planned requests become request rows, with their
dependencies, and a report of what changed. Shared by the pull (``runner``), the
inventory push and query (``inventory``) and the stock moves (``stock_moves``), so none of
them imports another to reach the queue.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbwc_service.db.lookups import UnknownCompany, company_named
from qbwc_service.db.models import Company, Mapping, Request, RequestStatus
from qbwc_service.queue import enqueue
from qbwc_service.sync.exceptions import SyncError
from qbwc_service.sync.plan import MemoryLookup, PlannedRequest

__all__ = ["DbLookup", "Progress", "SyncReport", "enqueue_plan", "get_company", "to_payload"]

_NAMED = ("customer", "item", "invoice", "creditmemo")

Progress = Callable[[str, int, int | None], None]



@dataclass
class SyncReport:
    """What one pull read, planned and queued."""

    company: str
    dry_run: bool = False
    read: dict[str, int] = field(default_factory=dict)
    # New and changed requests per entity (setup items count as their entity's).
    queued_by_entity: dict[str, int] = field(default_factory=dict)
    created: int = 0
    changed: int = 0
    unchanged: int = 0
    held: int = 0
    skipped: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    planned: list[PlannedRequest] = field(default_factory=list)
    # What the queue did (or, in a dry run, would do) with each planned request:
    # ("new" | "changed" | "unchanged", request).
    outcomes: list[tuple[str, PlannedRequest]] = field(default_factory=list)
    watermarks: dict[str, str] = field(default_factory=dict)

    @property
    def queued(self) -> list[PlannedRequest]:
        """The requests this run added or changed in the queue (a dry run: would have)."""
        return [planned for outcome, planned in self.outcomes if outcome != "unchanged"]


class DbLookup(MemoryLookup):
    """Names from the mapping table, plus those of requests still waiting to be posted."""

    def __init__(self, session: Session, company_id: int) -> None:
        super().__init__()
        self.session = session
        self.company_id = company_id
        pending = session.execute(
            select(Request.entity_type, Request.magento_id, Request.payload).where(
                Request.company_id == company_id, Request.entity_type.in_(_NAMED),
                Request.status.notin_((RequestStatus.SUCCEEDED.value,
                                       RequestStatus.CANCELED.value)),
            )
        )
        for entity_type, magento_id, payload in pending:
            name = (payload or {}).get("Name") or (payload or {}).get("RefNumber")
            if entity_type and magento_id and name:
                self.claim(entity_type, magento_id, str(name))

    def qb_name(self, entity_type: str, magento_id: str) -> str | None:
        planned = super().qb_name(entity_type, magento_id)
        if planned:
            return planned
        return self.session.scalars(select(Mapping.qb_name).where(
            Mapping.company_id == self.company_id, Mapping.entity_type == entity_type,
            Mapping.magento_id == magento_id)).first()

    def queued_operation(self, key: str) -> str | None:
        return super().queued_operation(key) or self.session.scalars(
            select(Request.operation).where(Request.company_id == self.company_id,
                                            Request.idempotency_key == key)).first()

    def name_owner(self, entity_type: str, qb_name: str) -> str | None:
        planned = super().name_owner(entity_type, qb_name)
        if planned:
            return planned
        return self.session.scalars(select(Mapping.magento_id).where(
            Mapping.company_id == self.company_id, Mapping.entity_type == entity_type,
            func.lower(Mapping.qb_name) == qb_name.lower())).first()


def to_payload(value: Any) -> Any:
    """A template context as JSON the request row can store (Decimal and dates as text)."""
    if isinstance(value, dict):
        return {key: to_payload(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [to_payload(item) for item in value]
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def enqueue_plan(session: Session, company_id: int, planned: Sequence[PlannedRequest],
                 report: SyncReport | None = None, *, actor: str = "sync",
                 customer_id: int | None = None) -> list[Request]:
    """Queue planned requests in order, turning dependency keys into request rows.

    ``customer_id`` (Magento's) is stored on each request that concerns the customer, so
    a purge finds every one of them.
    """
    rows: list[Request] = []
    for item in planned:
        depends: list[Request] = []
        for key in item.depends_on_keys:
            found = session.scalars(select(Request).where(
                Request.company_id == company_id, Request.idempotency_key == key)).first()
            if found is not None:
                depends.append(found)
        result = enqueue(
            session, company_id=company_id, operation=item.operation, key=item.key,
            payload=to_payload(item.context), entity_type=item.entity_type,
            magento_id=item.magento_id, magento_ref=item.magento_ref,
            document_hash=item.document_hash, depends_on=depends, priority=item.priority,
            hold_reason=item.hold_reason, actor=actor, amount=item.amount,
            document_date=item.txn_date,
        )
        if customer_id is not None and item.entity_type != "item":
            result.request.magento_customer_id = str(customer_id)
        rows.append(result.request)
        if report is not None:
            outcome = "new" if result.created else "changed" if result.changed else "unchanged"
            report.outcomes.append((outcome, item))
            report.created += result.created
            report.changed += result.changed
            report.unchanged += not (result.created or result.changed)
            report.held += result.created and item.hold_reason is not None
    return rows


def get_company(session: Session, company_name: str) -> Company:
    try:
        return company_named(session, company_name)
    except UnknownCompany as exc:
        raise SyncError(str(exc)) from None


