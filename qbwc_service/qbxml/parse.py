"""Parse what QuickBooks answers: status per request, Ret records, error recovery.

Lenient by design: QuickBooks sends elements and enum values newer than the version
asked for, so unknown elements land in ``RetRecord.fields`` and never fail the parse.
Hardened by design: every document goes through ``xmlsafe``; the streaming reader
refuses DTDs and entity declarations before lxml sees them and caps the size.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from lxml import etree

from qbwc_service.qbxml.exceptions import ResponseParseError
from qbwc_service.qbxml.records import RetRecord, flatten, ret_record, streamed_record
from qbwc_service.qbxml.status import StatusInfo, classify
from qbwc_service.qbxml.xmlsafe import (
    HARDENED_OPTIONS,
    UnsafeXMLError,
    XMLSyntaxError,
    parse_xml,
)

__all__ = [
    "MAX_STREAM_BYTES",
    "QbResponse",
    "ResponseMessageSet",
    "RetRecord",
    "iter_rets",
    "parse_response",
    "ret_record",
]

MAX_STREAM_BYTES = 1024 * 1024 * 1024


@dataclass(slots=True)
class QbResponse:
    """One ``…Rs`` element."""

    request_id: str | None
    operation: str
    status_code: int
    severity: str
    message: str
    iterator_remaining: int | None = None
    iterator_id: str | None = None
    ret_count: int | None = None
    rets: list[RetRecord] = field(default_factory=list)
    error_recovery: dict[str, str] | None = None
    raw_xml: str = ""

    @property
    def classification(self) -> StatusInfo:
        return classify(self.status_code)

    @property
    def ok(self) -> bool:
        """The request took effect or found nothing (success or warning)."""
        return self.classification.kind in ("success", "warning")


@dataclass(slots=True)
class ResponseMessageSet:
    """``QBXMLMsgsRs``: its responses and, for error recovery, the set-level status."""

    responses: list[QbResponse] = field(default_factory=list)
    message_set_status: int | None = None
    old_message_set_id: str | None = None
    new_message_set_id: str | None = None

    def by_request_id(self) -> dict[str, QbResponse]:
        return {r.request_id: r for r in self.responses if r.request_id is not None}


def _int(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


def _response(rs: etree._Element) -> QbResponse:
    get = rs.get
    status_code = _int(get("statusCode"))
    response = QbResponse(
        request_id=get("requestID"),
        operation=str(rs.tag)[:-2],
        status_code=status_code if status_code is not None else -1,
        severity=get("statusSeverity", ""),
        message=get("statusMessage", ""),
        iterator_remaining=_int(get("iteratorRemainingCount")),
        iterator_id=get("iteratorID"),
        ret_count=_int(get("retCount")),
        raw_xml=etree.tostring(rs, encoding="unicode", with_tail=False),
    )
    for child in rs:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "ErrorRecovery":
            recovery: dict[str, Any] = {}
            flatten(child, "", recovery)
            response.error_recovery = {k: str(v) for k, v in recovery.items()}
        elif child.tag.endswith("Ret"):
            response.rets.append(ret_record(child))
    return response


def parse_response(xml: str | bytes) -> ResponseMessageSet:
    """Every ``…Rs`` of a ``QBXML/QBXMLMsgsRs`` document, in order."""
    root = parse_xml(xml)
    messages = root if root.tag == "QBXMLMsgsRs" else root.find("QBXMLMsgsRs")
    if messages is None:
        snippet = xml[:200] if isinstance(xml, str) else xml[:200].decode("utf-8", "replace")
        raise ResponseParseError(
            f"not a qbXML response: expected QBXML/QBXMLMsgsRs, found {root.tag}", snippet
        )
    result = ResponseMessageSet(
        message_set_status=_int(messages.get("messageSetStatusCode")),
        old_message_set_id=messages.get("oldMessageSetID"),
        new_message_set_id=messages.get("newMessageSetID"),
    )
    for rs in messages:
        if isinstance(rs.tag, str) and rs.tag.endswith("Rs"):
            result.responses.append(_response(rs))
    return result


class _GuardedStream:
    """A byte stream that refuses DTDs and entity declarations and caps the size."""

    _MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype", b"<!entity")

    def __init__(self, source: IO[bytes] | bytes, max_bytes: int) -> None:
        self._source = source
        self._offset = 0
        self._max = max_bytes
        self._tail = b""

    def read(self, size: int = 65536) -> bytes:
        if isinstance(self._source, bytes):
            chunk = self._source[self._offset : self._offset + size]
        else:
            chunk = self._source.read(size)
        self._offset += len(chunk)
        if self._offset > self._max:
            raise UnsafeXMLError(f"XML exceeds the {self._max}-byte limit")
        window = self._tail + chunk
        if b"<!" in window and any(marker in window for marker in self._MARKERS):
            raise UnsafeXMLError("XML with a DTD or entity declarations is refused")
        self._tail = chunk[-9:]
        return chunk


def _may_match_later(parent: etree._Element, ret_tag: str | None) -> bool:
    """Whether ``parent`` or an ancestor could itself be yielded once it ends."""
    if ret_tag is not None:
        return parent.tag == ret_tag or next(parent.iterancestors(ret_tag), None) is not None
    for ancestor in (parent, *parent.iterancestors()):
        tag = ancestor.tag
        if isinstance(tag, str) and tag.endswith("Ret"):
            return True
    return False


def iter_rets(
    source: bytes | IO[bytes],
    ret_tag: str | None = None,
    *,
    max_bytes: int = MAX_STREAM_BYTES,
) -> Iterator[RetRecord]:
    """Stream the ``…Ret`` records of a (large) query response in bounded memory.

    ``ret_tag`` (e.g. ``"ItemInventoryRet"``) narrows to one type; otherwise every Ret
    directly under an ``…Rs`` is yielded. Each element leaves the tree as reading moves
    on and lives only as long as its record, which flattens it into ``fields`` on demand.
    """
    stream = _GuardedStream(source, max_bytes)
    events = etree.iterparse(
        stream,
        events=("end",),
        tag=ret_tag,
        **HARDENED_OPTIONS,
        huge_tree=True,
        remove_comments=True,
        # Fewer nodes to build and free; leaf values are stripped, so none changes.
        remove_blank_text=True,
    )
    enclosing: etree._Element | None = None
    nested = False
    try:
        for _, element in events:
            parent = element.getparent()
            if ret_tag is None:
                tag = element.tag
                if not (
                    isinstance(tag, str)
                    and tag.endswith("Ret")
                    and parent is not None
                    and str(parent.tag).endswith("Rs")
                ):
                    continue
            record = streamed_record(element)
            if parent is not None:
                if parent is not enclosing:
                    enclosing, nested = parent, _may_match_later(parent, ret_tag)
                # Earlier elements leave the tree, each freed once its record is dropped.
                # The one just before stays a step longer: its reader most likely still
                # holds that record, and detaching a held element walks its subtree.
                previous = element if nested else element.getprevious()
                if previous is not None:
                    while previous.getprevious() is not None:
                        del parent[0]
            yield record
            if nested:
                # An enclosing element yet to be read must see this one emptied, as
                # before, so this record takes its fields now.
                record.fields  # noqa: B018
                element.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        raise XMLSyntaxError(f"not well-formed XML: {exc}") from exc
