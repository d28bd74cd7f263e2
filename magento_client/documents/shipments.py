"""Shipments: which units of an order left which MSI source.

``GET /V1/shipments`` (searchCriteria on ``order_id``) and ``GET /V1/shipment/{id}``
return ``sales-data-shipment-interface`` documents; with MSI (Magento 2.3+) the source
that shipped them is ``extension_attributes.source_code``
(``sales-data-shipment-extension-interface`` in the 2.4 OpenAPI schema). Magento lowers
that source's quantity at shipment (magento-rest.md §13). A store without MSI sends no
``source_code``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from magento_client.documents._values import (
    as_datetime,
    as_decimal,
    as_int,
    as_optional_int,
    as_optional_str,
    as_raw,
    as_str,
    get_path,
    readable,
)

__all__ = ["Shipment", "ShipmentItem"]


@dataclass(frozen=True)
class ShipmentItem:
    """A shipped order row: join to the order through ``order_item_id``."""

    order_item_id: int
    sku: str
    qty: Decimal
    entity_id: int | None = None

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> ShipmentItem:
        return cls(order_item_id=as_int(document.get("order_item_id")),
                   sku=as_str(document.get("sku")), qty=as_decimal(document.get("qty")),
                   entity_id=as_optional_int(document.get("entity_id")))


@dataclass(frozen=True)
class Shipment:
    """``GET /V1/shipment/{id}``; ``source_code`` is None when the store has no MSI."""

    entity_id: int
    increment_id: str
    order_id: int
    source_code: str | None
    created_at: datetime | None
    updated_at: datetime | None
    items: list[ShipmentItem] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    @readable("shipment")
    def from_json(cls, document: Mapping[str, Any]) -> Shipment:
        return cls(
            entity_id=as_int(document.get("entity_id")),
            increment_id=as_str(document.get("increment_id")),
            order_id=as_int(document.get("order_id")),
            source_code=as_optional_str(get_path(document, "extension_attributes",
                                                 "source_code")),
            created_at=as_datetime(document.get("created_at")),
            updated_at=as_datetime(document.get("updated_at")),
            items=[ShipmentItem.from_json(row) for row in document.get("items") or []],
            raw=as_raw(document),
        )
