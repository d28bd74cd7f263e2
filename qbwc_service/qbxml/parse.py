"""Parse what QuickBooks answers: status per request, Ret records, error recovery.

Lenient by design: QuickBooks sends elements and enum values newer than the version
asked for, so unknown elements land in ``RetRecord.fields`` and never fail the parse.
Hardened by design: every document goes through ``xmlsafe``; the streaming readers
refuse DTDs and entity declarations before lxml sees them and cap the size.
Bounded by design: an answer over ``STREAM_ABOVE_BYTES`` is read as a stream (``stream``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import IO, Any

from lxml import etree

from qbwc_service.qbxml.exceptions import ResponseParseError
from qbwc_service.qbxml.records import RetRecord, flatten, ret_record, streamed_record
from qbwc_service.qbxml.status import StatusInfo, classify
from qbwc_service.qbxml.stream import (
    CHILD,
    StreamedRets,
    Walk,
    clear_read,
    drop_before,
    is_ret,
)
from qbwc_service.qbxml.xmlsafe import (
    HARDENED_OPTIONS,
    GuardedReader,
    XMLSyntaxError,
    check_depth,
    parse_xml,
)

__all__ = [
    "MAX_STREAM_BYTES",
    "STREAM_ABOVE_BYTES",
    "QbResponse",
    "ResponseMessageSet",
    "RetRecord",
    "StreamedRets",
    "iter_rets",
    "parse_response",
    "ret_record",
]

MAX_STREAM_BYTES = 1024 * 1024 * 1024
# Answers up to this size are built as one tree (quickest); larger ones are streamed.
STREAM_ABOVE_BYTES = 1024 * 1024


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
    # A list; a ``StreamedRets`` for a large response of a streamed answer.
    rets: Sequence[RetRecord] = field(default_factory=list)
    error_recovery: dict[str, str] | None = None
    raw_xml: str = ""

    @property
    def classification(self) -> StatusInfo:
        return classify(self.status_code, self.message)

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


def _response(rs: etree._Element, streamed: StreamedRets | None = None) -> QbResponse:
    """One ``…Rs`` element; its records are ``streamed`` when it was too large to keep."""
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
        raw_xml="",
    )
    if streamed is None:
        response.raw_xml = etree.tostring(rs, encoding="unicode", with_tail=False)
    rets: list[RetRecord] = []
    for child in rs:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "ErrorRecovery":
            recovery: dict[str, Any] = {}
            flatten(child, "", recovery)
            response.error_recovery = {k: str(v) for k, v in recovery.items()}
        elif streamed is None and child.tag.endswith("Ret"):
            rets.append(ret_record(child))
    response.rets = rets if streamed is None else streamed
    return response


class _LogCopy:
    """What the request log keeps of one response's records: its first ones, up to
    ``keep_bytes`` of text, and how many there were."""

    def __init__(self, keep_bytes: int) -> None:
        self.keep_bytes = keep_bytes
        self.parts: list[str] = []
        self.size = 0
        self.count = 0
        self.whole = True

    def offer(self, ret: etree._Element) -> bool:
        """Count ``ret``; True while it still fits in the copy."""
        self.count += 1
        if self.whole:
            part = etree.tostring(ret, encoding="unicode")
            size = len(part.encode("utf-8"))
            if self.size + size <= self.keep_bytes:
                self.parts.append(part)
                self.size += size
                return True
            self.whole = False
        return False

    def text(self, rs: etree._Element, answer_bytes: int) -> str:
        """The response's start tag and status, the records kept, and a note of the rest."""
        shell = etree.Element(rs.tag, dict(rs.attrib))
        shell.append(etree.Comment(
            f" answer truncated: {answer_bytes:,} bytes, {self.count:,} records in this"
            f" response; the first {len(self.parts):,} are kept here "))
        start, note, end = etree.tostring(shell, encoding="unicode").partition("<!--")
        return start + "".join(self.parts) + note + end


def parse_response(xml: str | bytes, *, keep_bytes: int | None = None) -> ResponseMessageSet:
    """Every ``…Rs`` of a ``QBXML/QBXMLMsgsRs`` document, in order.

    ``keep_bytes`` bounds what is kept of one response: beyond it, ``raw_xml`` (the
    request log's copy) holds the status, the first records up to that size and a note
    of the answer's size and record count. An answer over ``STREAM_ABOVE_BYTES`` is then
    read as a stream, and such a response's ``rets`` read the answer again when iterated
    (``StreamedRets``), so memory does not grow with the number of records.
    """
    if keep_bytes is None or len(xml) <= STREAM_ABOVE_BYTES:
        return _parse_tree(xml, keep_bytes)
    return _parse_stream(xml, keep_bytes)


