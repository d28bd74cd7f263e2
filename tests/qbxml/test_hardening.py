"""The response parsers refuse XXE, entity bombs, DTDs and oversize input."""

from __future__ import annotations

import pytest

from qbwc_service.qbxml import iter_rets, parse_hcp, parse_response
from qbwc_service.qbxml.xmlsafe import (
    MAX_DEPTH,
    UnsafeXMLError,
    XMLSyntaxError,
    check_depth,
    parse_xml,
)

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


def _nested(levels: int, inner: str = "") -> str:
    return "<a>" * levels + inner + "</a>" * levels


@pytest.mark.parametrize(("document", "refused"), [
    (_nested(MAX_DEPTH), False),
    (_nested(MAX_DEPTH + 1), True),
    (_nested(MAX_DEPTH, "text is not nesting"), False),
    (_nested(MAX_DEPTH, "<!-- a comment is -->"), True),
    (_nested(MAX_DEPTH, "<?pi so is a processing instruction?>"), True),
    ("<r>" + "<b/>" * 500 + _nested(MAX_DEPTH - 1) + "</r>", False),
    ("<r>" + "<b/>" * 500 + _nested(MAX_DEPTH) + "</r>", True),
], ids=["at-limit", "one-past", "text-past", "comment-past", "pi-past", "wide-at-limit",
       "wide-one-past"])
def test_depth_cap_counts_every_node_but_text(document: str, refused: bool) -> None:
    """MAX_DEPTH levels are accepted, one more (an element, comment or processing
    instruction) is refused wherever it sits among its siblings."""
    if refused:
        with pytest.raises(UnsafeXMLError, match=f"deeper than {MAX_DEPTH} levels"):
            parse_xml(document)
    else:
        assert parse_xml(document).tag in ("a", "r")


def test_depth_cap_of_a_subtree_counts_from_its_own_depth() -> None:
    """A response met at depth 3 of a streamed answer has MAX_DEPTH - 2 levels left."""
    root = parse_xml(_nested(MAX_DEPTH - 2))
    check_depth(root, 3)
    with pytest.raises(UnsafeXMLError):
        check_depth(root, 4)
    with pytest.raises(UnsafeXMLError):
        check_depth(root, MAX_DEPTH + 1)
    check_depth(root, 1, limit=MAX_DEPTH - 2)
    with pytest.raises(UnsafeXMLError, match="deeper than 10 levels"):
        check_depth(root, 1, limit=10)
