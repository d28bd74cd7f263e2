"""Request envelopes in the exact form the Web Connector sends them (one line, .NET style)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree

TNS = "http://developer.intuit.com/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "protocol"

USER_AGENT = "Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client Protocol 2.0.50727.1433)"


def headers(operation: str) -> dict[str, str]:
    return {
        "Content-Type": "text/xml; charset=utf-8",
        "SOAPAction": f'"{TNS}{operation}"',
        "User-Agent": USER_AGENT,
    }


def envelope(operation: str, **fields: str | int | None) -> bytes:
    """Empty strings become self-closing elements, as the Web Connector writes them."""
    parts = []
    for name, value in fields.items():
        if value is None or value == "":
            parts.append(f"<{name} />")
        else:
            parts.append(f"<{name}>{escape(str(value))}</{name}>")
    body = "".join(parts)
    inner = f'<{operation} xmlns="{TNS}">{body}</{operation}>' if parts else f'<{operation} xmlns="{TNS}" />'
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP_NS}" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'
        f' xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>{inner}</soap:Body></soap:Envelope>'
    ).encode()


def hcp(owner_id: str, file_id: str) -> str:
    text = (FIXTURES / "hcp_enterprise.xml").read_text(encoding="utf-8")
    return text.replace("{OWNER_ID}", owner_id).replace("{FILE_ID}", file_id)


def result(reply: bytes, operation: str) -> etree._Element:
    """The ``<operation>Result`` element of a reply, checked for the wrapped shape."""
    root = etree.fromstring(reply)
    assert root.tag == f"{{{SOAP_NS}}}Envelope"
    body = root.find(f"{{{SOAP_NS}}}Body")
    assert body is not None
    response = body.find(f"{{{TNS}}}{operation}Response")
    assert response is not None, etree.tostring(body)
    found = response.find(f"{{{TNS}}}{operation}Result")
    assert found is not None, etree.tostring(response)
    return found


def strings(element: etree._Element) -> list[str | None]:
    out: list[str | None] = []
    for child in element.findall(f"{{{TNS}}}string"):
        nil = child.get("{http://www.w3.org/2001/XMLSchema-instance}nil") == "true"
        out.append(None if nil else (child.text or ""))
    return out
