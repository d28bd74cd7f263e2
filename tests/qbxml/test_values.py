"""Scalar formatting and text cleaning."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from qbwc_service.qbxml.values import (
    clean_text,
    format_amount,
    format_bool,
    format_date,
    format_datetime,
    format_quantity,
    format_rate,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("19.9"), "19.90"), ("0.005", "0.01"), (-0.005, "-0.01"), (2, "2.00"),
     ("1.234999", "1.23"), (Decimal("-0.001"), "0.00"), (19.9, "19.90")],
)  # fmt: skip
def test_format_amount(value: object, expected: str) -> None:
    """Amounts have exactly two places, rounded half-up, no negative zero."""
    assert format_amount(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("2.000000"), "2"), ("1.123456", "1.12346"), (10, "10"), ("0.50", "0.5"),
     (Decimal("1E+2"), "100"), ("-0.000001", "0")],
)  # fmt: skip
def test_format_quantity(value: object, expected: str) -> None:
    """Quantities and rates keep up to five places and drop trailing zeros."""
    assert format_quantity(value) == expected  # type: ignore[arg-type]
    assert format_rate(value) == expected  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["abc", "NaN", "Infinity", True, ""])
def test_format_amount_refuses_non_numbers(bad: object) -> None:
    """Text, NaN, infinity and booleans are not amounts."""
    with pytest.raises(ValueError):
        format_amount(bad)  # type: ignore[arg-type]


def test_dates_and_booleans() -> None:
    """Dates are YYYY-MM-DD, datetimes keep offsets, booleans are true/false."""
    assert format_date(date(2024, 3, 5)) == "2024-03-05"
    assert format_date(datetime(2024, 3, 5, 23, 59)) == "2024-03-05"
    assert format_date("2024-03-05T10:00:00Z") == "2024-03-05"
    assert format_datetime(datetime(2024, 3, 5, 8, 1, 2, 999)) == "2024-03-05T08:01:02"
    eastern = timezone(timedelta(hours=-5))
    assert (
        format_datetime(datetime(2024, 3, 5, 8, 1, 2, tzinfo=eastern))
        == "2024-03-05T08:01:02-05:00"
    )
    assert (format_bool(True), format_bool(False), format_bool("1"), format_bool("FALSE")) == (
        "true", "false", "true", "false"
    )  # fmt: skip
    with pytest.raises(ValueError):
        format_bool("maybe")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Crème brûlée", "Crème brûlée"),
        ("Łukasz Wałęsa", "Lukasz Walesa"),
        ("“Quoted” — dash…", '"Quoted" - dash...'),
        ("Price 10€", "Price 10EUR"),
        ("ﬁne™", "fineTM"),
        ("東京 shop", "?? shop"),
        ("hi 👍🏽!", "hi ??!"),
        ("family 👨‍👩‍👧", "family ???"),
        ("tab\there\nnew\x00line\x85", "tab here newline"),
        ("e\u0301", "é"),
    ],
)
def test_clean_text(text: str, expected: str) -> None:
    """Latin-1 is kept, others approximated or '?', controls removed, breaks become spaces."""
    assert clean_text(text) == expected


def test_clean_text_truncates_after_transliteration() -> None:
    """Truncation counts characters after transliteration ('€' becomes 3 characters first)."""
    assert clean_text("€€€€", 5) == "EUREU"
    assert clean_text("ééééé", 3) == "ééé"
    assert clean_text("東京", transliterate=False) == "東京"
