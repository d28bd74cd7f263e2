"""searchCriteria on the fake's side: parse the query string, filter, sort, page, trim.

Both spellings are understood (``filter_groups``/``filterGroups``,
``condition_type``/``conditionType``). ``like`` is case-insensitive as in MySQL's default
collation. Missing ``pageSize`` returns every match, as Magento does.

Filters behave as the SQL Magento builds from them on MySQL: a missing field matches only
``null`` (no comparison is true for NULL, a negated one neither), and a field is compared as
a number only when its stored value is one (an int, bool or Decimal), the filter's text then
read as MySQL reads it; a text field is compared as text, whatever its look.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

__all__ = ["Criteria", "SearchError", "apply_fields", "parse_criteria", "run_search"]

_KEY = re.compile(r"\[([^\]]*)\]")


class SearchError(Exception):
    """A malformed searchCriteria: Magento's message template and parameters."""

    def __init__(self, template: str, parameters: object = None) -> None:
        super().__init__(template)
        self.template = template
        self.parameters = parameters


@dataclass
class Criteria:
    groups: list[list[tuple[str, str, str]]] = field(default_factory=list)
    sort: list[tuple[str, str]] = field(default_factory=list)
    page_size: int | None = None
    current_page: int = 1
    fields: str | None = None
    echo: dict[str, Any] = field(default_factory=dict)


def parse_query(query: str) -> list[tuple[str, str]]:
    pairs = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((unquote(key.replace("+", " ")), unquote(value.replace("+", " "))))
    return pairs


def parse_criteria(pairs: Iterable[tuple[str, str]], *, required: bool = True) -> Criteria:
    tree: dict[str, Any] = {}
    fields = None
    seen = False
    for key, value in pairs:
        if key == "fields":
            fields = value
            continue
        head, _, rest = key.partition("[")
        if head != "searchCriteria":
            continue
        seen = True
        path = _KEY.findall("[" + rest) if rest else []
        node = tree
        for step in path[:-1]:
            node = node.setdefault(step, {})
        if path:
            node[path[-1]] = value
    if required and not seen:
        raise SearchError("%fieldName is a required field.", {"fieldName": "searchCriteria"})
    criteria = Criteria(fields=fields)
    groups = tree.get("filter_groups", tree.get("filterGroups", {}))
    for g in sorted(groups, key=_index):
        filters = groups[g].get("filters", {})
        group = []
        for f in sorted(filters, key=_index):
            entry = filters[f]
            condition = entry.get("condition_type", entry.get("conditionType", "eq")) or "eq"
            if "field" not in entry:
                raise SearchError("%fieldName is a required field.", {"fieldName": "field"})
            group.append((entry["field"], entry.get("value", ""), condition))
        criteria.groups.append(group)
    orders = tree.get("sortOrders", tree.get("sort_orders", {}))
    for s in sorted(orders, key=_index):
        criteria.sort.append((orders[s].get("field", ""), orders[s].get("direction", "ASC").upper()))
    page_size = tree.get("pageSize", tree.get("page_size"))
    if page_size not in (None, ""):
        criteria.page_size = int(page_size)
    current_page = tree.get("currentPage", tree.get("current_page"))
    if current_page not in (None, ""):
        # currentPage=0 behaves like 1 (magento2 #25619).
        criteria.current_page = max(1, int(current_page))
    criteria.echo = _echo(criteria)
    return criteria


def _index(key: str) -> int:
    return int(key) if key.isdigit() else 0


def _echo(criteria: Criteria) -> dict[str, Any]:
    echo: dict[str, Any] = {"filter_groups": [
        {"filters": [{"field": f, "value": v, "condition_type": c} for f, v, c in group]}
        for group in criteria.groups]}
    if criteria.sort:
        echo["sort_orders"] = [{"field": f, "direction": d} for f, d in criteria.sort]
    if criteria.page_size is not None:
        echo["page_size"] = criteria.page_size
        echo["current_page"] = criteria.current_page
    return echo


