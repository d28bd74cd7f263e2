"""The Web Connector's SOAP service: WSDL shape and parameter names, nothing else.

Document/literal wrapped in the namespace ``http://developer.intuit.com/`` with the
exact operation and parameter names of Intuit's WSDL; each callback is one line into
``runs.Runs``. This is the only module that imports spyne.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import spyne.const
from spyne import Application, Array, Fault, Integer, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from qbwc_service.qbwc.runs import Runs
from qbwc_service.qbxml.xmlsafe import HARDENED_OPTIONS, UnsafeXMLError, check_depth
from qbwc_service.security import client_address

__all__ = ["TNS", "make_soap_app"]

TNS = "http://developer.intuit.com/"

# spyne logs the whole request body when it cannot parse it, and the whole envelope when
# its XML logger is at DEBUG; bodies carry customer data (and a copy of a large answer).
logging.getLogger("spyne.protocol.soap.soap11.invalid").disabled = True
logging.getLogger("spyne.protocol.xml.invalid").disabled = True
logging.getLogger("spyne.protocol.soap.soap11").setLevel(logging.CRITICAL)
logging.getLogger("spyne.protocol.xml").setLevel(logging.WARNING)

ArrayOfString = Array(Unicode, type_name="ArrayOfString")
Str = Unicode(min_occurs=0)
Int = Integer(min_occurs=1, nillable=False)

# A Web Connector envelope is Envelope/Body/operation/parameter/string: five levels.
MAX_ENVELOPE_DEPTH = 16


class HardenedSoap11(Soap11):
    """SOAP 1.1 reading UTF-8 bytes only, refusing any DTD and any deep nesting.

    ``huge_tree`` lifts libxml2's 10 MB limit on one text node, which a large
    ``receiveResponseXML`` answer (the escaped qbXML in ``response``) exceeds; the body
    size limit (``max_body_bytes``) and the depth check below bound what that allows.
    The XML entry (``app.SoapEndpoint``) has already refused non-UTF-8 bodies, so the
    bytes are parsed as they are: no decode to text and back, one copy fewer.
    """

    def create_in_document(self, ctx: Any, charset: str | None = None) -> None:
        super().create_in_document(ctx, None)

    def decompose_incoming_envelope(self, ctx: Any, message: Any = Soap11.REQUEST) -> None:
        root = ctx.in_document[0]
        docinfo = root.getroottree().docinfo
        if docinfo.internalDTD is not None or docinfo.doctype:
            raise Fault("Client.DTDForbidden", "XML with a DTD is not accepted")
        try:
            check_depth(root, limit=MAX_ENVELOPE_DEPTH)
        except UnsafeXMLError:
            raise Fault("Client.TooDeep", "the envelope nests too deeply") from None
        ctx.in_string = None  # the body bytes are no longer needed
        super().decompose_incoming_envelope(ctx, message)

    def generate_method_contexts(self, ctx: Any) -> Any:
        contexts = super().generate_method_contexts(ctx)
        _drop_envelope(ctx)  # the method gets a copy of ``ctx``; this one lives on unused
        return contexts

    def deserialize(self, ctx: Any, message: Any) -> None:
        super().deserialize(ctx, message)
        _drop_envelope(ctx)


def _drop_envelope(ctx: Any) -> None:
    """Let the envelope's tree go once the arguments are read: a large answer's text
    would otherwise be held twice (tree and string) while the callback runs."""
    ctx.in_document = ctx.in_body_doc = ctx.in_header_doc = None


def _protocol() -> HardenedSoap11:
    protocol = HardenedSoap11(validator="lxml", huge_tree=True)
    protocol.parser_kwargs.update(HARDENED_OPTIONS)
    return protocol


def make_soap_app(
    runs: Runs, *, public_url: str, max_body_bytes: int | None = None
) -> WsgiApplication:
    """A WSGI application answering the Web Connector at ``public_url``."""
    # spyne runs a full gc.collect() after a call at most once a second, to close the
    # files of multipart uploads in time. The Web Connector sends none, and in a server
    # holding a few hundred thousand objects each collection costs tens of milliseconds:
    # about a fifth of the CPU of a drained queue, and most of an idle poll's.
    spyne.const.MIN_GC_INTERVAL = math.inf
    c = runs
    proxies = [p.strip() for p in runs.settings.trusted_proxies.split(",") if p.strip()]

    def caller_address(ctx: Any) -> str:
        environ = getattr(getattr(ctx, "transport", None), "req_env", None) or {}
        return client_address(environ, proxies)

    class QBWebConnectorSvc(ServiceBase):
        @rpc(_returns=Unicode, _body_style="wrapped")
        def serverVersion(ctx: Any) -> str:
            return c.server_version()

        @rpc(Str, _returns=Unicode)
        def getServerVersion(ctx: Any, ticket: str | None) -> str:
            return c.server_version()

        @rpc(Str, _returns=Unicode)
        def clientVersion(ctx: Any, strVersion: str | None) -> str:
            return c.client_version(strVersion)

        @rpc(Str, Str, _returns=ArrayOfString)
        def authenticate(
            ctx: Any, strUserName: str | None, strPassword: str | None
        ) -> list[str]:
            return c.authenticate(strUserName, strPassword, caller_address(ctx))

        @rpc(Str, Str, Str, Str, Int, Int, _returns=Unicode)
        def sendRequestXML(
            ctx: Any,
            ticket: str | None,
            strHCPResponse: str | None,
            strCompanyFileName: str | None,
            qbXMLCountry: str | None,
            qbXMLMajorVers: int | None,
            qbXMLMinorVers: int | None,
        ) -> str:
            return c.send_request_xml(
                ticket, strHCPResponse, strCompanyFileName, qbXMLCountry,
                qbXMLMajorVers, qbXMLMinorVers,
            )

        @rpc(Str, Str, Str, Str, _returns=Integer(min_occurs=1))
        def receiveResponseXML(
            ctx: Any, ticket: str | None, response: str | None, hresult: str | None,
            message: str | None,
        ) -> int:
            return c.receive_response_xml(ticket, response, hresult, message)

        @rpc(Str, Str, Str, _returns=Unicode)
        def connectionError(
            ctx: Any, ticket: str | None, hresult: str | None, message: str | None
        ) -> str:
            return c.connection_error(ticket, hresult, message)

        @rpc(Str, _returns=Unicode)
        def getLastError(ctx: Any, ticket: str | None) -> str:
            return c.get_last_error(ticket)

        @rpc(Str, _returns=Unicode)
        def closeConnection(ctx: Any, ticket: str | None) -> str:
            return c.close_connection(ticket)

        @rpc(Str, Str, _returns=Unicode)
        def getInteractiveURL(
            ctx: Any, wcTicket: str | None, sessionID: str | None
        ) -> str:
            return c.get_interactive_url(wcTicket, sessionID)

        @rpc(Str, _returns=Unicode)
        def interactiveDone(ctx: Any, wcTicket: str | None) -> str:
            return c.interactive_done(wcTicket)

        @rpc(Str, Str, _returns=Unicode)
        def interactiveRejected(
            ctx: Any, wcTicket: str | None, reason: str | None
        ) -> str:
            return c.interactive_rejected(wcTicket, reason)

    application = Application(
        [QBWebConnectorSvc],
        tns=TNS,
        name="QBWebConnectorSvc",
        in_protocol=_protocol(),
        out_protocol=Soap11(),
    )
    # spyne refuses bodies over 2 MiB by default; the size limit in front (security.harden)
    # is the one that counts, so spyne accepts whatever got through it. It reads the body
    # (already in memory, app.ReadOnce) in one block: blocks would be joined into a copy.
    limit = max_body_bytes or runs.settings.max_body_bytes
    wsgi = WsgiApplication(application, max_content_length=limit, block_length=limit)
    wsgi.doc.wsdl11.build_interface_document(public_url)
    return wsgi
