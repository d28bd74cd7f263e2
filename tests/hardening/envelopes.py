"""Web Connector request envelopes, honest and hostile, built as bytes."""

from __future__ import annotations

from xml.sax.saxutils import escape

from lxml import etree

TNS = "http://developer.intuit.com/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
# What a stack trace or a leaked exception looks like in a reply.
INTERNALS = (
    "Traceback",
    'File "',
    "/work/",
    "site-packages",
    "sqlalchemy",
    "psycopg",
    "sqlite3.",
    "qbwc_service.",
    " object at 0x",
)


def headers(operation: str) -> dict[str, str]:
    return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{TNS}{operation}"'}


def envelope(operation: str, fields: dict[str, str | int | None], *, prolog: str = "") -> bytes:
    """``prolog`` goes between the XML declaration and the envelope (a DTD, for instance)."""
    inner = "".join(
        f"<{name} />" if value in (None, "") else f"<{name}>{escape(str(value))}</{name}>"
        for name, value in fields.items()
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}'
        f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        f' xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>'
        f'<{operation} xmlns="{TNS}">{inner}</{operation}></soap:Body></soap:Envelope>'
    ).encode()


def raw_envelope(operation: str, inner_xml: str, *, prolog: str = "") -> bytes:
    """An envelope whose operation element holds ``inner_xml`` verbatim (entity references)."""
    return (
        f'<?xml version="1.0" encoding="utf-8"?>{prolog}'
        f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body>'
        f'<{operation} xmlns="{TNS}">{inner_xml}</{operation}></soap:Body></soap:Envelope>'
    ).encode()


def result_text(reply: bytes, operation: str) -> list[str | None]:
    """The strings inside ``<operation>Result`` (one for scalars, several for arrays)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(reply, parser)
    found = root.find(f".//{{{TNS}}}{operation}Result")
    assert found is not None, reply[:500]
    children = found.findall(f"{{{TNS}}}string")
    if children:
        return [child.text for child in children]
    return [found.text]


def is_soap_fault(reply: bytes) -> bool:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(reply, parser)
    except etree.XMLSyntaxError:
        return False
    return root.find(f".//{{{SOAP_NS}}}Fault") is not None
