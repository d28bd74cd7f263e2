"""Walking search results: offset pages with Magento's stop rules, or keyset pages.

Stop rules for offset paging: an empty ``items`` page, or ``currentPage * pageSize >=
total_count``. Magento 2.0-2.3 answered a page past the end with the last page again
(magento2 #3787, #8099), and ``/V1/products`` has returned duplicates across pages
(#25001), so rows are also de-duplicated by id. Keyset paging (``id gt last``, sorted by
id) avoids deep offsets on large tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

from magento_client.exceptions import MagentoBadResponse
from magento_client.search import SearchCriteria

__all__ = ["SearchPage", "iter_search"]

Fetch = Callable[[SearchCriteria], Any]


@dataclass(frozen=True)
class SearchPage:
    """One ``{items, search_criteria, total_count}`` envelope."""

    items: list[dict[str, Any]]
    total_count: int | None

    @classmethod
    def from_json(cls, body: Any) -> SearchPage:
        if not isinstance(body, Mapping):
            raise MagentoBadResponse("a search answered %1 instead of an object",
                                     parameters=[type(body).__name__])
        total = body.get("total_count")
        return cls(items=list(body.get("items") or []),
                   total_count=int(total) if total is not None else None)


def iter_search(
    fetch: Fetch,
    criteria: SearchCriteria,
    *,
    page_size: int,
    id_key: str = "entity_id",
    id_field: str = "entity_id",
    keyset: bool = False,
) -> Iterator[dict[str, Any]]:
    """Yield every matching row once. ``id_key`` names the id in rows, ``id_field`` in filters."""
    seen: set[Any] = set()
    if keyset:
        yield from _keyset(fetch, criteria, page_size, id_key, id_field, seen)
        return
    if not criteria.sort_orders:
        criteria = criteria.sort(id_field, "ASC")

    def page_at(number: int) -> Any:
        return fetch(replace(criteria, page_size=page_size, current_page=number))

    page_number = max(1, criteria.current_page or 1)
    # Read-ahead: the next page downloads while the caller works through this one, so the
    # store's time and ours overlap instead of adding up.
    reader = ThreadPoolExecutor(max_workers=1, thread_name_prefix="magento-read-ahead")
    try:
        upcoming: Future[Any] | None = None
        while True:
            body = upcoming.result() if upcoming is not None else page_at(page_number)
            upcoming = None
            page = SearchPage.from_json(body)
            if not page.items:
                return
            last = page.total_count is not None and page_number * page_size >= page.total_count
            if not last:
                upcoming = reader.submit(page_at, page_number + 1)
            for row in page.items:
                row_id = row.get(id_key)
                if row_id is not None:
                    if row_id in seen:
                        continue
                    seen.add(row_id)
                yield row
            if last:
                return
            page_number += 1
    finally:
        if upcoming is not None:
            upcoming.cancel()
        reader.shutdown(wait=False)


def _keyset(
    fetch: Fetch,
    criteria: SearchCriteria,
    page_size: int,
    id_key: str,
    id_field: str,
    seen: set[Any],
) -> Iterator[dict[str, Any]]:
    base = replace(criteria, sort_orders=((id_field, "ASC"),))
    last: Any = None
    while True:
        current = base if last is None else base.where(id_field, last, "gt")
        page = SearchPage.from_json(fetch(current.page(page_size, 1)))
        if not page.items:
            return
        for row in page.items:
            row_id = row.get(id_key)
            if row_id is None:
                raise MagentoBadResponse("keyset paging needs %1 in every row", parameters=[id_key])
            if row_id in seen:
                continue
            seen.add(row_id)
            yield row
        ids = [row[id_key] for row in page.items]
        newest = max(ids)
        if last is not None and newest <= last:
            return
        last = newest
        if len(page.items) < page_size:
            return
