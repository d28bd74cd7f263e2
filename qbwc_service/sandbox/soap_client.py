"""SOAP calls as the real Web Connector makes them: zeep from a WSDL, raw posts otherwise.

Intuit's six-operation WSDL lacks ``serverVersion`` and ``clientVersion``; the real Web
Connector still calls them, with a one-line body, a quoted SOAPAction and an element in
the default namespace (qbwc-protocol.md §9). Those go out as such raw posts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import requests
import zeep
from zeep.exceptions import Error as ZeepError
from zeep.transports import Transport

from qbwc_service.qbxml.writer import escape_text
from qbwc_service.qbxml.xmlsafe import XMLSyntaxError, parse_xml
from qbwc_service.sandbox.exceptions import WebConnectorError

__all__ = ["INTUIT_NS", "USER_AGENT", "SoapClient"]

INTUIT_NS = "http://developer.intuit.com/"
USER_AGENT = "Mozilla/4.0 (compatible; MSIE 6.0; MS Web Services Client Protocol 2.0.50727.8825)"
_ENVELOPE = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
             'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/" '
             'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
             'xmlns:xsd="http://www.w3.org/2001/XMLSchema"><soap:Body>{body}</soap:Body>'
             '</soap:Envelope>')


class SoapClient:
    """One Web Connector's connection to one server URL."""

    def __init__(self, url: str, wsdl: Path | str | None = None, timeout: float = 30.0) -> None:
        self.url = url
        self.timeout = timeout
        self.http = requests.Session()
        self.http.headers["User-Agent"] = USER_AGENT
        source = str(wsdl) if wsdl is not None else f"{url}?wsdl"
        try:
            client = zeep.Client(source, transport=Transport(session=self.http, timeout=timeout))
            binding = next(iter(client.wsdl.bindings))
            self.service = client.create_service(binding, url)
            self.operations = set(client.wsdl.bindings[binding]._operations)
        except (ZeepError, requests.RequestException, OSError) as exc:
            raise WebConnectorError("wsdl", f"cannot load the WSDL from {source}: {exc}") from exc

    def call(self, operation: str, **parameters: Any) -> Any:
        if operation not in self.operations:
            return self.raw_call(operation, **parameters)
        try:
            return getattr(self.service, operation)(**parameters)
        except (ZeepError, requests.RequestException) as exc:
            raise WebConnectorError(operation, str(exc)) from exc

    def raw_call(self, operation: str, **parameters: Any) -> str | None:
        """A call the WSDL does not declare, in the real Web Connector's exact wire form."""
        if parameters:
            inner = "".join(f"<{name}>{escape_text(str(value))}</{name}>"
                            for name, value in parameters.items())
            body = f'<{operation} xmlns="{INTUIT_NS}">{inner}</{operation}>'
        else:
            body = f'<{operation} xmlns="{INTUIT_NS}" />'
        headers = {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": f'"{INTUIT_NS}{operation}"'}
        try:
            reply = self.http.post(self.url, data=_ENVELOPE.format(body=body).encode("utf-8"),
                                   headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise WebConnectorError(operation, str(exc)) from exc
        if reply.status_code >= 400:
            raise WebConnectorError(operation, f"HTTP {reply.status_code}")
        try:
            root = parse_xml(reply.content)
        except XMLSyntaxError as exc:
            raise WebConnectorError(operation, f"reply is not XML: {exc}") from exc
        result = root.find(f".//{{{INTUIT_NS}}}{operation}Result")
        return None if result is None else (result.text or "")
