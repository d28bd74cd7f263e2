"""The one hardened XML parser for everything QuickBooks and the Web Connector send.

No entity expansion, no DTD, no network access, a size cap and a depth cap; syntax
errors are wrapped in ``UnsafeXMLError``/``XMLSyntaxError`` carrying a snippet of the
offending text.
"""

from __future__ import annotations

import functools
import re
from typing import IO

from lxml import etree

__all__ = [
    "HARDENED_OPTIONS",
    "MAX_DEPTH",
    "MAX_XML_BYTES",
    "GuardedReader",
    "UnsafeXMLError",
    "XMLSyntaxError",
    "check_depth",
    "hardened_parser",
    "has_dtd",
    "parse_xml",
]

MAX_XML_BYTES = 64 * 1024 * 1024
MAX_DEPTH = 64


class XMLSyntaxError(ValueError):
    """The text is not well-formed XML; ``content`` holds the start of it."""

    def __init__(self, message: str, content: str = "") -> None:
        super().__init__(message)
        self.content = content


class UnsafeXMLError(XMLSyntaxError):
    """The text uses a DTD, an entity declaration, is too large or nests too deeply."""


_DTD = re.compile(rb"<!(?i:doctype|entity)")


def has_dtd(data: bytes) -> bool:
    """Whether ``data`` declares a DTD or entities (escaped text inside elements does not)."""
    return _DTD.search(data) is not None


# Every lxml parser and iterparse of ours takes these: no entities, no DTD, no network.
HARDENED_OPTIONS: dict[str, bool] = {
    "resolve_entities": False,
    "no_network": True,
    "dtd_validation": False,
    "load_dtd": False,
}


def hardened_parser(*, huge_tree: bool = False) -> etree.XMLParser:
    return etree.XMLParser(
        **HARDENED_OPTIONS,
        huge_tree=huge_tree,
        remove_pis=False,
        collect_ids=False,
    )


def check_depth(root: etree._Element, depth: int = 1, *, limit: int = MAX_DEPTH) -> None:
    """Refuse ``root`` (itself at ``depth``) when anything under it nests past ``limit``."""
    below = limit - depth + 1  # how far below ``root`` a node would be too deep
    if below <= 0 or _nests(below)(root):
        raise UnsafeXMLError(f"XML nests deeper than {limit} levels")


@functools.cache
def _nests(levels: int) -> etree.XPath:
    """Whether an element, comment or processing instruction lies ``levels`` below the
    context element: libxml2 walks the levels (a Python walk took forty times as long on
    a message set's answer). Text is not counted: it nests in nothing."""
    return etree.XPath("boolean(" + "*/" * (levels - 1) + "node()[not(self::text())])")


def parse_xml(text: str | bytes, *, max_bytes: int = MAX_XML_BYTES) -> etree._Element:
    """Parse ``text`` safely and return the root element."""
    data = text.encode("utf-8") if isinstance(text, str) else text
    if len(data) > max_bytes:
        raise UnsafeXMLError(f"XML of {len(data)} bytes exceeds the {max_bytes}-byte limit")
    if has_dtd(data):
        raise UnsafeXMLError("XML with a DTD or entity declarations is refused")
    if isinstance(text, str) and text.lstrip().startswith("<?xml"):
        # lxml refuses str input that carries an encoding declaration.
        data = text.encode("utf-8")
        data = _drop_encoding_label(data)
    try:
        root = etree.fromstring(data, hardened_parser())
    except etree.XMLSyntaxError as exc:
        snippet = data[:200].decode("utf-8", "replace")
        raise XMLSyntaxError(f"not well-formed XML: {exc}", snippet) from exc
    check_depth(root)
    return root


def _drop_encoding_label(data: bytes) -> bytes:
    """After re-encoding a str as UTF-8 the declared encoding (often ISO-8859-1) is wrong."""
    end = data.find(b"?>")
    if end == -1:
        return data
    declaration = data[: end + 2]
    if b"encoding" not in declaration:
        return data
    return b'<?xml version="1.0" encoding="utf-8"?>' + data[end + 2 :]


class GuardedReader:
    """A document handed to a streaming lxml parser a slice at a time, checked as it goes.

    Refuses DTDs and entity declarations (also split across two slices) and anything over
    ``max_bytes``. Text goes as UTF-8 with its declared encoding relabelled, as in
    ``parse_xml``, one slice at a time: a large answer is never encoded whole.
    ``position`` is the number of bytes handed over so far.
    """

    def __init__(self, source: str | bytes | IO[bytes], max_bytes: int) -> None:
        self._source = source
        self._offset = 0
        self._max = max_bytes
        self._tail = b""
        self.position = 0

    def read(self, size: int = 65536) -> bytes:
        source, start = self._source, self._offset
        if isinstance(source, str):
            text = source[start : start + size]
            self._offset += len(text)
            chunk = text.encode("utf-8")
            if start == 0 and text.lstrip().startswith("<?xml"):
                chunk = _drop_encoding_label(chunk)
        elif isinstance(source, bytes):
            chunk = source[start : start + size]
            self._offset += len(chunk)
        else:
            chunk = source.read(size)
        self.position += len(chunk)
        if self.position > self._max:
            raise UnsafeXMLError(f"XML exceeds the {self._max}-byte limit")
        window = self._tail + chunk
        if b"<!" in window and has_dtd(window):
            raise UnsafeXMLError("XML with a DTD or entity declarations is refused")
        self._tail = chunk[-9:]
        return chunk

    def snippet(self) -> str:
        """The start of the document, for an error message."""
        source = self._source
        if isinstance(source, str):
            return source[:200]
        if isinstance(source, bytes):
            return source[:200].decode("utf-8", "replace")
        return ""
