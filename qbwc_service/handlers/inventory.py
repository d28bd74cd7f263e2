"""Inventory: quantities QuickBooks reports, per site when the company file uses sites.

``ItemSitesQuery`` answers one ``ItemSitesRet`` per item and site; ``ItemInventoryQuery``
answers company-wide totals (site ""). Each response page upserts ``SiteQuantity`` rows,
which ``sync.inventory.push_inventory`` writes to Magento's mapped sources.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from decimal import Decimal
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import SiteQuantity
from qbwc_service.db.records import RequestLike

__all__ = ["CHUNK", "OPERATIONS", "InventoryHandler", "store_quantities"]

OPERATIONS = ("ItemSitesQuery", "ItemInventoryQuery", "InventoryAdjustmentAdd")


# Rets looked up and flushed together: a catalogue's answer (tens of thousands of Rets,
# streamed) is applied a chunk at a time, so memory does not grow with it.
CHUNK = 500


def _reported(rets: Iterable[Any]) -> Iterator[tuple[str, str, str | None, Decimal]]:
    """(item, site, item ListID, quantity on hand) of each Ret that names all of them."""
    for ret in rets:
        if ret.type == "ItemSitesRet":
            item_name, site = ret.item_name, ret.site_name or ""
            list_id = ret.fields.get("ItemInventoryRef/ListID")
        else:
            item_name, site, list_id = ret.full_name or ret.name, "", ret.list_id
        if item_name and ret.quantity_on_hand is not None:
            yield item_name, site, list_id, Decimal(ret.quantity_on_hand)


def store_quantities(session: Session, company_id: int, rets: Iterable[Any],
                     *, now: datetime | None = None) -> int:
    """Upsert one ``SiteQuantity`` per (item, site) from query Rets; returns rows touched."""
    moment = now or datetime.now(UTC)
    touched = 0
    reported = _reported(rets)
    while chunk := list(islice(reported, CHUNK)):
        names = {item_name for item_name, *_ in chunk}
        rows = {(row.item_name, row.site_name): row for row in session.scalars(
            select(SiteQuantity).where(SiteQuantity.company_id == company_id,
                                       SiteQuantity.item_name.in_(names)))}
        for item_name, site, list_id, quantity in chunk:
            row = rows.get((item_name, site))
            if row is None:
                row = SiteQuantity(company_id=company_id, item_name=item_name, site_name=site,
                                   quantity_on_hand=Decimal(0))
                session.add(row)
                rows[(item_name, site)] = row
            row.item_list_id = list_id or row.item_list_id
            row.quantity_on_hand = quantity
            row.reported_at = moment
        touched += len(chunk)
        session.flush()
    return touched


class InventoryHandler:
    operations = OPERATIONS

    def handle_response(self, session: Session, request: RequestLike, response: Any) -> None:
        if request.operation == "InventoryAdjustmentAdd" or not response.ok:
            return
        store_quantities(session, request.company_id, response.rets)