_NUMERIC_PREFIX = re.compile(r"\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def _stored_number(value: Any) -> Decimal | None:
    """A stored value as a number when its field is numeric in Magento (ids, quantities,
    amounts, flags), None when it is text: the value's type decides, never its look."""
    if isinstance(value, int):
        # bool included: MySQL keeps Magento's flags as 0 and 1.
        return Decimal(value)
    if isinstance(value, float | Decimal):
        return Decimal(str(value))
    return None


def _text_as_number(text: str) -> Decimal:
    """MySQL's reading of text compared with a number column: its numeric prefix, else 0."""
    prefix = _NUMERIC_PREFIX.match(text)
    return Decimal(prefix.group().strip()) if prefix else Decimal(0)


def _compare(present: Any, value: str) -> int:
    """The order of a stored value against the filter's text, as MySQL has it: a numeric
    field reads the text as a number, a text field compares text with text ("001" is not
    "1")."""
    if type(present) is int and value.isascii() and value.isdigit():
        # Ids dominate keyset paging; skip the Decimal round trip for them.
        other = int(value)
        return (present > other) - (present < other)
    number = _stored_number(present)
    if number is not None:
        wanted = _text_as_number(value)
        return (number > wanted) - (number < wanted)
    text = str(present)
    return (text > value) - (text < value)


def _like(pattern: str) -> re.Pattern[str]:
    regex = "".join(".*" if ch == "%" else "." if ch == "_" else re.escape(ch) for ch in pattern)
    return re.compile(f"^{regex}$", re.IGNORECASE | re.DOTALL)


_ORDERS: dict[str, Callable[[int], bool]] = {
    "eq": lambda o: o == 0, "gt": lambda o: o > 0,
    "gteq": lambda o: o >= 0, "from": lambda o: o >= 0, "moreq": lambda o: o >= 0,
    "lt": lambda o: o < 0, "lteq": lambda o: o <= 0, "to": lambda o: o <= 0,
}
# Each negative condition is SQL's NOT of a positive one (!=, NOT IN, NOT LIKE,
# NOT FIND_IN_SET), and like it is never true for NULL.
_NEGATIONS = {"neq": "eq", "nin": "in", "nlike": "like", "nfinset": "finset"}
_CONDITIONS = frozenset({"null", "notnull", "in", "like", "finset", *_ORDERS, *_NEGATIONS})


def _matches(row: Mapping[str, Any], field_name: str, value: str, condition: str) -> bool:
    if condition not in _CONDITIONS:
        raise SearchError("Invalid condition type: %1", [condition])
    present = row.get(field_name)
    if condition in ("null", "notnull"):
        return (present is None) == (condition == "null")
    if present is None:
        # SQL's comparisons, negated ones included, are never true for NULL: Magento
        # returns a row whose field is missing only to ``null``.
        return False
    positive = _NEGATIONS.get(condition)
    if positive is not None:
        return not _holds(present, value, positive)
    return _holds(present, value, condition)


def _holds(present: Any, value: str, condition: str) -> bool:
    """A positive condition on a stored value that is not NULL."""
    if condition == "in":
        # Magento splits the list on commas and keeps the spaces (its Mysql adapter's explode).
        return any(_compare(present, option) == 0 for option in value.split(","))
    if condition == "finset":
        return value in [m.strip() for m in str(present).split(",")]
    if condition == "like":
        return bool(_like(value).match(str(present)))
    return _ORDERS[condition](_compare(present, value))


def run_search(rows: Iterable[Mapping[str, Any]], criteria: Criteria, *,
               aliases: Mapping[str, str] | None = None, default_sort: str | None = None,
               repeat_last_page: bool = False, order_cache: dict[Any, Any] | None = None,
               generation: Any = None) -> tuple[list[Mapping[str, Any]], int]:
    """The page of rows and ``total_count``; ``aliases`` maps filter fields to row keys.

    With ``order_cache`` (and the store's ``generation``, which changes with every edit) an
    unfiltered search sorts once and pages through that order, as a database index would.
    """
    names = dict(aliases or {})

    def key_of(name: str) -> str:
        return names.get(name, name)

    sort = criteria.sort or ([(default_sort, "DESC")] if default_sort else [])
    cached: list[Mapping[str, Any]] | None = None
    if order_cache is not None and not criteria.groups:
        rows = list(rows)
        cache_key = (generation, tuple(sort), len(rows))
        cached = order_cache.get(cache_key)
    if cached is not None:
        matched = cached
    else:
        matched = [
            row for row in rows
            if all(any(_matches(row, key_of(f), v, c) for f, v, c in group)
                   for group in criteria.groups)
        ]
        for field_name, direction in reversed(sort):
            key = key_of(field_name)
            matched.sort(key=lambda row: _sort_key(row.get(key)), reverse=direction == "DESC")
        if order_cache is not None and not criteria.groups:
            order_cache.clear()
            order_cache[cache_key] = matched
    total = len(matched)
    if criteria.page_size is None:
        return list(matched), total
    size = criteria.page_size
    start = (criteria.current_page - 1) * size
    if start >= total and repeat_last_page and total:
        # Magento 2.0-2.3 answered a page past the end with the last page again (#8099).
        start = ((total - 1) // size) * size
    return matched[start:start + size], total


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        # MySQL puts NULL first in an ascending order.
        return (0, 0)
    if type(value) is int:
        return (1, value)
    number = _stored_number(value)
    if number is not None:
        return (1, number)
    return (2, str(value))


def apply_fields(document: Any, spec: str) -> Any:
    """Partial response: ``items[entity_id,items[sku]],total_count``."""
    return _select(document, _parse_fields(spec))


def _parse_fields(spec: str) -> dict[str, Any]:
    result: dict[str, Any] = {}
    stack = [result]
    name = ""
    for ch in spec:
        if ch == "[":
            child: dict[str, Any] = {}
            stack[-1][name.strip()] = child
            stack.append(child)
            name = ""
        elif ch in ",]":
            if name.strip():
                stack[-1][name.strip()] = None
            name = ""
            if ch == "]" and len(stack) > 1:
                stack.pop()
        else:
            name += ch
    if name.strip():
        stack[-1][name.strip()] = None
    return result


def _select(document: Any, wanted: dict[str, Any]) -> Any:
    if isinstance(document, list):
        return [_select(entry, wanted) for entry in document]
    if not isinstance(document, Mapping):
        return document
    return {key: (document[key] if sub is None else _select(document[key], sub))
            for key, sub in wanted.items() if key in document}
