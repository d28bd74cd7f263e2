"""Items: inventory, service and non-inventory adds made from Magento products.

The mapping is keyed by SKU, so a SKU longer than QuickBooks' 31-character name still
finds its item; the QuickBooks name is whatever QuickBooks answered with.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import quickbooks_facts
from qbwc_service.db.records import RequestLike
from qbwc_service.handlers._common import keep, mapping_for

__all__ = ["OPERATIONS", "ItemHandler"]

OPERATIONS = ("ItemInventoryAdd", "ItemServiceAdd", "ItemNonInventoryAdd", "ItemOtherChargeAdd",
              "ItemDiscountAdd")


class ItemHandler:
    operations = OPERATIONS

    def handle_response(self, session: Session, request: RequestLike, response: Any) -> None:
        if not response.ok or not response.rets:
            return
        mapping = mapping_for(session, request)
        ret = response.rets[0]
        if mapping is not None:
            keep(mapping, {"qb_name": ret.full_name or ret.name or mapping.qb_name,
                           **quickbooks_facts(ret)})
