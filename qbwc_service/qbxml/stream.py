"""Reading a large answer as a stream: its responses as they end, one response's records again.

A query can answer tens of megabytes (a catalogue's ``ItemInventoryRet``). Built as one
tree it takes about fourteen times its size; read as a stream, only the elements not yet
cleared are in memory. ``walk`` finds the responses (``…Rs`` directly under
``QBXMLMsgsRs``) and their children as each ends; the caller keeps or clears them.
``StreamedRets`` is the record list of one such response: the first records are at hand,
the rest are read from the answer again, one at a time, whenever it is iterated.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice
from typing import overload

from lxml import etree

from qbwc_service.qbxml.records import RetRecord, streamed_record
from qbwc_service.qbxml.xmlsafe import (
    HARDENED_OPTIONS,
    MAX_XML_BYTES,
    GuardedReader,
    XMLSyntaxError,
)

__all__ = ["CHILD", "RESPONSE", "StreamedRets", "Walk", "clear_read", "drop_before", "is_ret"]

CHILD = "child"  # an element directly under a response, e.g. a Ret
RESPONSE = "response"  # a response, once all of it has been read


def _named(element: etree._Element, suffix: str) -> bool:
    tag = element.tag
    return isinstance(tag, str) and tag.endswith(suffix)


def is_ret(element: etree._Element) -> bool:
    return _named(element, "Ret")


def _messages_around(element: etree._Element) -> etree._Element | None:
    """The ``QBXMLMsgsRs`` that ``parse_xml(...)``'s root or its child would be, if
    ``element`` (or an ancestor) is it."""
    chain = [element, *element.iterancestors()]
    if chain[-1].tag == "QBXMLMsgsRs":
        return chain[-1]
    if len(chain) > 1 and chain[-2].tag == "QBXMLMsgsRs":
        return chain[-2]
    return None


class Walk:
    """One pass over an answer: ``(CHILD | RESPONSE, element, response index)`` as each ends.

    Nothing is cleared here; the caller clears what it has read, so memory stays bounded
    by what it keeps. After the pass, ``root`` and ``messages`` are the document's root
    and its ``QBXMLMsgsRs`` (None when the document has none) and ``reader.position`` the
    bytes read.
    """

    def __init__(self, source: str | bytes, *, max_bytes: int = MAX_XML_BYTES,
                 tidy: bool = False) -> None:
        self.reader = GuardedReader(source, max_bytes)
        # ``tidy`` drops comments and blank text: fewer nodes, same records, but the
        # text is no longer the answer as QuickBooks wrote it.
        self._events = etree.iterparse(
            self.reader, events=("end",), **HARDENED_OPTIONS, collect_ids=False,
            remove_comments=tidy, remove_blank_text=tidy,
        )
        self.root: etree._Element | None = None
        self.messages: etree._Element | None = None

    def __iter__(self) -> Iterator[tuple[str, etree._Element, int]]:
        messages = None
        index = 0
        try:
            for _, element in self._events:
                parent = element.getparent()
                if parent is None:
                    self.root = element
                    continue
                if messages is None:
                    messages = self.messages = _messages_around(element)
                    if messages is None:
                        continue
                if parent is messages:
                    if _named(element, "Rs"):
                        yield RESPONSE, element, index
                        index += 1
                elif parent.getparent() is messages and _named(parent, "Rs"):
                    yield CHILD, element, index
        except etree.XMLSyntaxError as exc:
            raise XMLSyntaxError(f"not well-formed XML: {exc}", self.reader.snippet()) from exc


def drop_before(element: etree._Element) -> None:
    """Detach the siblings before ``element``, all read already; ``element`` stays."""
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def clear_read(element: etree._Element) -> None:
    """Empty ``element`` and detach the siblings before it, all read already."""
    element.clear(keep_tail=False)
    drop_before(element)


class StreamedRets(Sequence[RetRecord]):
    """The records of one large response of an answer, read again each time they are iterated.

    ``first`` (the records kept in the request log) are at hand for indexing; iterating
    reads the answer from the start, skipping to response ``index``, and yields each of
    its records as it ends, so a handler walks 17,000 of them in bounded memory.
    """

    def __init__(self, source: str | bytes, index: int, first: list[RetRecord],
                 count: int, *, max_bytes: int = MAX_XML_BYTES) -> None:
        self._source = source
        self._index = index
        self._first = first
        self._count = count
        self._max_bytes = max_bytes

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, position: int) -> RetRecord: ...

    @overload
    def __getitem__(self, position: slice) -> list[RetRecord]: ...

    def __getitem__(self, position: int | slice) -> RetRecord | list[RetRecord]:
        if isinstance(position, slice):
            return list(self)[position]
        if position < 0:
            position += self._count
        if not 0 <= position < self._count:
            raise IndexError("record index out of range")
        if position < len(self._first):
            return self._first[position]
        return next(islice(self, position, None))

    def __iter__(self) -> Iterator[RetRecord]:
        target = self._index
        for kind, element, index in Walk(self._source, max_bytes=self._max_bytes, tidy=True):
            if index < target:
                clear_read(element)
            elif kind == RESPONSE:
                return
            elif is_ret(element):
                record = streamed_record(element)
                # Earlier records' elements leave the tree, each freed once its record is
                # dropped; the one just before stays a step longer (see ``iter_rets``).
                previous = element.getprevious()
                if previous is not None:
                    drop_before(previous)
                yield record

    def __repr__(self) -> str:
        return f"<StreamedRets: {self._count} records of response {self._index}>"
