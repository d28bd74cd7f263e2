"""Pull changed Magento documents and queue the QuickBooks requests they plan to.

Incremental by ``updated_at`` (UTC) with an overlap window and a watermark per company
and entity; safe to repeat because the queue is idempotent by request key and a
changed document only updates a request that was not posted yet.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from magento_client.documents import (
    CreditMemo,
    Invoice,
    Order,
    Product,
    SourceItem,
    format_datetime,
)
from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, Watermark
from qbwc_service.sync.config import CompanyMappingConfig, effective_company_config
from qbwc_service.sync.enqueue import (
    DbLookup,
    Progress,
    SyncReport,
    enqueue_plan,
    get_company,
)
from qbwc_service.sync.exceptions import DocumentSkipped, PlanningError, SyncError
from qbwc_service.sync.inventory import (
    enqueue_inventory_query,
    plan_opening_quantities,
    shipments_of,
)
from qbwc_service.sync.parties import plan_customer, plan_product, plan_setup_items
from qbwc_service.sync.plan import CompanyFacts, PlanContext, PlannedRequest
from qbwc_service.sync.posting import (
    check_tax_edition,
    plan_credit_memo,
    plan_invoice,
    plan_order,
)

__all__ = [
    "DOCUMENTS",
    "ENTITIES",
    "INITIAL",
    "MagentoSource",
    "pull_and_enqueue",
    "store_timezones",
]

log = logging.getLogger(__name__)

ENTITIES = ("orders", "invoices", "creditmemos", "products", "inventory")
# What a pull reads unless told otherwise: the sales documents.
DOCUMENTS = ("orders", "invoices", "creditmemos")
# ``sync --initial`` (magento_to_quickbooks stock mode): every product as an item, then
# Magento's source quantities as opening quantities.
INITIAL = ("products", "opening")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)




class MagentoSource(Protocol):
    """The parts of ``MagentoClient`` the runner reads."""

    def iter_updated(self, entity: str, since: datetime, overlap: timedelta = ...,
                     criteria: Any = None) -> Any: ...

    def order(self, entity_id: int) -> Order: ...

    def invoice(self, entity_id: int) -> Invoice: ...

    def store_configs(self, store_codes: Iterable[str] = ()) -> list[Any]: ...

    def source_items(self, criteria: Any = None) -> Iterable[SourceItem]: ...


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
        if ctx.uses_sites and order_id not in ctx.shipments:
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
    entities: Sequence[str] = DOCUMENTS,
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
