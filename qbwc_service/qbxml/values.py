"""Scalar formatting for qbXML: money, quantities, dates, booleans and text.

Text policy (``clean_text``): QuickBooks Desktop stores only ISO-8859-1, and characters
outside it either become ``?`` or make QuickBooks reject the whole stream (0x80040400).
So every string is NFC-normalised; Latin-1 characters (accents included) are kept;
others are approximated — a small table for common punctuation and letters without a
decomposition (``ł``, ``œ``, ``€``), then NFKD with combining marks dropped (``ă`` → ``a``,
``ﬁ`` → ``fi``); whatever still has no Latin-1 form (CJK, emoji) becomes ``?`` so a
bookkeeper sees that something was there, while invisible joiners and variation
selectors are dropped. Control characters are removed, and line breaks and tabs become
spaces because most qbXML text fields are single-line. Truncation counts characters,
after transliteration, never bytes.
"""

from __future__ import annotations

import unicodedata
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "clean_text",
    "format_amount",
    "format_bool",
    "format_date",
    "format_datetime",
    "format_quantity",
    "format_rate",
    "to_decimal",
]

_CENT = Decimal("0.01")
_FIFTH = Decimal("0.00001")

# Letters without a decomposition and typographic punctuation (ł, œ, dashes, curly
# quotes, …, €, ™) mapped to their usual Latin-1 spelling.
_APPROXIMATIONS = {
    "\u0142": "l", "\u0141": "L", "\u0111": "d", "\u0110": "D", "\u0127": "h", "\u0126": "H", "\u0131": "i", "\u0140": "l",
    "\u0153": "oe", "\u0152": "OE", "\u0138": "k", "\u0149": "n", "\u017f": "s", "\u0167": "t", "\u0166": "T",
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"',
    "\u2032": "'", "\u2033": '"', "\u2039": "<", "\u203a": ">", "\u2022": "*", "\u2026": "...", "\u20ac": "EUR",
    "\u2122": "TM", "\u2120": "SM", "\u2116": "No", "\u2028": " ", "\u2029": " ",
}  # fmt: skip
_LINE_BREAKS = {"\t": " ", "\n": " ", "\r": " "}


def to_decimal(value: Decimal | str | int | float) -> Decimal:
    """``value`` as a finite Decimal; floats go through ``str`` so 19.9 stays 19.9."""
    if value.__class__ is Decimal:
        assert isinstance(value, Decimal)
        if value.is_finite():
            return value
        raise ValueError(f"{value!r} is not a finite number")
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite number")
    return number


def format_amount(value: Decimal | str | int | float) -> str:
    """Money with exactly two decimals, rounded half-up (qbXML AMTTYPE)."""
    # A value quantized to a negative exponent prints without an exponent, as with "f".
    text = str(to_decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP))
    return "0.00" if text == "-0.00" else text


def format_quantity(value: Decimal | str | int | float) -> str:
    """Up to five decimals, half-up, trailing zeros dropped (qbXML QUANTYPE)."""
    text = str(to_decimal(value).quantize(_FIFTH, rounding=ROUND_HALF_UP))
    text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


format_rate = format_quantity
"""Prices and percentages follow the quantity rule (qbXML PRICETYPE, PERCENTTYPE)."""


def format_date(value: date | datetime | str) -> str:
    """``YYYY-MM-DD``; a datetime contributes its own calendar date (convert zones first)."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return date.fromisoformat(str(value).strip()[:10]).isoformat()


def format_datetime(value: datetime | date | str) -> str:
    """``YYYY-MM-DDThh:mm:ss`` with the offset when the datetime knows it."""
    if isinstance(value, datetime):
        text = value.replace(microsecond=0).isoformat()
        return text[:-6] if text.endswith("+00:00") and value.tzinfo is None else text
    if isinstance(value, date):
        return value.isoformat() + "T00:00:00"
    parsed = datetime.fromisoformat(str(value).strip())
    return format_datetime(parsed)


def format_bool(value: bool | str | int) -> str:
    """``true`` or ``false``."""
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "1", "yes"):
            return "true"
        if lowered in ("false", "0", "no"):
            return "false"
        raise ValueError(f"{value!r} is not true or false")
    return "true" if value else "false"


def _approximate(char: str) -> str:
    if char in _APPROXIMATIONS:
        return _APPROXIMATIONS[char]
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Cf", "Cs", "Co", "Cn") and not ("\u00a0" <= char <= "\u00ff"):
        return ""
    pieces = [
        part for part in unicodedata.normalize("NFKD", char) if not unicodedata.combining(part)
    ]
    decomposed = "".join(pieces)
    if decomposed and decomposed != char and all(ord(p) < 256 for p in decomposed):
        return decomposed
    if unicodedata.category(char) == "Zs":
        return " "
    return "?"


def clean_text(value: object, max_len: int | None = None, *, transliterate: bool = True) -> str:
    """``value`` as text QuickBooks can store, cut to ``max_len`` characters."""
    text = value if isinstance(value, str) else str(value)
    # Printable Latin-1 text is already NFC and needs no change: the loop below would
    # keep every character of it.
    if not (text.isprintable() and (text.isascii() or max(text) <= "\xff")):
        text = unicodedata.normalize("NFC", text)
        out: list[str] = []
        for char in text:
            code = ord(char)
            if char in _LINE_BREAKS:
                out.append(" ")
            elif code < 32 or code == 127 or 0x80 <= code < 0xA0:
                continue
            elif code < 256 or not transliterate:
                if 0xD800 <= code < 0xE000 or code in (0xFFFE, 0xFFFF):
                    continue
                out.append(char)
            else:
                out.append(_approximate(char))
        text = "".join(out)
    if max_len is not None and len(text) > max_len:
        text = text[:max_len]
    return text
