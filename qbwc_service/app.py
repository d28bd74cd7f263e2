"""WSGI composition: the Web Connector endpoint, the console, health and metrics."""

from __future__ import annotations

import codecs
import functools
import os
import re
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.http import parse_options_header
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.wrappers import Request, Response

from qbwc_service.context import AppContext
from qbwc_service.handlers import Registry
from qbwc_service.observability import configure_logging, make_ops_app
from qbwc_service.qbwc.runs import Runs
from qbwc_service.qbwc.soap import TNS, make_soap_app
from qbwc_service.qbxml.xmlsafe import has_dtd
from qbwc_service.security import check_private_files, harden
from qbwc_service.settings import load_settings

__all__ = ["ReadOnce", "make_app", "wsgi_app_from_env"]

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


_GENERIC_FAULT = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<soap11env:Envelope xmlns:soap11env="http://schemas.xmlsoap.org/soap/envelope/">'
    b"<soap11env:Body><soap11env:Fault><faultcode>soap11env:{code}</faultcode>"
    b"<faultstring>The request could not be processed.</faultstring></soap11env:Fault>"
    b"</soap11env:Body></soap11env:Envelope>"
)
# The encoding named in the XML declaration, if any (the declaration comes first).
_DECLARED_ENCODING = re.compile(
    rb"\A(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?\bencoding\s*=\s*[\"']([^\"']*)[\"']")
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
_CHECK_CHUNK = 1024 * 1024


def encoding_problem(body: bytes, content_type: str) -> str | None:
    """Why ``body`` is not the UTF-8 the Web Connector always sends, or None when it is.

    Checked on the bytes before any parser sees them: a NUL byte (UTF-16 or UTF-32
    without a byte-order mark is ASCII interleaved with NULs, which is valid UTF-8 and
    would slip a DTD past a byte scan), invalid UTF-8, an XML declaration or a
    Content-Type naming another encoding.
    """
    if b"\x00" in body:
        return "The request is not UTF-8 text"
    charset = _charset(content_type)
    if charset and charset.strip().lower() not in _UTF8_NAMES:
        return "The request is not UTF-8 text"
    declared = _DECLARED_ENCODING.match(body[:1024])
    if declared and declared.group(1).strip().lower().decode("latin-1") not in _UTF8_NAMES:
        return "The request is not UTF-8 text"
    decoder = codecs.getincrementaldecoder("utf-8")()
    view = memoryview(body)
    try:
        # In slices, so a large answer is never held twice (bytes and text) at once.
        for start in range(0, len(view), _CHECK_CHUNK):
            decoder.decode(view[start:start + _CHECK_CHUNK])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "The request is not UTF-8 text"
    return None


@functools.lru_cache(maxsize=64)
def _charset(content_type: str) -> str | None:
    """The ``charset`` a Content-Type names (a Web Connector sends the same one every call)."""
    return parse_options_header(content_type)[1].get("charset")


def generic_fault(status: str, headers: list[tuple[str, str]], body: bytes,
                  start_response: Callable[..., Any]) -> list[bytes]:
    """A spyne fault reduced to its Client/Server code: parser and schema text stay inside."""
    code = "Client" if b"Client" in body[:4096] else "Server"
    reply = _GENERIC_FAULT.replace(b"{code}", code.encode())
    kept = [(name, value) for name, value in headers
            if name.lower() not in ("content-length", "content-type")]
    start_response(status, [*kept, ("Content-Type", "text/xml; charset=utf-8"),
                            ("Content-Length", str(len(reply)))])
    return [reply]


class ReadOnce:
    """A ``wsgi.input`` over a body already read that lets go of it as it is read.

    ``BytesIO`` would keep the bytes until the request ends, beside the parsed envelope
    and the answer taken out of it; a large ``receiveResponseXML`` would be held twice.
    Read whole (spyne asks for the whole length), it hands over the same bytes object.
    """

    def __init__(self, body: bytes) -> None:
        self._body = body

    def read(self, size: int | None = -1) -> bytes:
        body = self._body
        if size is None or size < 0 or size >= len(body):
            self._body = b""
            return body
        self._body = body[size:]
        return body[:size]


