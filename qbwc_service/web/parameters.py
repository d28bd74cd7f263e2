"""What the console accepts in a path or a query string before any page sees it.

Database ids are 64-bit: a longer number in a path is no id of ours (404, not a crash),
and query parameters the pages read as numbers or dates are refused with a 400 when they
are anything else.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from werkzeug.routing import IntegerConverter

__all__ = ["DATE_ARGS", "INTEGER_ARGS", "MAX_ID", "IdConverter", "invalid_parameter"]

MAX_ID = 2**63 - 1
INTEGER_ARGS = frozenset({"company", "page", "per_page"})
DATE_ARGS = frozenset({"from", "to", "day"})


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: digits only, at most a 64-bit id."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def invalid_parameter(args: Any) -> str | None:
    """Why the query string cannot be served (a message for a 400), or None."""
    for name in INTEGER_ARGS:
        value = args.get(name)
        if value in (None, ""):
            continue
        if not value.isdigit() or int(value) > MAX_ID:
            return f"The {name} parameter must be a whole number."
    for name in DATE_ARGS:
        value = args.get(name)
        if value in (None, ""):
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return f"The {name} parameter must be a date like 2024-03-31."
        if not 1900 <= day.year <= 9998:
            return f"The {name} parameter must be a date between 1900 and 9998."
    return None
