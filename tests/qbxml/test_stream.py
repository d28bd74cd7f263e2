"""Large answers: read as a stream, with the request log's copy of a response bounded."""

from __future__ import annotations

import re

import pytest

from qbwc_service.qbxml import ResponseParseError, parse_response
from qbwc_service.qbxml.parse import STREAM_ABOVE_BYTES, StreamedRets
from qbwc_service.qbxml.xmlsafe import MAX_DEPTH, UnsafeXMLError, XMLSyntaxError, parse_xml
from tests.qbxml.conftest import fixture_text

SITES = fixture_text("item_sites_query_rs.xml")
SITE_RET = SITES[SITES.index("<ItemSitesRet>"):SITES.index("</ItemSitesRet>") + 15] + "\n"
RECOVERY = fixture_text("recovery_status_rs.xml")
CUSTOMER_RS = RECOVERY[RECOVERY.index("<CustomerAddRs"):RECOVERY.index("</CustomerAddRs>") + 16]
NOTE = re.compile(r"<!-- answer truncated: ([\d,]+) bytes, ([\d,]+) records in this response; "
                  r"the first ([\d,]+) are kept here -->")


def _sites(count: int, request_id: str, first: int = 0) -> str:
    """An ItemSitesQueryRs of ``count`` records shaped like the fixture's first one."""
    rets = "".join(
        SITE_RET.replace("XL-HOODIE", f"XL-HOODIE-{n}").replace(">37<", f">{n % 90}<")
        for n in range(first, first + count)
    )
    return (f'<ItemSitesQueryRs requestID="{request_id}" statusCode="0" statusSeverity="Info" '
            f'statusMessage="Status OK">\n{rets}</ItemSitesQueryRs>\n')


def _answer(*responses: str) -> str:
    return ('<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs newMessageSetID="ms-9">\n'
            + "".join(responses) + "</QBXMLMsgsRs>\n</QBXML>\n")


def _large_answer() -> str:
    """A small response between two that together make the answer too large for one tree."""
    per_ret = len(SITE_RET)
    count = STREAM_ABOVE_BYTES // per_ret // 2 + 50
    answer = _answer(_sites(count, "1"), CUSTOMER_RS + "\n", _sites(count, "3", first=count))
    assert len(answer) > STREAM_ABOVE_BYTES
    return answer


def test_a_small_answer_reads_the_same_under_a_limit() -> None:
    """Responses within the limit keep their text and records exactly."""
    for name in ("item_sites_query_rs.xml", "recovery_status_rs.xml", "errors.xml"):
        text = fixture_text(name)
        plain, kept = parse_response(text), parse_response(text, keep_bytes=256 * 1024)
        assert [r.raw_xml for r in kept.responses] == [r.raw_xml for r in plain.responses]
        assert [list(r.rets) for r in kept.responses] == [list(r.rets) for r in plain.responses]
        assert [r.error_recovery for r in kept.responses] == [
            r.error_recovery for r in plain.responses]


def test_a_response_over_the_limit_keeps_status_first_records_and_a_note() -> None:
    """The log copy: the status attributes, whole records up to the limit, then the count."""
    text = _answer(_sites(20, "7"))
    response = parse_response(text, keep_bytes=3 * len(SITE_RET)).responses[0]
    assert len(response.rets) == 20  # a small answer keeps every record in memory
    copy = parse_xml(response.raw_xml)
    assert copy.tag == "ItemSitesQueryRs" and copy.get("requestID") == "7"
    assert copy.get("statusCode") == "0" and copy.get("statusMessage") == "Status OK"
    kept = copy.findall("ItemSitesRet")
    assert 1 <= len(kept) <= 3
    assert [ret.findtext("ItemInventoryRef/FullName") for ret in kept] == [
        f"XL-HOODIE-{n}" for n in range(len(kept))]
    size, records, first = NOTE.search(response.raw_xml).groups()  # type: ignore[union-attr]
    assert int(size.replace(",", "")) == len(text.encode())
    assert (int(records), int(first)) == (20, len(kept))


def test_a_large_answer_is_streamed_and_its_records_read_again() -> None:
    """Over the stream threshold, a large response's records are read from the answer
    again on demand: the same records, in order, as a whole tree gives."""
    text = _large_answer()
    whole = parse_response(text)
    streamed = parse_response(text, keep_bytes=20_000)
    assert [(r.request_id, r.operation, r.status_code) for r in streamed.responses] == [
        ("1", "ItemSitesQuery", 0), ("16-1", "CustomerAdd", 0), ("3", "ItemSitesQuery", 0)]
    assert streamed.new_message_set_id == "ms-9"
    for big in (0, 2):
        reference, response = whole.responses[big].rets, streamed.responses[big].rets
        assert isinstance(response, StreamedRets) and len(response) == len(reference)
        assert list(response) == list(reference)
        assert list(response) == list(reference)  # read again, the same
        assert response[0] == reference[0] and response[-1] == reference[-1]
        assert response[len(reference) // 2] == reference[len(reference) // 2]
        with pytest.raises(IndexError):
            response[len(reference)]
    small = streamed.responses[1]
    assert small.raw_xml == whole.responses[1].raw_xml
    assert small.error_recovery == {"ListID": "80000021-1712340000",
                                    "EditSequence": "1712340000"}


def test_a_streamed_response_log_copy_is_bounded() -> None:
    """A streamed response keeps only its first records as text, with the answer's size."""
    text = _large_answer()
    response = parse_response(text, keep_bytes=20_000).responses[2]
    assert len(response.raw_xml.encode()) < 20_000 + 500
    size, records, first = NOTE.search(response.raw_xml).groups()  # type: ignore[union-attr]
    assert int(size.replace(",", "")) == len(text.encode())
    assert int(records.replace(",", "")) == len(response.rets)
    kept = parse_xml(response.raw_xml).findall("ItemSitesRet")
    assert len(kept) == int(first) > 0
    assert kept[0].findtext("ItemInventoryRef/FullName") == response.rets[0].item_name


def test_a_broken_large_answer_fails_before_anything_is_returned() -> None:
    """Cut short, non-qbXML, with a DTD or nested too deep: refused, with the text's start."""
    text = _large_answer()
    with pytest.raises(XMLSyntaxError) as caught:
        parse_response(text[: len(text) * 2 // 3], keep_bytes=20_000)
    assert caught.value.content.startswith('<?xml version="1.0" ?>')
    with pytest.raises(ResponseParseError, match="found html"):
        parse_response("<html><body>" + "<p>Proxy error</p>" * 80_000 + "</body></html>",
                       keep_bytes=20_000)
    dtd = text.replace("<QBXML>", '<!DOCTYPE r [<!ENTITY x "boom">]><QBXML>', 1)
    with pytest.raises(UnsafeXMLError):
        parse_response(dtd, keep_bytes=20_000)
    nested = "<a>" * MAX_DEPTH + "deep" + "</a>" * MAX_DEPTH
    last = text.rindex("</ItemSitesRet>")
    deep = text[:last] + nested + text[last:]
    with pytest.raises(UnsafeXMLError, match="nests deeper"):
        parse_response(deep, keep_bytes=20_000)
