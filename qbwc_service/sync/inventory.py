"""Quantities between QuickBooks (the system of record by default) and Magento MSI.

QuickBooks lowers on-hand when the invoice is posted; Magento lowers a source only at
shipment. A push therefore corrects QuickBooks' quantity by the units one side has
deducted and the other not yet (:mod:`.stock_position`, magento-rest.md §13), and uses
only quantities QuickBooks reported since the last push.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from magento_client.documents import CreditMemo, Invoice, Order, Shipment, SourceItem
from magento_client.search import SearchCriteria
from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, Request, RequestStatus, SiteQuantity
from qbwc_service.db.models import Mapping as MappingRow
from qbwc_service.sync.config import CompanyMappingConfig, load_company_config
from qbwc_service.sync.enqueue import SyncReport, enqueue_plan, get_company
from qbwc_service.sync.plan import CompanyFacts, PlanContext, PlannedRequest, Priority
from qbwc_service.sync.stock_position import not_yet_deducted

__all__ = [
    "InventoryPush",
    "enqueue_inventory_query",
    "item_names",
    "pending_as_reported",
    "plan_opening_quantities",
    "push_inventory",
    "quantities_to_push",
]


class OpenDocumentReader(Protocol):
    def orders(self, criteria: SearchCriteria | None = None) -> Iterable[Order]: ...

    def for_orders(self, entity: str, order_ids: Iterable[int]) -> Iterable[Any]: ...


class SourceItemWriter(Protocol):
    def save_source_items(self, items: Iterable[SourceItem], *,
                          batch_size: int | None = None) -> int: ...


@dataclass
class InventoryPush:
    """What a push wrote to Magento."""

    items: list[SourceItem] = field(default_factory=list)
    batches: int = 0
    skipped: list[str] = field(default_factory=list)


def enqueue_inventory_query(session: Session, company: Company, *,
                            now: datetime | None = None,
                            report: SyncReport | None = None) -> PlannedRequest:
    """One quantity query per run: per site when the company file uses sites."""
    moment = now or datetime.now(UTC)
    operation = "ItemSitesQuery" if company.multi_site_enabled else "ItemInventoryQuery"
    context: dict[str, Any] = {"ActiveStatus": "ActiveOnly"}
    planned = PlannedRequest(
        operation=operation, key=f"inventory:{moment:%Y%m%dT%H%M}", context=context,
        entity_type=None, priority=Priority.INVENTORY,
    )

    enqueue_plan(session, company.id, [planned], report)
    return planned


def quantities_to_push(
    site_quantities: Iterable[SiteQuantity],
    item_skus: Mapping[str, str],
    config: CompanyMappingConfig,
    pending: Mapping[tuple[str, str], Decimal],
    *,
    multi_site: bool,
) -> tuple[list[SourceItem], list[str]]:
    """Magento source items from QuickBooks quantities less the units Magento deducted
    from each source that QuickBooks has not yet from its site (``pending``, per SKU and
    source): (items, reasons for skipped rows)."""
    sources_by_site = config.sources_by_site
    items: list[SourceItem] = []
    skipped: list[str] = []
    for row in site_quantities:
        sku = item_skus.get(row.item_name)
        if sku is None:
            skipped.append(f"QuickBooks item {row.item_name!r} is not mapped to a Magento SKU")
            continue
        if multi_site:
            source = sources_by_site.get(row.site_name)
            if source is None:
                skipped.append(f"site {row.site_name!r} is not mapped to a Magento source")
                continue
        else:
            source = config.sales_source
        quantity = max(row.quantity_on_hand - pending.get((sku, source), Decimal(0)),
                       Decimal(0))
        items.append(SourceItem(sku=sku, source_code=source, quantity=quantity,
                                status=1 if quantity > 0 else 0))
    return items, skipped


def shipments_of(client: Any, order_id: int) -> list[Shipment]:
    """The order's Magento shipments; none from a client that cannot list them."""
    reader = getattr(client, "shipments_for_order", None)
    return list(reader(order_id)) if reader is not None else []


def open_documents(client: OpenDocumentReader) -> dict[str, list[Any]]:
    """Orders still moving (processing) with their invoices, credit memos and shipments:
    where Magento and QuickBooks can disagree on what left which shelf. Read by the
    inventory push and by the reconciliation's quantity check, so both net the same units.
    The documents are searched by order id in chunks, so the calls do not grow with each
    order."""
    orders = list(client.orders(SearchCriteria().where("state", "processing")))
    order_ids = [order.entity_id for order in orders]
    documents: dict[str, list[Any]] = {"orders": orders}
    for entity in ("invoices", "creditmemos", "shipments"):
        documents[entity] = list(client.for_orders(entity, order_ids))
    return documents


