"""JSON rendering for the fake: Decimal amounts as JSON numbers, orders as Magento shows them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

__all__ = ["dumps", "plain", "render_order"]


def plain(value: Any) -> Any:
    """Decimals become ints when whole, floats otherwise (2-place values round-trip)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Mapping):
        return {key: plain(item) for key, item in value.items() if not str(key).startswith("_")}
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    return value


def dumps(value: Any) -> bytes:
    return json.dumps(plain(value), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def render_order(order: Mapping[str, Any]) -> dict[str, Any]:
    """Children carry a ``parent_item`` copy and the shipping assignment lists the items."""
    by_id = {row["item_id"]: row for row in order["items"]}
    items = []
    for row in order["items"]:
        rendered = dict(row)
        parent_id = row.get("parent_item_id")
        if parent_id is not None and parent_id in by_id:
            rendered["parent_item"] = dict(by_id[parent_id])
        items.append(rendered)
    document = {key: value for key, value in order.items() if not key.startswith("_")}
    document["items"] = items
    extension = dict(document.get("extension_attributes") or {})
    assignments = []
    for assignment in extension.get("shipping_assignments") or []:
        assignments.append({**assignment, "items": [dict(row) for row in order["items"]]})
    extension["shipping_assignments"] = assignments
    document["extension_attributes"] = extension
    return document
