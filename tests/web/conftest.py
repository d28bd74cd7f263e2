"""Console fixtures: a seeded database, the Flask app, signed-in test clients, and a real
server with a headless Chromium for the browser tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import sign_in
from web_seed import Seeded, seed_console
from werkzeug.serving import make_server

from qbwc_service.context import AppContext
from qbwc_service.web import create_web_app


@pytest.fixture
def seeded(app_context: AppContext) -> Seeded:
    return seed_console(app_context.db)


@pytest.fixture
def web_app(app_context: AppContext, seeded: Seeded) -> Flask:
    app = create_web_app(app_context)
    app.config["TESTING"] = True
    return app


@pytest.fixture
def client_for(web_app: Flask) -> Callable[[str], tuple[FlaskClient, str]]:
    """A signed-in client for a seeded user and its CSRF token."""

    def make(username: str) -> tuple[FlaskClient, str]:
        client = web_app.test_client()
        return client, sign_in(client, username)

    return make


CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture
def base_url(web_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, web_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module; each test opens its own page (own cookies)."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {CHROMIUM} is missing; .ci/run installs Debian's chromium")
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()
