"""Inventory handler: per-site and company-wide quantities stored from query responses."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from qbwc_service.db.models import Request, SiteQuantity
from qbwc_service.handlers.inventory import CHUNK, InventoryHandler, store_quantities
from qbwc_service.qbxml import RetRecord


def _rows(session) -> dict[tuple[str, str], Decimal]:
    return {(r.item_name, r.site_name): r.quantity_on_hand
            for r in session.scalars(select(SiteQuantity))}


def test_item_sites_response_stores_one_row_per_site(db, company_id, response) -> None:
    """ItemSitesRet rows become (item, site) quantities; a repeat updates them in place."""
    with db.session() as session:
        request = Request(company_id=company_id, operation="ItemSitesQuery",
                          idempotency_key="inventory:1", payload={})
        session.add(request)
        session.flush()
        InventoryHandler().handle_response(session, request, response("ItemSitesQueryRs.xml"))
        InventoryHandler().handle_response(session, request, response("ItemSitesQueryRs.xml"))
        assert _rows(session) == {("SHIRT-M", "Main Warehouse"): Decimal(42),
                                  ("SHIRT-M", "East Warehouse"): Decimal("7.5")}


def test_item_inventory_response_stores_company_wide_totals(db, company_id, response) -> None:
    """ItemInventoryRet quantities are stored under the empty site name."""
    with db.session() as session:
        request = Request(company_id=company_id, operation="ItemInventoryQuery",
                          idempotency_key="inventory:2", payload={})
        session.add(request)
        session.flush()
        InventoryHandler().handle_response(session, request, response("ItemInventoryQueryRs.xml"))
        assert _rows(session) == {("SHIRT-M", ""): Decimal("49.5")}


def test_a_long_answer_is_stored_chunk_by_chunk(db, company_id) -> None:
    """More records than one chunk: each (item, site) once, the later report winning."""
    names = [f"SKU-{n}" for n in range(CHUNK + 10)] + ["SKU-3"]  # SKU-3 again, next chunk
    rets = (RetRecord("ItemInventoryRet", list_id=f"L-{name}", name=name, full_name=name,
                      quantity_on_hand=Decimal(position))
            for position, name in enumerate(names))
    with db.session() as session:
        assert store_quantities(session, company_id, rets) == len(names)
        rows = _rows(session)
        assert len(rows) == CHUNK + 10
        assert rows[("SKU-3", "")] == Decimal(len(names) - 1)
        assert rows[("SKU-0", "")] == Decimal(0)
        assert rows[(f"SKU-{CHUNK + 9}", "")] == Decimal(CHUNK + 9)
