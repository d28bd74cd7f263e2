"""Value parsing shared by the typed documents: money, quantities, UTC timestamps."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

__all__ = [
    "ZERO",
    "DocumentError",
    "as_bool",
    "as_datetime",
    "as_decimal",
    "as_int",
    "as_optional_decimal",
    "as_optional_int",
    "as_optional_str",
    "as_raw",
    "as_str",
    "format_datetime",
    "get_path",
    "readable",
]

ZERO = Decimal("0")

T = TypeVar("T")


class DocumentError(ValueError):
    """Magento sent a document of the wrong shape; ``kind`` names it (order, invoice…)."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(f"Magento sent a {kind} this client cannot read: {reason}")
        self.kind = kind


def readable(kind: str) -> Callable[[Callable[[Any, Any], T]], Callable[[Any, Any], T]]:
    """Wrap a top-level ``from_json``: a wrongly shaped payload (a list where an object
    belongs, an item that is null) becomes one ``DocumentError`` naming the document,
    instead of whatever TypeError or AttributeError it met on the way."""

    def wrap(parse: Callable[[Any, Any], T]) -> Callable[[Any, Any], T]:
        @functools.wraps(parse)
        def checked(cls: Any, document: Any) -> T:
            if not isinstance(document, Mapping):
                raise DocumentError(kind, f"expected a JSON object, got {type(document).__name__}")
            try:
                return parse(cls, document)
            except (TypeError, AttributeError, KeyError, IndexError) as exc:
                raise DocumentError(kind, f"a field has the wrong type ({type(exc).__name__})") from exc

        return checked

    return wrap


def as_optional_decimal(value: Any) -> Decimal | None:
    """Money or quantity as Decimal; floats go through ``str`` so 0.1 stays 0.1."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    try:
        return Decimal(str(value).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal amount: {value!r}") from exc


def as_decimal(value: Any) -> Decimal:
    """Like :func:`as_optional_decimal`, absent amounts read as zero (Magento omits zero rows)."""
    # Fast paths for what json.loads(parse_float=Decimal) produces: most fields of every row.
    kind = type(value)
    if kind is Decimal:
        return value  # type: ignore[no-any-return]
    if kind is int:
        return Decimal(value)
    parsed = as_optional_decimal(value)
    return ZERO if parsed is None else parsed


def as_optional_int(value: Any) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"not a whole number: {value!r}"[:200]) from exc


def as_int(value: Any, default: int = 0) -> int:
    parsed = as_optional_int(value)
    return default if parsed is None else parsed


def as_bool(value: Any) -> bool:
    """Magento sends flags as 0/1, "0"/"1" or true/false depending on the endpoint."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def as_optional_str(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def as_raw(document: Mapping[str, Any]) -> dict[str, Any]:
    """The payload itself when it is already a dict: a copy per document would double the cost."""
    return document if type(document) is dict else dict(document)


def as_str(value: Any) -> str:
    return "" if value is None else str(value)


def as_datetime(value: Any) -> datetime | None:
    """Magento timestamps are UTC ``YYYY-MM-DD HH:MM:SS`` without an offset (magento2 #24985)."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    text = str(value).strip().replace("T", " ")
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_datetime(moment: datetime) -> str:
    """The inverse of :func:`as_datetime`: the form Magento stores and filters on."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def get_path(document: Mapping[str, Any], *keys: str | int) -> Any:
    """Walk nested dicts/lists, returning None as soon as a step is missing."""
    current: Any = document
    for key in keys:
        if isinstance(key, int):
            if not isinstance(current, list) or len(current) <= key:
                return None
        elif not isinstance(current, Mapping):
            return None
        try:
            current = current[key]
        except (KeyError, IndexError):
            return None
    return current