class SoapEndpoint:
    """``/qbwc``: refuses hostile XML before spyne sees it, answers the certificate GET."""

    def __init__(self, soap: WSGIApp, support_url: str) -> None:
        self.soap = soap
        self.support_url = support_url

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        # Not kept in the environ: it would hold the body until the request ends.
        request = Request(environ, populate_request=False)
        if request.method in ("GET", "HEAD") and "wsdl" not in request.args and not request.query_string:
            page = _ENDPOINT_PAGE.format(tns=TNS, support=self.support_url)
            return Response(page, mimetype="text/html")(environ, start_response)
        if request.method == "POST":
            # The size limit is enforced around the whole app (security.harden).
            body = request.get_data(cache=False)
            if not body or body.isspace():  # strip() would copy a large body
                return self._fault("Empty request: a SOAP envelope was expected", 400)(
                    environ, start_response)
            # The Web Connector always sends UTF-8; anything else is not a client of ours.
            problem = encoding_problem(body, str(environ.get("CONTENT_TYPE", "")))
            if problem:
                return self._fault(problem, 400)(environ, start_response)
            if has_dtd(body):
                return self._fault("XML with a DTD or entities is not accepted", 400)(
                    environ, start_response
                )
            # spyne reads the body again from wsgi.input, and is its only holder from then on.
            environ["wsgi.input"] = ReadOnce(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            del body, request
        return self._answer(environ, start_response)

    def _answer(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """spyne's answer, with any fault it raised replaced by the generic one."""
        started: list[Any] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            started[:] = [status, headers]
            return lambda data: None

        result = self.soap(environ, capture)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        status, headers = started
        if int(status.split(" ", 1)[0]) >= 400:
            return generic_fault(status, headers, body, start_response)
        start_response(status, headers)
        return [body]

    @staticmethod
    def _fault(reason: str, status: int) -> Response:
        return Response(
            _FAULT.format(reason=reason), status=status, content_type="text/xml; charset=utf-8"
        )


class ExactPath:
    """A mounted app answered only at its mount point itself: ``/metrics``, not
    ``/metrics/`` or ``/metrics//`` (which a proxy's exact-match rule would let through)."""

    def __init__(self, app: WSGIApp, *, allow_slash: bool = False) -> None:
        self.app = app
        self.paths = ("", "/") if allow_slash else ("",)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO", "") not in self.paths:
            return Response("not found\n", status=404, mimetype="text/plain")(environ, start_response)
        return self.app(environ, start_response)


def make_app(ctx: AppContext, extra_blueprints: Iterable[Any] = ()) -> WSGIApp:
    """The whole service as one WSGI application (``extra_blueprints``: console pages a
    composition such as the demo adds)."""
    from qbwc_service.web import create_web_app

    settings = ctx.settings
    runs = Runs(ctx, handlers=Registry())
    soap = make_soap_app(runs, public_url=settings.soap_url,
                         max_body_bytes=settings.max_body_bytes)
    endpoint = SoapEndpoint(soap, settings.support_url)
    web = create_web_app(ctx, extra_blueprints)
    ops = make_ops_app(ctx)
    mounts: dict[str, WSGIApp] = {"/qbwc": ExactPath(endpoint), "/healthz": ExactPath(ops),
                                  "/metrics": ExactPath(ops)}
    return harden(DispatcherMiddleware(web, mounts), settings.max_body_bytes)  # type: ignore[arg-type]


def wsgi_app_from_env() -> WSGIApp:
    """Entry point for gunicorn: settings from ``QBWC_SERVICE_*`` and the config file."""
    ctx = AppContext(load_settings(os.environ.get("QBWC_SERVICE_CONFIG") or None))
    configure_logging(ctx.settings)
    check_private_files(ctx.settings)  # raises InsecureFilesError: the worker does not start
    ctx.db  # noqa: B018 - upgrade the schema before the first request
    return make_app(ctx)
