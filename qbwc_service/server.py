"""Serving the WSGI app with waitress: in the foreground, or in a thread (demo, tests)."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any

from waitress.server import create_server

__all__ = ["ServerThread"]

# QuickBooks query responses can be tens of megabytes; the app enforces its own limit.
MAX_REQUEST_BODY = 1 << 30


class ServerThread:
    """A waitress server on ``host:port`` (0 = a free port) running in a daemon thread."""

    def __init__(self, app: Any, host: str = "127.0.0.1", port: int = 0, threads: int = 8) -> None:
        self.server = create_server(
            app, host=host, port=port, threads=threads, ident="qbwc-service",
            max_request_body_size=MAX_REQUEST_BODY, clear_untrusted_proxy_headers=True,
        )
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
        self.server.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ServerThread:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
