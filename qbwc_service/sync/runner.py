"""Pull changed Magento documents and queue the QuickBooks requests they plan to.

Incremental by ``updated_at`` (UTC) with an overlap window and a watermark per company
and entity; safe to repeat because the queue is idempotent by request key and a
changed document only updates a request that was not posted yet.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from magento_client.documents import (
    CreditMemo,
    Invoice,
    Order,
    Product,
    Shipment,
    SourceItem,
    format_datetime,
)
from qbwc_service.context import AppContext
from qbwc_service.db.lookups import UnknownCompany, company_named
from qbwc_service.db.models import Company, Mapping, Request, RequestStatus, Watermark
from qbwc_service.queue import enqueue
from qbwc_service.sync.config import CompanyMappingConfig, effective_company_config
from qbwc_service.sync.exceptions import DocumentSkipped, PlanningError, SyncError
from qbwc_service.sync.parties import plan_customer, plan_product, plan_setup_items
from qbwc_service.sync.plan import CompanyFacts, MemoryLookup, PlanContext, PlannedRequest
from qbwc_service.sync.posting import (
    check_tax_edition,
    plan_credit_memo,
    plan_invoice,
    plan_order,
)

__all__ = [
    "ENTITIES",
    "INITIAL",
    "DbLookup",
    "MagentoSource",
    "SyncReport",
    "enqueue_plan",
    "get_company",
    "pull_and_enqueue",
    "shipments_of",
    "store_timezones",
    "to_payload",
]

log = logging.getLogger(__name__)

ENTITIES = ("orders", "invoices", "creditmemos", "products", "inventory")
# ``sync --initial`` (magento_to_quickbooks stock mode): every product as an item, then
# Magento's source quantities as opening quantities.
INITIAL = ("products", "opening")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_NAMED = ("customer", "item", "invoice", "creditmemo")

Progress = Callable[[str, int, int | None], None]


class MagentoSource(Protocol):
    """The parts of ``MagentoClient`` the runner reads."""

    def iter_updated(self, entity: str, since: datetime, overlap: timedelta = ...,
                     criteria: Any = None) -> Any: ...

    def order(self, entity_id: int) -> Order: ...

    def invoice(self, entity_id: int) -> Invoice: ...

    def store_configs(self, store_codes: Iterable[str] = ()) -> list[Any]: ...

    def source_items(self, criteria: Any = None) -> Iterable[SourceItem]: ...


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


def store_timezones(client: MagentoSource) -> dict[int, str]:
    try:
        return {config.id: config.timezone for config in client.store_configs()
                if getattr(config, "timezone", None)}
    except Exception:
        return {}


def _plan_one(entity: str, document: Any, client: MagentoSource, ctx: PlanContext,
              orders: dict[int, Order], report: SyncReport) -> list[PlannedRequest]:
    def order_of(order_id: int) -> Order:
        if order_id not in orders:
            orders[order_id] = client.order(order_id)
        if order_id not in ctx.shipments:
            # The sources that shipped the order decide the sites its lines move stock at.
            ctx.shipments[order_id] = shipments_of(client, order_id)
        return orders[order_id]

    if entity == "orders":
        order: Order = document
        orders[order.entity_id] = order
        plan = plan_order(order, ctx)
        if plan.skipped_reason:
            report.skipped.append(plan.skipped_reason)
            return []
        customer = plan_customer(order, ctx)
        return [customer.request] if customer.request else []
    if entity == "invoices":
        invoice: Invoice = document
        return plan_invoice(invoice, order_of(invoice.order_id), ctx)
    if entity == "creditmemos":
        memo: CreditMemo = document
        invoice_of = client.invoice(memo.invoice_id) if memo.invoice_id else None
        return plan_credit_memo(memo, order_of(memo.order_id), ctx, invoice=invoice_of)
    if entity == "products":
        product: Product = document
        planned = plan_product(product, ctx)
        return [planned] if planned else []
    raise SyncError(f"unknown entity {entity!r}; use one of {', '.join(ENTITIES)}")


def shipments_of(client: Any, order_id: int) -> list[Shipment]:
    """The order's Magento shipments; none from a client that cannot list them."""
    reader = getattr(client, "shipments_for_order", None)
    return list(reader(order_id)) if reader is not None else []


def _customer_of(entity: str, document: Any, orders: dict[int, Order]) -> int | None:
    """The Magento customer id behind an order, invoice or credit memo (None for guests)."""
    if entity == "orders":
        return getattr(document, "customer_id", None)
    order = orders.get(getattr(document, "order_id", None) or 0)
    return getattr(order, "customer_id", None) if order is not None else None


def _label(entity: str, document: Any) -> str:
    ref = getattr(document, "increment_id", None) or getattr(document, "sku", None)
    return f"{entity[:-1]} {ref}"


