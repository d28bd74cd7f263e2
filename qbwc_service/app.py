"""WSGI composition: the Web Connector endpoint, the console, health and metrics."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from io import BytesIO
from typing import Any

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from qbwc_service.context import AppContext
from qbwc_service.observability import configure_logging, make_ops_app
from qbwc_service.qbxml.xmlsafe import has_dtd
from qbwc_service.security import harden
from qbwc_service.session import Conversation
from qbwc_service.settings import load_settings
from qbwc_service.soap import TNS, make_soap_app

__all__ = ["make_app", "wsgi_app_from_env"]

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

_FAULT = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap11env:Envelope xmlns:soap11env="http://schemas.xmlsoap.org/soap/envelope/">'
    "<soap11env:Body><soap11env:Fault><faultcode>soap11env:Client</faultcode>"
    "<faultstring>{reason}</faultstring></soap11env:Fault></soap11env:Body>"
    "</soap11env:Envelope>"
)

_ENDPOINT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>QuickBooks Web Connector endpoint</title></head><body>
<h1>QuickBooks Web Connector endpoint</h1>
<p>This address is for the QuickBooks Web Connector ({tns}). Add the company's .qwc file
to the Web Connector; see <a href="{support}">support</a> for help.</p></body></html>"""


class SoapEndpoint:
    """``/qbwc``: refuses hostile XML before spyne sees it, answers the certificate GET."""

    def __init__(self, soap: WSGIApp, support_url: str) -> None:
        self.soap = soap
        self.support_url = support_url

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        if request.method in ("GET", "HEAD") and "wsdl" not in request.args and not request.query_string:
            page = _ENDPOINT_PAGE.format(tns=TNS, support=self.support_url)
            return Response(page, mimetype="text/html")(environ, start_response)
        if request.method == "POST":
            # The size limit is enforced around the whole app (security.harden).
            body = request.get_data(cache=True)
            if not body.strip():
                return self._fault("Empty request: a SOAP envelope was expected", 400)(
                    environ, start_response)
            try:
                body.decode("utf-8")
            except UnicodeDecodeError:
                # The Web Connector always sends UTF-8; anything else is not a client of ours.
                return self._fault("The request is not UTF-8 text", 400)(environ, start_response)
            if has_dtd(body):
                return self._fault("XML with a DTD or entities is not accepted", 400)(
                    environ, start_response
                )
            # spyne reads the body again from wsgi.input.
            environ["wsgi.input"] = BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.soap(environ, start_response)

    @staticmethod
    def _fault(reason: str, status: int) -> Response:
        return Response(
            _FAULT.format(reason=reason), status=status, content_type="text/xml; charset=utf-8"
        )


def make_app(ctx: AppContext) -> WSGIApp:
    """The whole service as one WSGI application."""
    from qbwc_service.web import create_web_app

    settings = ctx.settings
    conversation = Conversation(ctx)
    soap = make_soap_app(conversation, public_url=settings.soap_url)
    endpoint = SoapEndpoint(soap, settings.support_url)
    web = create_web_app(ctx)
    ops = make_ops_app(ctx)
    mounts: dict[str, WSGIApp] = {"/qbwc": endpoint, "/healthz": ops, "/metrics": ops}
    return harden(DispatcherMiddleware(web, mounts), settings.max_body_bytes)  # type: ignore[arg-type]


def wsgi_app_from_env() -> WSGIApp:
    """Entry point for gunicorn: settings from ``QBWC_SERVICE_*`` and the config file."""
    ctx = AppContext(load_settings(os.environ.get("QBWC_SERVICE_CONFIG") or None))
    configure_logging(ctx.settings)
    ctx.db  # noqa: B018 - upgrade the schema before the first request
    return make_app(ctx)
