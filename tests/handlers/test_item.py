"""Item handler: a long SKU's mapping points at the short QuickBooks name."""

from __future__ import annotations

from sqlalchemy import select

from qbwc_service.db.models import Mapping, Request
from qbwc_service.handlers.item import ItemHandler
from qbwc_service.qbxml.parse import QbResponse, RetRecord

from .conftest import succeed

SKU = "24-WG080-24-WG084-24-WG088-24-WG082-blue"


def test_item_mapping_keys_the_full_sku_to_the_short_name(db, company_id) -> None:
    """Mapping: magento_id is the full SKU, qb_name the ≤ 31-character item name."""
    with db.session() as session:
        request = Request(company_id=company_id, operation="ItemInventoryAdd",
                          idempotency_key=f"item:{SKU}", entity_type="item", magento_id=SKU,
                          payload={"Name": "G088-24-WG082-blue~X1Y2"})
        session.add(request)
        session.flush()
        answer = QbResponse(request_id=str(request.id), operation="ItemInventoryAdd",
                            status_code=0, severity="Info", message="Status OK",
                            rets=[RetRecord(type="ItemInventoryRet", list_id="80000011-1",
                                            name="G088-24-WG082-blue~X1Y2",
                                            full_name="G088-24-WG082-blue~X1Y2")])
        succeed(session, request, answer)
        ItemHandler().handle_response(session, request, answer)
        mapping = session.scalars(select(Mapping).where(Mapping.magento_id == SKU)).one()
        assert mapping.qb_name == "G088-24-WG082-blue~X1Y2"
        assert mapping.qb_type == "ItemInventory"
