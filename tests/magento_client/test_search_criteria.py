"""searchCriteria builder and query encoding."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from magento_client.search import Filter, SearchCriteria, encode_query


def test_groups_and_filters_flatten_in_order() -> None:
    """Groups AND, filters in a group OR, then sorts, page size, page and fields."""
    criteria = (SearchCriteria()
                .where("state", "processing")
                .where_any(Filter("sku", "A"), Filter("sku", ["B", "C"], "in"))
                .sort("entity_id").page(50, 2).with_fields("items[entity_id],total_count"))
    assert criteria.to_params() == [
        ("searchCriteria[filter_groups][0][filters][0][field]", "state"),
        ("searchCriteria[filter_groups][0][filters][0][value]", "processing"),
        ("searchCriteria[filter_groups][0][filters][0][condition_type]", "eq"),
        ("searchCriteria[filter_groups][1][filters][0][field]", "sku"),
        ("searchCriteria[filter_groups][1][filters][0][value]", "A"),
        ("searchCriteria[filter_groups][1][filters][0][condition_type]", "eq"),
        ("searchCriteria[filter_groups][1][filters][1][field]", "sku"),
        ("searchCriteria[filter_groups][1][filters][1][value]", "B,C"),
        ("searchCriteria[filter_groups][1][filters][1][condition_type]", "in"),
        ("searchCriteria[sortOrders][0][field]", "entity_id"),
        ("searchCriteria[sortOrders][0][direction]", "ASC"),
        ("searchCriteria[pageSize]", "50"),
        ("searchCriteria[currentPage]", "2"),
        ("fields", "items[entity_id],total_count"),
    ]


def test_spaces_encode_as_percent_20_never_plus() -> None:
    """A datetime filter (with a space) encodes as %20; a literal plus as %2B."""
    moment = datetime(2024, 10, 25, 2, 0, tzinfo=timezone(timedelta(hours=2)))
    query = SearchCriteria().where("updated_at", moment, "gteq").encode()
    assert "2024-10-25%2000%3A00%3A00" in query
    assert "+" not in query
    assert encode_query([("q", "a+b c/d&e:f%")]) == "q=a%2Bb%20c%2Fd%26e%3Af%25"


def test_datetime_values_are_sent_in_utc() -> None:
    """Aware datetimes are converted to UTC before formatting."""
    criteria = SearchCriteria().where("created_at", datetime(2026, 1, 1, 12, tzinfo=UTC), "gt")
    assert ("searchCriteria[filter_groups][0][filters][0][value]", "2026-01-01 12:00:00") in criteria.to_params()


def test_empty_criteria_still_sends_search_criteria() -> None:
    """Without any criteria a bare searchCriteria is sent (Magento requires the field)."""
    assert SearchCriteria().to_params() == [("searchCriteria", "")]


def test_unknown_condition_and_direction_are_refused() -> None:
    """Typos in condition types or sort directions fail early."""
    with pytest.raises(ValueError):
        Filter("sku", "A", "equals")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        SearchCriteria().sort("sku", "UP")
