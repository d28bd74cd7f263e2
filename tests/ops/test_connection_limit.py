"""Hundreds of company files can be connected to one `serve` at once.

waitress accepts 100 connections by default and leaves the rest waiting until an idle one
times out (two minutes); a Web Connector whose run is between calls holds its keep-alive
connection, so 150 of them must not lock out the next.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from qbwc_service.server import ServerThread

HELD = 150


def _hello(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


@pytest.fixture
def held_connections() -> Iterator[ServerThread]:
    server = ServerThread(_hello).start()
    sockets = []
    try:
        for _ in range(HELD):
            sockets.append(socket.create_connection((server.host, server.port), timeout=5))
        yield server
    finally:
        for held in sockets:
            held.close()
        server.stop()


def test_a_new_client_is_answered_while_150_connections_are_held(
        held_connections: ServerThread) -> None:
    answer = requests.get(held_connections.url, timeout=5)
    assert answer.status_code == 200 and answer.text == "ok"
