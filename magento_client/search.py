"""``searchCriteria`` builder and the query-string encoding Magento's OAuth check accepts.

Filters inside one group are OR-ed; groups are AND-ed. Always send a page size and an
explicit sort: without them Magento returns every match, newest first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Literal
from urllib.parse import quote

from magento_client.documents import format_datetime

__all__ = [
    "CONDITION_TYPES",
    "Condition",
    "Filter",
    "FilterValue",
    "SearchCriteria",
    "encode_query",
]

Condition = Literal[
    "eq", "neq", "gt", "gteq", "lt", "lteq", "from", "to", "in", "nin",
    "like", "nlike", "null", "notnull", "finset", "nfinset", "moreq",
]
CONDITION_TYPES: frozenset[str] = frozenset(Condition.__args__)  # type: ignore[attr-defined]

FilterValue = str | int | Decimal | float | bool | datetime | Sequence[object] | None


def _format_value(value: FilterValue) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, datetime):
        return format_datetime(value)
    if isinstance(value, str):
        return value
    if isinstance(value, Sequence):
        return ",".join(_format_value(v) for v in value)  # type: ignore[arg-type]
    return str(value)


@dataclass(frozen=True)
class Filter:
    """One ``field condition value`` test; list values are sent comma-separated."""

    field: str
    value: FilterValue
    condition_type: Condition = "eq"

    def __post_init__(self) -> None:
        if self.condition_type not in CONDITION_TYPES:
            raise ValueError(f"unknown condition_type {self.condition_type!r}")


@dataclass(frozen=True)
class SearchCriteria:
    """Immutable builder: every method returns a new criteria object."""

    filter_groups: tuple[tuple[Filter, ...], ...] = ()
    sort_orders: tuple[tuple[str, str], ...] = ()
    page_size: int | None = None
    current_page: int | None = None
    fields: str | None = None

    def where(self, field: str, value: FilterValue, condition_type: Condition = "eq") -> SearchCriteria:
        """AND a new group holding one filter."""
        return replace(self, filter_groups=(*self.filter_groups, (Filter(field, value, condition_type),)))

    def where_any(self, *filters: Filter) -> SearchCriteria:
        """AND a new group whose filters are OR-ed."""
        if not filters:
            raise ValueError("where_any needs at least one filter")
        return replace(self, filter_groups=(*self.filter_groups, tuple(filters)))

    def sort(self, field: str, direction: str = "ASC") -> SearchCriteria:
        direction = direction.upper()
        if direction not in ("ASC", "DESC"):
            raise ValueError("direction must be ASC or DESC")
        return replace(self, sort_orders=(*self.sort_orders, (field, direction)))

    def page(self, page_size: int, current_page: int = 1) -> SearchCriteria:
        return replace(self, page_size=page_size, current_page=current_page)

    def with_fields(self, fields: str) -> SearchCriteria:
        """Partial response, e.g. ``items[entity_id,updated_at],total_count``."""
        return replace(self, fields=fields)

    def to_params(self) -> list[tuple[str, str]]:
        """Flattened ``searchCriteria[...]`` pairs in a stable order."""
        params: list[tuple[str, str]] = []
        for g, group in enumerate(self.filter_groups):
            for f, item in enumerate(group):
                prefix = f"searchCriteria[filter_groups][{g}][filters][{f}]"
                params.append((f"{prefix}[field]", item.field))
                params.append((f"{prefix}[value]", _format_value(item.value)))
                params.append((f"{prefix}[condition_type]", item.condition_type))
        for s, (field, direction) in enumerate(self.sort_orders):
            params.append((f"searchCriteria[sortOrders][{s}][field]", field))
            params.append((f"searchCriteria[sortOrders][{s}][direction]", direction))
        if self.page_size is not None:
            params.append(("searchCriteria[pageSize]", str(self.page_size)))
        if self.current_page is not None:
            params.append(("searchCriteria[currentPage]", str(self.current_page)))
        if not params:
            # Endpoints answer "%fieldName is a required field." without any searchCriteria.
            params.append(("searchCriteria", ""))
        if self.fields:
            params.append(("fields", self.fields))
        return params

    def encode(self) -> str:
        return encode_query(self.to_params())


def encode_query(params: Iterable[tuple[str, str]]) -> str:
    """Percent-encode everything but unreserved characters; spaces become ``%20``.

    ``+`` for spaces is what breaks Magento 2.4.6's signature check (magento2 #37278): the
    client signs a space, Magento signs a plus. ``%20`` reads the same on both sides.
    """
    return "&".join(f"{quote(key, safe='')}={quote(value, safe='')}" for key, value in params)
