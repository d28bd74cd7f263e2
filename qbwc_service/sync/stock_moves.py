"""Magento as the record of stock (``inventory_direction = "magento_to_quickbooks"``):
QuickBooks' site quantities follow Magento's source quantities.

Magento has no transfer document. Moving stock between MSI sources (the admin's source
items, or ``POST /V1/inventory/bulk-inventory-transfer``) shows only as one source's
quantity falling and another's rising. QuickBooks should hold, at each mapped site, the
source's quantity corrected by the units one side has deducted and the other not yet
(:mod:`.stock_position`)::

    QuickBooks should hold = Magento quantity + units not yet deducted

The difference per SKU and site is what moved outside sales and refunds. Where one site
holds too much and another too little, the overlap is one ``TransferInventoryAdd`` per
pair of sites (QuickBooks moves the stock and its value, no account changes); what is left
is an ``InventoryAdjustmentAdd`` per site against ``accounts.write_off`` (received stock
and shrinkage alike: Magento says nothing of their value). Only QuickBooks quantities
reported after every earlier move was posted are used, so nothing moves twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import func, select

from magento_client.documents import CreditMemo, Invoice, Order, Shipment, SourceItem
from qbwc_service.context import AppContext
from qbwc_service.db.models import Request, RequestStatus, SiteQuantity
from qbwc_service.sync.config import CompanyMappingConfig, effective_company_config
from qbwc_service.sync.enqueue import enqueue_plan, get_company
from qbwc_service.sync.inventory import item_names, pending_as_reported
from qbwc_service.sync.plan import PlannedRequest, Priority
from qbwc_service.sync.stock_position import Shelf

__all__ = ["StockMoves", "plan_stock_moves", "queue_stock_moves"]

_ZERO = Decimal(0)
ENTITY = "stock_move"


class SourceItemReader(Protocol):
    def source_items(self, criteria: Any = None) -> Iterable[SourceItem]: ...


@dataclass
class StockMoves:
    """What one comparison planned, and why anything was left alone."""

    planned: list[PlannedRequest] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def _request(operation: str, key: str, reference: str, context: dict[str, Any],
             ) -> PlannedRequest:
    return PlannedRequest(operation=operation, key=key, context=context, entity_type=ENTITY,
                          magento_id=key.removeprefix("stock-move:")[:64],
                          magento_ref=reference[:64], priority=Priority.INVENTORY)


def plan_stock_moves(magento: Mapping[Shelf, Decimal], quickbooks: Mapping[tuple[str, str],
                     Decimal], pending: Mapping[Shelf, Decimal], names_by_sku: Mapping[str, str],
                     config: CompanyMappingConfig, *, reported_at: datetime
                     ) -> list[PlannedRequest]:
    """Transfers between sites, then adjustments, that make QuickBooks' quantity at each
    mapped site (``quickbooks``: item name and site) equal Magento's source quantity
    (``magento``: SKU and source) plus the units not yet deducted (``pending``)."""
    stamp = f"{reported_at:%Y%m%dT%H%M%S}"
    transfers: dict[tuple[str, str], list[dict[str, Any]]] = {}
    adjustments: dict[str, list[dict[str, Any]]] = {}
    for sku, name in sorted(names_by_sku.items()):
        short: list[list[Any]] = []  # [site, units QuickBooks lacks]
        extra: list[list[Any]] = []  # [site, units QuickBooks holds beyond Magento, held]
        for source, site in sorted(config.sites.items()):
            if (sku, source) not in magento:
                continue
            held = quickbooks.get((name, site), _ZERO)
            difference = magento[(sku, source)] + pending.get((sku, source), _ZERO) - held
            if difference > 0:
                short.append([site, difference])
            elif difference < 0:
                extra.append([site, -difference, held])
        for giver in extra:
            for taker in short:
                # A transfer never takes a site below zero: QuickBooks refuses that.
                units = min(giver[1], taker[1], max(giver[2], _ZERO))
                if units <= 0:
                    continue
                transfers.setdefault((giver[0], taker[0]), []).append(
                    {"ItemRef": {"FullName": name}, "QuantityToTransfer": units})
                giver[1] -= units
                giver[2] -= units
                taker[1] -= units
        for site, units in [(s, u) for s, u in short if u] + [(s, -u) for s, u, _h in extra if u]:
            adjustments.setdefault(site, []).append(
                {"ItemRef": {"FullName": name},
                 "QuantityAdjustment": {"QuantityDifference": units}})
    ref = f"M{reported_at:%m%d%H%M}"
    planned: list[PlannedRequest] = []
    for (giver_site, taker_site), lines in sorted(transfers.items()):
        reference = f"Magento stock {stamp} {giver_site} > {taker_site}"
        planned.append(_request("TransferInventoryAdd",
                                f"stock-move:{stamp}:{giver_site}>{taker_site}", reference, {
                                    "TxnDate": reported_at.date(), "RefNumber": ref,
                                    "FromInventorySiteRef": {"FullName": giver_site},
                                    "ToInventorySiteRef": {"FullName": taker_site},
                                    "Memo": f"{reference}: moved between MSI sources",
                                    "TransferInventoryLineAdd": lines}))
    for site, lines in sorted(adjustments.items()):
        reference = f"Magento stock {stamp} {site}"
        planned.append(_request("InventoryAdjustmentAdd", f"stock-move:{stamp}:{site}",
                                reference, {
                                    "AccountRef": {"FullName": config.accounts.write_off},
                                    "TxnDate": reported_at.date(), "RefNumber": ref,
                                    "InventorySiteRef": {"FullName": site},
                                    "Memo": f"{reference}: source quantity changed in Magento",
                                    "InventoryAdjustmentLineAdd": lines}))
    return planned


def queue_stock_moves(ctx: AppContext, company_name: str, client: SourceItemReader, *,
                      orders: Iterable[Order] = (), invoices: Iterable[Invoice] = (),
                      creditmemos: Iterable[CreditMemo] = (),
                      shipments: Iterable[Shipment] = ()) -> StockMoves:
    """Compare Magento's source items with QuickBooks' last reported site quantities and
    queue the transfers and adjustments that close the gap (see the module docstring)."""

    result = StockMoves()
    with ctx.db.session() as session:
        company = get_company(session, company_name)
        config = effective_company_config(ctx.settings, company)
        if config.inventory_direction != "magento_to_quickbooks":
            result.skipped.append(f"inventory direction is {config.inventory_direction}")
            return result
        if not company.multi_site_enabled or not config.sites:
            result.skipped.append("the company file has no sites mapped to Magento sources")
            return result
        waiting = session.scalar(select(func.count(Request.id)).where(
            Request.company_id == company.id, Request.entity_type == ENTITY,
            Request.status.notin_((RequestStatus.SUCCEEDED.value,
                                   RequestStatus.CANCELED.value))))
        if waiting:
            result.skipped.append(f"{waiting} earlier stock move(s) not posted yet")
            return result
        last_move = session.scalar(select(func.max(Request.completed_at)).where(
            Request.company_id == company.id, Request.entity_type == ENTITY))
        rows = list(session.scalars(select(SiteQuantity).where(
            SiteQuantity.company_id == company.id)))
        reported = min((row.reported_at for row in rows), default=None)
        if reported is None or (last_move is not None and reported <= last_move):
            result.skipped.append("waiting for QuickBooks to report quantities after the "
                                  "last stock moves")
            return result
        names = item_names(session, company.id)
        pending = pending_as_reported(session, company, config, reported, orders, invoices,
                                      creditmemos, shipments)
        magento = {(item.sku, item.source_code): item.quantity for item in client.source_items()
                   if item.sku in names}
        quickbooks = {(row.item_name, row.site_name): row.quantity_on_hand for row in rows}
        result.planned = plan_stock_moves(magento, quickbooks, pending, names, config,
                                          reported_at=reported)
        enqueue_plan(session, company.id, result.planned)
    return result
