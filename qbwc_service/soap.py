"""The Web Connector's SOAP service: WSDL shape and parameter names, nothing else.

Document/literal wrapped in the namespace ``http://developer.intuit.com/`` with the
exact operation and parameter names of Intuit's WSDL; each callback is one line into
``session.Conversation``. This is the only module that imports spyne.
"""

from __future__ import annotations

import logging
from typing import Any

from spyne import Application, Array, Integer, ServiceBase, Unicode, rpc
from spyne.protocol.soap import Soap11
from spyne.server.wsgi import WsgiApplication

from qbwc_service.security import client_address
from qbwc_service.session import Conversation

__all__ = ["TNS", "make_soap_app"]

TNS = "http://developer.intuit.com/"

# spyne logs the whole request body when it cannot parse it; bodies carry customer data.
logging.getLogger("spyne.protocol.soap.soap11.invalid").disabled = True
logging.getLogger("spyne.protocol.soap.soap11").setLevel(logging.CRITICAL)

ArrayOfString = Array(Unicode, type_name="ArrayOfString")
Str = Unicode(min_occurs=0)
Int = Integer(min_occurs=1, nillable=False)


def make_soap_app(conversation: Conversation, *, public_url: str) -> WsgiApplication:
    """A WSGI application answering the Web Connector at ``public_url``."""
    c = conversation
    proxies = [p.strip() for p in conversation.settings.trusted_proxies.split(",") if p.strip()]

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
        in_protocol=Soap11(validator="lxml"),
        out_protocol=Soap11(),
    )
    wsgi = WsgiApplication(application)
    wsgi.doc.wsdl11.build_interface_document(public_url)
    return wsgi
