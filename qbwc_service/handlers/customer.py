"""Customers: ``CustomerAdd`` planned from orders (one per Magento customer or guest)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import quickbooks_facts
from qbwc_service.db.records import RequestLike
from qbwc_service.handlers._common import keep, mapping_for

__all__ = ["OPERATIONS", "CustomerHandler"]

OPERATIONS = ("CustomerAdd",)


class CustomerHandler:
    """Keeps the name QuickBooks holds on the mapping, so later lines refer to it exactly."""

    operations = OPERATIONS

    def handle_response(self, session: Session, request: RequestLike, response: Any) -> None:
        if not response.ok or not response.rets:
            return
        mapping = mapping_for(session, request)
        ret = response.rets[0]
        if mapping is not None and (ret.full_name or ret.name):
            keep(mapping, {"qb_name": ret.full_name or ret.name, **quickbooks_facts(ret)})
