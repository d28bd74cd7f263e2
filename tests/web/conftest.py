"""Console fixtures: a seeded database, the Flask app, and signed-in test clients."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from web_helpers import sign_in
from web_seed import Seeded, seed_console

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
