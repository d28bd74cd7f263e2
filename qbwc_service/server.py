"""Serving the WSGI app with waitress: in the foreground, or in a thread (demo, tests)."""

from __future__ import annotations

import errno
import socket
import threading
from types import TracebackType
from typing import Any

from waitress.server import create_server

__all__ = ["WAITRESS_OPTIONS", "ServerBindError", "ServerThread", "bind_server", "listening_urls"]

# QuickBooks query responses can be tens of megabytes; the app enforces its own limit.
MAX_REQUEST_BODY = 1 << 30
# waitress (3.x) deletes X-Forwarded-For unless told otherwise, so behind a proxy every
# client would share the proxy's address and one client's failed logins would throttle
# them all. The header reaches the app, which believes it only when the request comes
# from an address in ``trusted_proxies`` (security.client_address); from anyone else the
# header is ignored, so keeping it costs nothing.
#
# A Web Connector holds its keep-alive connection for the length of its run, and waitress
# accepts only 100 connections by default, leaving the next client waiting until an idle
# one times out (two minutes): a few hundred company files polling one `serve` need more.
# 500 stays under Python's select() limit on Windows (512) and the usual 1,024 open files.
CONNECTION_LIMIT = 500
WAITRESS_OPTIONS: dict[str, Any] = {
    "ident": "qbwc-service",
    "connection_limit": CONNECTION_LIMIT,
    "max_request_body_size": MAX_REQUEST_BODY,
    "clear_untrusted_proxy_headers": False,
}

_BIND_ADVICE = {
    errno.EADDRINUSE: "the port is already in use by another program; stop it or choose "
                      "another port with --port",
    errno.EACCES: "permission denied (ports below 1024 need administrator rights); choose "
                  "a port above 1024 with --port",
    errno.EADDRNOTAVAIL: "this machine has no such address; use 127.0.0.1, 0.0.0.0 or one "
                         "of its own addresses with --host",
}


class ServerBindError(OSError):
    """The server cannot listen on ``host:port``; the message says why and what to do."""

    def __init__(self, host: str, port: int, cause: OSError) -> None:
        if isinstance(cause, socket.gaierror):
            reason = f"unknown host name {host!r}"
        else:
            reason = _BIND_ADVICE.get(cause.errno or 0, cause.strerror or str(cause))
        super().__init__(f"cannot listen on {host}:{port}: {reason}")
        self.host = host
        self.port = port


def bind_server(app: Any, host: str, port: int, threads: int = 8) -> Any:
    """A waitress server already bound to ``host:port``: a busy port fails here, at once."""
    try:
        return create_server(app, host=host, port=port, threads=threads, **WAITRESS_OPTIONS)
    except OSError as exc:
        raise ServerBindError(host, port, exc) from exc


def listening_urls(server: Any) -> list[str]:
    """Every address ``server`` really listens on (several when a name resolves to v4 and v6)."""
    listen = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)]
    return [f"http://[{host}]:{port}" if ":" in str(host) else f"http://{host}:{port}"
            for host, port in listen]


class ServerThread:
    """A waitress server on ``host:port`` (0 = a free port) running in a daemon thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.server = bind_server(app, host, port, threads)
        self.host = host
        self.port: int = self.server.effective_port  # type: ignore[union-attr]
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, name="waitress", daemon=True)

    def _serve(self) -> None:
        try:
            self.server.run()
        except OSError:
            # Closing the listening socket under the running select loop ends it this way.
            if not self._stopping:
                raise

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> ServerThread:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping = True
        # Let the request in flight finish first: its worker thread wakes the serving loop
        # when done, and would find that loop's trigger closed (a traceback on stderr).
        self.server.task_dispatcher.shutdown()
        self.server.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
