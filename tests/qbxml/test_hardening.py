"""The response parsers refuse XXE, entity bombs, DTDs and oversize input."""

from __future__ import annotations

import pytest

from qbwc_service.qbxml import iter_rets, parse_hcp, parse_response
from qbwc_service.qbxml.xmlsafe import UnsafeXMLError, XMLSyntaxError

XXE = (
    '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    '<QBXML><QBXMLMsgsRs><CustomerQueryRs statusCode="0" statusSeverity="Info">'
    "<CustomerRet><Name>&x;</Name></CustomerRet></CustomerQueryRs></QBXMLMsgsRs></QBXML>"
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    '<QBXML><QBXMLMsgsRs><ItemQueryRs statusCode="0" statusSeverity="Info"><ItemServiceRet>'
    "<Name>&lol3;</Name></ItemServiceRet></ItemQueryRs></QBXMLMsgsRs></QBXML>"
)


@pytest.mark.parametrize("document", [XXE, LAUGHS])
def test_parse_response_refuses_dtds(document: str) -> None:
    """External entities and entity expansion bombs are refused outright."""
    with pytest.raises(UnsafeXMLError):
        parse_response(document)
    with pytest.raises(UnsafeXMLError):
        parse_hcp(document)


@pytest.mark.parametrize("document", [XXE, LAUGHS])
def test_iter_rets_refuses_dtds(document: str) -> None:
    """The streaming reader refuses DTDs before lxml sees them."""
    with pytest.raises(UnsafeXMLError):
        list(iter_rets(document.encode()))


def test_dtd_split_across_chunks_is_seen() -> None:
    """A DOCTYPE straddling two read chunks is still refused."""
    padding = b"<!-- " + b"x" * (65536 - 12) + b" -->"
    document = b'<?xml version="1.0"?>' + padding + XXE.split("?>", 1)[1].encode()
    with pytest.raises(UnsafeXMLError):
        list(iter_rets(document))


def test_oversize_stream_is_refused() -> None:
    """iter_rets stops at the byte limit."""
    document = (
        b"<QBXML><QBXMLMsgsRs><ItemQueryRs>"
        + b"<ItemServiceRet><Name>a</Name></ItemServiceRet>" * 5000
    )
    with pytest.raises(UnsafeXMLError, match="limit"):
        list(iter_rets(document, max_bytes=10_000))


def test_malformed_xml_carries_the_text() -> None:
    """Syntax errors are wrapped and keep the start of the offending text."""
    with pytest.raises(XMLSyntaxError) as caught:
        parse_response("<QBXML><QBXMLMsgsRs><Oops></QBXML>")
    assert caught.value.content.startswith("<QBXML>")
    with pytest.raises(XMLSyntaxError):
        list(iter_rets(b"<QBXML><QBXMLMsgsRs><a></QBXML>"))


def test_dtd_detection_ignores_escaped_markup() -> None:
    """A declared DTD is found in any case; escaped '<!DOCTYPE' inside text is not one."""
    from qbwc_service.qbxml.xmlsafe import has_dtd

    assert has_dtd(b'<?xml version="1.0"?><!doctype x><x/>')
    assert has_dtd(b'<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>')
    assert not has_dtd(b"<x>&lt;!DOCTYPE html&gt; in a memo</x>")