def _message_set(messages: etree._Element | None, root: etree._Element | None,
                 snippet: Callable[[], str]) -> ResponseMessageSet:
    """The message set's attributes; ``snippet`` gives the answer's start, asked for only
    when it is not a qbXML response."""
    if messages is None:
        raise ResponseParseError(
            "not a qbXML response: expected QBXML/QBXMLMsgsRs, found "
            f"{None if root is None else root.tag}", snippet(),
        )
    return ResponseMessageSet(
        message_set_status=_int(messages.get("messageSetStatusCode")),
        old_message_set_id=messages.get("oldMessageSetID"),
        new_message_set_id=messages.get("newMessageSetID"),
    )


def _parse_tree(xml: str | bytes, keep_bytes: int | None) -> ResponseMessageSet:
    root = parse_xml(xml)
    messages = root if root.tag == "QBXMLMsgsRs" else root.find("QBXMLMsgsRs")
    result = _message_set(messages, root, lambda: xml[:200] if isinstance(xml, str)
                          else xml[:200].decode("utf-8", "replace"))
    assert messages is not None
    answer_bytes: int | None = None  # the answer's size, weighed once if a log copy needs it
    for rs in messages:
        if isinstance(rs.tag, str) and rs.tag.endswith("Rs"):
            response = _response(rs)
            # Whole text within the limit: every record fits, no need to weigh each one.
            if keep_bytes is not None and len(response.raw_xml.encode("utf-8")) > keep_bytes:
                copy = _LogCopy(keep_bytes)
                for child in rs:
                    if is_ret(child):
                        copy.offer(child)
                if not copy.whole:
                    if answer_bytes is None:
                        answer_bytes = len(xml.encode("utf-8") if isinstance(xml, str) else xml)
                    response.raw_xml = copy.text(rs, answer_bytes)
            result.responses.append(response)
    return result


def _parse_stream(xml: str | bytes, keep_bytes: int) -> ResponseMessageSet:
    """``parse_response`` over a stream: a response's records beyond ``keep_bytes`` are
    counted and cleared as they are read."""
    walk = Walk(xml)
    responses: list[QbResponse] = []
    truncated: list[tuple[QbResponse, etree._Element, _LogCopy]] = []
    copy: _LogCopy | None = None
    dropped: etree._Element | None = None
    rs_depth = 0  # a response's depth, known once the message set is found
    for kind, element, index in walk:
        if not rs_depth:
            assert walk.messages is not None
            rs_depth = 2 if walk.messages.getparent() is None else 3
        if kind == CHILD:
            copy = copy or _LogCopy(keep_bytes)
            if not is_ret(element) or copy.offer(element):
                continue
            check_depth(element, rs_depth + 1)
            element.clear(keep_tail=False)
            if dropped is not None:
                element.getparent().remove(dropped)  # type: ignore[union-attr]
            dropped = element
            continue
        check_depth(element, rs_depth)
        if copy is None or copy.whole:
            responses.append(_response(element))
        else:
            kept = [ret_record(child)
                    for child in islice(filter(is_ret, element), len(copy.parts))]
            response = _response(element, StreamedRets(xml, index, kept, copy.count))
            # Its log copy names the answer's size, known once all of it is read.
            shell = etree.Element(element.tag, dict(element.attrib))
            truncated.append((response, shell, copy))
            responses.append(response)
        copy, dropped = None, None
        clear_read(element)
    result = _message_set(walk.messages, walk.root, walk.reader.snippet)
    if walk.root is not None:
        check_depth(walk.root)
    for response, shell, log_copy in truncated:
        response.raw_xml = log_copy.text(shell, walk.reader.position)
    result.responses = responses
    return result


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
    stream = GuardedReader(source, max_bytes)
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
                    drop_before(previous)
            yield record
            if nested:
                # An enclosing element yet to be read must see this one emptied, as
                # before, so this record takes its fields now.
                record.fields  # noqa: B018
                element.clear(keep_tail=False)
    except etree.XMLSyntaxError as exc:
        raise XMLSyntaxError(f"not well-formed XML: {exc}") from exc
