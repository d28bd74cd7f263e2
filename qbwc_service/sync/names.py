"""QuickBooks names and numbers made from Magento identifiers, deterministically.

QuickBooks caps RefNumber at 11 characters, item names at 31 and customer names at
41, and wants names unique. Truncating (what weaker connectors do) makes collisions
and duplicates; here a long value keeps a readable tail plus a short digest of the
whole, and a collision bumps a counter inside the digest, so the same input always
yields the same output for the same set of names already taken.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Callable

from anyascii import anyascii

from qbwc_service.qbxml.values import clean_text

__all__ = [
    "CUSTOMER_NAME_MAX",
    "ITEM_NAME_MAX",
    "REF_NUMBER_MAX",
    "customer_name",
    "item_name",
    "ref_number",
    "to_latin1",
    "unicode_note",
]

REF_NUMBER_MAX = 11
ITEM_NAME_MAX = 31
CUSTOMER_NAME_MAX = 41
_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _digest(value: str, attempt: int, length: int) -> str:
    number = int.from_bytes(hashlib.sha256(f"{value}\x00{attempt}".encode()).digest()[:8], "big")
    out = []
    for _ in range(length):
        number, remainder = divmod(number, len(_ALPHABET))
        out.append(_ALPHABET[remainder])
    return "".join(out)


def _latin1(character: str) -> bool:
    return ord(character) < 0x100


def to_latin1(value: str) -> str:
    """The text exactly as the renderer will send it (ISO-8859-1), so a name kept in the
    mapping is the name QuickBooks holds. QuickBooks Desktop US stores Windows-1252, so a
    name in another script is transliterated the way a person reads it ("陈 伟" → "Chen
    Wei", "Дмитрий" → "Dmitriy") by anyascii, a maintained table, instead of becoming
    question marks; Latin-1 letters (é, ß, å) are kept as they are."""
    text = unicodedata.normalize("NFC", value)
    if not all(_latin1(character) for character in text):
        out: list[str] = []
        previous_ideograph = False
        for character in text:
            # Letters and digits only: symbols and emoji stay for clean_text to mark.
            if _latin1(character) or unicodedata.category(character)[0] not in "LN":
                out.append(character)
                previous_ideograph = False
                continue
            ideograph = _syllabic(character)
            if ideograph and previous_ideograph:
                out.append(" ")  # 陈伟 reads "Chen Wei", one syllable per character
            out.append(anyascii(character))
            previous_ideograph = ideograph
        text = "".join(out)
    return clean_text(text, transliterate=True)


def _syllabic(character: str) -> bool:
    name = unicodedata.name(character, "")
    return name.startswith(("CJK UNIFIED IDEOGRAPH", "HANGUL SYLLABLE"))


def unicode_note(value: str) -> str | None:
    """The original of a transliterated text, with what Windows-1252 cannot hold written
    as ``U+XXXX``, for a note field; None when nothing had to be transliterated."""
    text = unicodedata.normalize("NFC", value)
    if all(_latin1(character) for character in text):
        return None
    return "".join(character if _latin1(character) else f"U+{ord(character):04X}"
                   for character in text)


def _shorten(value: str, max_len: int, taken: Callable[[str], bool], sep: str) -> str:
    if len(value) <= max_len and not taken(value):
        return value
    for attempt in range(1000):
        digest = _digest(value, attempt, 4)
        tail = value[-(max_len - len(digest) - len(sep)):]
        candidate = f"{tail}{sep}{digest}"
        if not taken(candidate):
            return candidate
    raise RuntimeError(f"no free short form for {value!r}")  # pragma: no cover


def ref_number(increment_id: str, taken: Callable[[str], bool] = lambda _ref: False) -> str:
    """RefNumber for a Magento increment id: itself when it fits 11 characters and is free."""
    return _shorten(to_latin1(increment_id).strip(), REF_NUMBER_MAX, taken, "~")


def item_name(sku: str, taken: Callable[[str], bool] = lambda _name: False) -> str:
    """An item Name (≤ 31) for a SKU; ':' is QuickBooks' level separator so it is replaced."""
    cleaned = to_latin1(sku).replace(":", "-").strip()
    return _shorten(cleaned, ITEM_NAME_MAX, taken, "~")


def customer_name(display: str, magento_id: str, taken: Callable[[str], bool]) -> str:
    """A customer Name (≤ 41): the display name, or with ``(#id)`` when the name is taken."""
    base = " ".join(to_latin1(display).replace(":", "-").split()) or f"Customer {magento_id}"
    if len(base) <= CUSTOMER_NAME_MAX and not taken(base):
        return base
    suffix = f" (#{magento_id})"
    candidate = base[: CUSTOMER_NAME_MAX - len(suffix)].rstrip() + suffix
    if len(candidate) <= CUSTOMER_NAME_MAX and not taken(candidate):
        return candidate
    return _shorten(f"{base}{suffix}", CUSTOMER_NAME_MAX, taken, "~")