def pull_and_enqueue(
    ctx: AppContext,
    company_name: str,
    *,
    client: MagentoSource,
    entities: Sequence[str] = ("orders", "invoices", "creditmemos"),
    since: datetime | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> SyncReport:
    """Read what changed in Magento since the watermark (or ``since``) and queue its plan.

    A dry run queues exactly as a real one, in one transaction it then rolls back, so what
    it reports is what the real run would queue; watermarks do not move.
    """
    with ctx.db.session() as session:
        config = effective_company_config(ctx.settings, get_company(session, company_name))
    report = SyncReport(company=company_name, dry_run=dry_run)
    timezones = store_timezones(client)
    for entity in entities:
        if entity not in ENTITIES + INITIAL:
            raise SyncError(f"unknown entity {entity!r}; use one of {', '.join(ENTITIES)}")
    if "opening" in entities and config.inventory_direction != "magento_to_quickbooks":
        raise SyncError(f"inventory_direction is {config.inventory_direction}: QuickBooks keeps "
                        "the quantities, so no opening quantities are loaded from Magento "
                        '(set inventory_direction = "magento_to_quickbooks" for an initial load)')
    run = _EntityPull(client, config, timezones, report, since, progress)
    if dry_run:
        with ctx.db.session() as session:
            for entity in entities:
                run.pull(session, company_name, entity)
            session.rollback()
        return report
    for entity in entities:
        with ctx.db.session() as session:
            run.pull(session, company_name, entity)
    return report


@dataclass
class _EntityPull:
    """One entity's pull inside a session: plan each changed document and queue it."""

    client: MagentoSource
    config: CompanyMappingConfig
    timezones: dict[int, str]
    report: SyncReport
    since: datetime | None
    progress: Progress | None

    def pull(self, session: Session, company_name: str, entity: str) -> None:
        report, config = self.report, self.config
        company = get_company(session, company_name)
        if entity == "opening":
            self.opening(session, company)
            return
        if entity == "inventory":
            from qbwc_service.sync.inventory import enqueue_inventory_query

            report.planned.append(enqueue_inventory_query(session, company, report=report))
            report.read[entity] = 0
            return
        watermark = session.get(Watermark, (company.id, entity))
        start = self.since or (
            datetime.fromisoformat(watermark.updated_at_value).replace(tzinfo=UTC)
            if watermark else EPOCH)
        plan_ctx = PlanContext(config=config, facts=CompanyFacts.from_company(company),
                               lookup=DbLookup(session, company.id),
                               store_timezones=self.timezones)
        queued_before = report.created + report.changed
        if entity in ("invoices", "creditmemos"):
            check_tax_edition(plan_ctx.facts)
            setup = plan_setup_items(plan_ctx)
            report.planned.extend(setup)
            enqueue_plan(session, company.id, setup, report)
        pull = self.client.iter_updated(entity, start,
                                        timedelta(minutes=config.overlap_minutes))
        orders: dict[int, Order] = {}
        count = 0
        for document in pull:
            count += 1
            planned: list[PlannedRequest] = []
            try:
                planned = _plan_one(entity, document, self.client, plan_ctx, orders, report)
            except DocumentSkipped as skipped:
                report.skipped.append(str(skipped))
                log.info("not posted: %s", skipped)
            except PlanningError as error:
                report.errors.append(str(error))
            report.planned.extend(planned)
            if planned:
                enqueue_plan(session, company.id, planned, report,
                             customer_id=_customer_of(entity, document, orders))
            if self.progress is not None:
                self.progress(entity, count, None)
        report.read[entity] = count
        report.queued_by_entity[entity] = report.created + report.changed - queued_before
        if self.progress is not None:
            self.progress(entity, count, count)  # done: the total is known now
        newest = getattr(pull, "max_updated_at", None)
        if not report.dry_run and newest is not None:
            value = format_datetime(newest)
            if watermark is None:
                session.add(Watermark(company_id=company.id, entity=entity,
                                      updated_at_value=value))
            elif value > watermark.updated_at_value:
                watermark.updated_at_value = value
                watermark.last_run_at = datetime.now(UTC)
            report.watermarks[entity] = value

    def opening(self, session: Session, company: Company) -> None:
        """Magento's source quantities as QuickBooks opening quantities (valued at the
        items' cost, which the product pull gave them)."""
        from qbwc_service.sync.inventory import plan_opening_quantities

        lookup = DbLookup(session, company.id)
        items = list(self.client.source_items())
        names = {item.sku: name for item in items
                 if (name := lookup.qb_name("item", item.sku)) is not None}
        planned = plan_opening_quantities(
            items, names, self.config, multi_site=bool(company.multi_site_enabled),
            ref="OPENING")
        self.report.read["opening"] = len(items)
        self.report.skipped += [f"source item {item.sku} at {item.source_code}: no QuickBooks "
                                "item for this SKU" for item in items if item.sku not in names]
        self.report.planned.extend(planned)
        enqueue_plan(session, company.id, planned, self.report)
        if self.progress is not None:
            self.progress("opening", len(items), len(items))