def push_inventory(ctx: AppContext, company_name: str, client: SourceItemWriter, *,
                   orders: Iterable[Order] = (), invoices: Iterable[Invoice] = (),
                   creditmemos: Iterable[CreditMemo] = (), shipments: Iterable[Shipment] = (),
                   batch_size: int | None = None) -> InventoryPush:
    """Write the quantities QuickBooks reported since the last push to Magento's mapped
    sources, each net of the units Magento deducted from that source that QuickBooks had
    not from its site when it reported (:mod:`.stock_position`, from the orders'
    ``shipments``); quantities not reported again since the last push are not pushed, so
    Magento never gets a number older than what it already has."""

    config = load_company_config(ctx.settings, company_name)
    result = InventoryPush()
    if config.inventory_direction != "quickbooks_to_magento":
        result.skipped.append(f"inventory direction is {config.inventory_direction}")
        return result
    with ctx.db.session() as session:
        company = get_company(session, company_name)
        rows = list(session.scalars(select(SiteQuantity).where(
            SiteQuantity.company_id == company.id)))
        fresh = [row for row in rows if row.pushed_at is None or row.reported_at > row.pushed_at]
        if len(fresh) < len(rows):
            result.skipped.append(f"{len(rows) - len(fresh)} quantities were not reported "
                                  "again since the last push; waiting for a fresh answer")
        if not fresh:
            return result
        reported = min(row.reported_at for row in fresh)
        item_skus = {name: sku for sku, name in item_names(session, company.id).items()}
        pending = pending_as_reported(session, company, config, reported, orders, invoices,
                                      creditmemos, shipments)
        items, skipped = quantities_to_push(
            fresh, item_skus, config, pending, multi_site=bool(company.multi_site_enabled))
        result.skipped += skipped
        if items:
            result.batches = client.save_source_items(items, batch_size=batch_size)
        result.items = items
        now = datetime.now(UTC)
        for row in fresh:
            row.pushed_at = now
    return result


def item_names(session: Session, company_id: int) -> dict[str, str]:
    """SKU -> the QuickBooks item name it was posted under."""
    return {sku: name for name, sku in session.execute(
        select(MappingRow.qb_name, MappingRow.magento_id).where(
            MappingRow.company_id == company_id, MappingRow.entity_type == "item"))
        if name and not sku.startswith("@")}


def pending_as_reported(session: Session, company: Company, config: CompanyMappingConfig,
                        reported: datetime, orders: Iterable[Order],
                        invoices: Iterable[Invoice], creditmemos: Iterable[CreditMemo],
                        shipments: Iterable[Shipment]) -> dict[tuple[str, str], Decimal]:
    """Units not yet deducted per SKU and source (:mod:`.stock_position`) as they stood
    when QuickBooks ``reported`` its quantities: only requests posted by then count."""
    posted_by_then = (Request.company_id == company.id,
                      Request.status == RequestStatus.SUCCEEDED.value,
                      Request.completed_at <= reported)
    posted: dict[str, Mapping[str, Any] | None] = dict.fromkeys(session.scalars(
        select(Request.idempotency_key).where(*posted_by_then)))
    # The payloads of these documents' postings say at which site each line moved stock;
    # only those are read (a payload is the whole request, and the history is long).
    invoices, creditmemos = list(invoices), list(creditmemos)
    documents = [f"invoice:{invoice.entity_id}" for invoice in invoices] + \
        [f"creditmemo:{memo.entity_id}" for memo in creditmemos]
    posted.update(session.execute(select(Request.idempotency_key, Request.payload).where(
        *posted_by_then, Request.idempotency_key.in_(documents))).all())
    by_order: dict[int, list[Shipment]] = {}
    for shipment in shipments:
        by_order.setdefault(shipment.order_id, []).append(shipment)
    return not_yet_deducted(orders, invoices, creditmemos, posted, PlanContext(
        config=config, facts=CompanyFacts.from_company(company), shipments=by_order))


def plan_opening_quantities(
    source_items: Iterable[SourceItem], item_names: Mapping[str, str],
    config: CompanyMappingConfig, *, multi_site: bool, ref: str,
) -> list[PlannedRequest]:
    """Initial load Magento → QuickBooks: one ``InventoryAdjustmentAdd`` per site. QuickBooks
    values a quantity added to an item with no stock at the item's cost, which the item
    adds carry from Magento's ``cost`` (``PurchaseCost``), so the asset starts at cost."""
    by_site: dict[str, list[dict[str, Any]]] = {}
    for item in source_items:
        name = item_names.get(item.sku)
        site = config.sites.get(item.source_code) if multi_site else ""
        if name is None or site is None:
            continue
        by_site.setdefault(site, []).append({
            "ItemRef": {"FullName": name},
            "QuantityAdjustment": {"NewQuantity": item.quantity},
        })
    planned: list[PlannedRequest] = []
    for site, lines in sorted(by_site.items()):
        context: dict[str, Any] = {
            "AccountRef": {"FullName": config.accounts.inventory_adjustment},
            "RefNumber": ref[:11],
            "Memo": "Opening quantities from Magento",
            "InventoryAdjustmentLineAdd": lines,
        }
        if site:
            context["InventorySiteRef"] = {"FullName": site}
        planned.append(PlannedRequest(
            operation="InventoryAdjustmentAdd", key=f"opening:{ref}:{site or 'all'}",
            context=context, entity_type=None, priority=Priority.INVENTORY,
            depends_on_keys=tuple(f"item:{sku}" for sku in item_names),
        ))
    return planned
