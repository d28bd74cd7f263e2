"""``FakeMagento``: a real HTTP server on 127.0.0.1 speaking Magento's REST subset.

It verifies OAuth 1.0a HMAC-SHA256 signatures (SHA1 and unsigned calls get 401 with
Magento's bodies), answers searchCriteria with Magento's semantics and envelope, serves
the documents of a :class:`FakeStore`, accepts source-item writes, and injects faults.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote
from wsgiref.types import StartResponse, WSGIEnvironment

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from magento_client.config import MagentoConfig
from magento_client.fake.faults import FaultPlan, FaultSpec
from magento_client.fake.oauth import OAuthFailure, OAuthVerifier
from magento_client.fake.routes import ApiError, Router
from magento_client.fake.store import FakeStore

__all__ = ["FakeMagento", "RequestRecord"]

_STATUS_TEXT = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
                503: "Service Unavailable"}


class _QuietHandler(WSGIRequestHandler):
    """No access log: query strings carry emails and other customer data."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it (no query values, no bodies: they hold customer data)."""

    method: str
    path: str
    status: int
    fault: str | None


class FakeMagento:
    """Start with :meth:`start` (or ``with FakeMagento(...) as fake:``); stop with :meth:`stop`."""

    def __init__(self, store: FakeStore | None = None, *, orders: int = 50, seed: int = 1,
                 faults: FaultSpec | str | None = None) -> None:
        self.store = store or FakeStore.generate(orders=orders, seed=seed)
        spec = FaultSpec.parse(faults, seed=seed) if isinstance(faults, str | type(None)) else faults
        self.faults = FaultPlan(spec)
        credentials = self.store.credentials
        self.oauth = OAuthVerifier(credentials.consumer_key, credentials.consumer_secret,
                                   credentials.access_token, credentials.access_token_secret)
        self.router = Router(self.store)
        self.requests: list[RequestRecord] = []
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""

    # -- lifecycle ----------------------------------------------------------------------

    def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        self._server = make_server(host, port, self.wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self.router.base_url = self.base_url
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="fake-magento",
                                        daemon=True)
        self._thread.start()
        return self.base_url

    def serve_forever(self, host: str = "127.0.0.1", port: int = 0,
                      ready: Callable[[str], None] | None = None) -> None:
        """Foreground mode for the command line."""
        self._server = make_server(host, port, self.wsgi, threaded=True,
                                   request_handler=_QuietHandler)
        self.base_url = f"http://{host}:{self._server.server_port}"
        self.router.base_url = self.base_url
        if ready:
            ready(self.base_url)
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> FakeMagento:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def config(self, **overrides: Any) -> MagentoConfig:
        """A client configuration pointing at this fake with its four credentials."""
        values: dict[str, Any] = {"base_url": self.base_url, **self.store.credentials.as_dict()}
        values.update(overrides)
        return MagentoConfig(**values)

    @property
    def clock_offset_seconds(self) -> float:
        return self.oauth.clock_offset

    @clock_offset_seconds.setter
    def clock_offset_seconds(self, value: float) -> None:
        self.oauth.clock_offset = value
        self.store.clock_offset_seconds = value

    # -- WSGI ---------------------------------------------------------------------------

    def wsgi(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ["REQUEST_METHOD"].upper()
        raw_uri = environ.get("RAW_URI") or environ.get("REQUEST_URI") or environ.get("PATH_INFO", "")
        raw_path = raw_uri.split("?", 1)[0]
        query = environ.get("QUERY_STRING", "")
        fault = self.faults.draw()
        status, body, headers = 200, b"", [("Content-Type", "application/json; charset=utf-8")]
        if fault == "slow":
            time.sleep(self.faults.spec.slow_seconds)
        if fault in ("429", "500", "502", "503"):
            status = int(fault)
            message = "Too Many Requests" if status == 429 else "Internal Error. Details are available in Magento log file. Report ID: webapi-fake"
            body = json.dumps({"message": message, "trace": None}).encode()
            if status == 429:
                headers.append(("Retry-After", f"{self.faults.spec.retry_after:g}"))
        else:
            try:
                status, body = self._handle(environ, method, raw_path, query)
            except ApiError as error:
                status, body = error.status, error.body()
        if fault == "truncate" and len(body) > 2:
            body = body[: len(body) // 2]
        headers.append(("Content-Length", str(len(body))))
        headers.append(("Date", time.strftime("%a, %d %b %Y %H:%M:%S GMT",
                                              time.gmtime(time.time() + self.oauth.clock_offset))))
        self.requests.append(RequestRecord(method, raw_path, status, fault))
        start_response(f"{status} {_STATUS_TEXT.get(status, 'Error')}", headers)
        return [body]

    def _handle(self, environ: WSGIEnvironment, method: str, raw_path: str,
                query: str) -> tuple[int, bytes]:
        # Segments stay encoded until routed, so an encoded "/" inside a SKU stays one segment.
        segments = [part for part in raw_path.split("/") if part]
        if len(segments) < 2 or segments[0] != "rest":
            raise ApiError(404, "Request does not match any route.")
        if segments[1] == "V1":
            store_code, rest = "default", segments[1:]
        else:
            store_code, rest = unquote(segments[1]), segments[2:]
            if store_code != "all" and self.store.store_by_code(store_code) is None:
                # An unknown code is read as part of the route, which then matches nothing.
                raise ApiError(404, "Request does not match any route.")
        if not rest or rest[0] != "V1":
            raise ApiError(404, "Request does not match any route.")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        payload = environ["wsgi.input"].read(length) if length else b""
        route = "/".join(rest)
        if route != "V1/integration/admin/token":
            self._authenticate(environ, method, raw_path, query)
        return self.router.dispatch(method, rest, query, payload)

    def _authenticate(self, environ: WSGIEnvironment, method: str, raw_path: str, query: str) -> None:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        resource = {"V1/products": "Magento_Catalog::products"}.get(
            "/".join(raw_path.split("/")[-2:]), "Magento_Sales::actions_view")
        if authorization.startswith("OAuth "):
            scheme = environ.get("wsgi.url_scheme", "http")
            url = f"{scheme}://{environ.get('HTTP_HOST', '')}{raw_path}"
            try:
                self.oauth.verify(method, url, query, authorization)
            except OAuthFailure as failure:
                raise ApiError(401, failure.template, failure.parameters) from None
            return
        if authorization.startswith("Bearer "):
            token = authorization[len("Bearer "):].strip()
            if token in self.router.admin_tokens:
                return
            if token == self.store.credentials.access_token and self.store.bearer_enabled:
                return
        # Since 2.4.4 an integration token alone is refused unless bearer use is enabled.
        raise ApiError(401, "The consumer isn't authorized to access %resources.",
                       {"resources": resource})
