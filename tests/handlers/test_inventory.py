"""Inventory handler: per-site and company-wide quantities stored from query responses."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from qbwc_service.db.models import Request, SiteQuantity
from qbwc_service.handlers.inventory import InventoryHandler


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
