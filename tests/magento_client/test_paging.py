"""Pagination stop rules, de-duplication and keyset mode."""

from __future__ import annotations

from typing import Any

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento
from magento_client.paging import iter_search
from magento_client.search import SearchCriteria


class Pages:
    """A scripted search endpoint recording the criteria it was asked for."""

    def __init__(self, pages: list[list[int]], total: int | None) -> None:
        self.pages = pages
        self.total = total
        self.asked: list[SearchCriteria] = []

    def __call__(self, criteria: SearchCriteria) -> dict[str, Any]:
        self.asked.append(criteria)
        index = len(self.asked) - 1
        ids = self.pages[index] if index < len(self.pages) else []
        return {"items": [{"entity_id": i} for i in ids], "search_criteria": {},
                "total_count": self.total}


def _ids(rows: Any) -> list[int]:
    return [row["entity_id"] for row in rows]


def test_stops_when_current_page_times_size_reaches_total() -> None:
    """With total_count 5 and page size 2, page 3 is the last one fetched."""
    pages = Pages([[1, 2], [3, 4], [5], [5]], total=5)
    assert _ids(iter_search(pages, SearchCriteria(), page_size=2)) == [1, 2, 3, 4, 5]
    assert [c.current_page for c in pages.asked] == [1, 2, 3]


def test_stops_on_empty_page_when_total_is_missing() -> None:
    """A partial response without total_count stops at the first empty page."""
    pages = Pages([[1, 2], [3]], total=None)
    assert _ids(iter_search(pages, SearchCriteria(), page_size=2)) == [1, 2, 3]
    assert len(pages.asked) == 3


def test_duplicates_across_pages_are_dropped() -> None:
    """A row repeated on the next page (unstable sort) is yielded once."""
    pages = Pages([[1, 2], [2, 3], [4]], total=5)
    assert _ids(iter_search(pages, SearchCriteria(), page_size=2)) == [1, 2, 3, 4]


def test_explicit_sort_is_added_when_missing() -> None:
    """Without a sort the walk asks for entity_id ASC, never Magento's newest-first default."""
    pages = Pages([[1]], total=1)
    list(iter_search(pages, SearchCriteria(), page_size=10))
    assert pages.asked[0].sort_orders == (("entity_id", "ASC"),)


def test_keyset_mode_filters_on_last_id() -> None:
    """Keyset paging asks for id gt the last id seen, always page 1, until a short page."""
    pages = Pages([[1, 2], [3, 4], [5]], total=None)
    assert _ids(iter_search(pages, SearchCriteria(), page_size=2, keyset=True)) == [1, 2, 3, 4, 5]
    assert [c.current_page for c in pages.asked] == [1, 1, 1]
    last_filter = pages.asked[2].filter_groups[-1][0]
    assert (last_filter.field, last_filter.value, last_filter.condition_type) == ("entity_id", 4, "gt")


def test_page_past_end_repeating_last_page_still_stops(fake: FakeMagento,
                                                       client: MagentoClient) -> None:
    """Against a 2.3-style store that repeats the last page, the walk ends at total_count."""
    fake.store.repeat_last_page = True
    orders = list(client.orders())
    assert len(orders) == len(fake.store.orders) == 24
    assert len({o.entity_id for o in orders}) == 24
    pages = [r for r in fake.requests if r.path.endswith("/V1/orders")]
    assert len(pages) == 3


def test_keyset_walk_against_fake_matches_offset_walk(shared_client: MagentoClient) -> None:
    """Keyset and offset walks return the same orders in the same order."""
    offset = [o.entity_id for o in shared_client.orders()]
    keyset = [o.entity_id for o in shared_client.orders(keyset=True)]
    assert offset == keyset == sorted(offset)


def test_next_page_is_read_ahead_while_the_caller_works() -> None:
    """While the caller holds page 1's first row, page 2 is already being fetched."""
    import threading

    asked_for_two = threading.Event()

    class Tracking(Pages):
        def __call__(self, criteria: SearchCriteria) -> dict[str, Any]:
            if criteria.current_page == 2:
                asked_for_two.set()
            return super().__call__(criteria)

    rows = iter_search(Tracking([[1, 2], [3, 4], [5]], total=5), SearchCriteria(), page_size=2)
    assert next(rows)["entity_id"] == 1
    assert asked_for_two.wait(5)
    assert [row["entity_id"] for row in rows] == [2, 3, 4, 5]


def test_stopping_early_leaves_nothing_running() -> None:
    """A caller that stops after one row gets no error and no page beyond the next."""
    pages = Pages([[1, 2], [3, 4], [5, 6]], total=6)
    rows = iter_search(pages, SearchCriteria(), page_size=2)
    assert next(rows)["entity_id"] == 1
    rows.close()
    assert [c.current_page for c in pages.asked] in ([1], [1, 2])
