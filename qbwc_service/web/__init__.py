"""The bookkeeper's web console: a Flask app served beside the SOAP endpoint.

``create_web_app(ctx)`` builds it. Every page needs a signed-in console user except
``/login``, ``/support`` (the Web Connector's AppSupport page) and static files.

The console is a thin face: each page module parses the request, calls a use case in
``qbwc_service.services`` and renders what it returns; no page queries the database
itself. Which errors a page shows is decided by catching the use cases' exception types
(``services.exceptions``). ``guards`` checks every request (session ages, the account
behind the cookie, parameters, CSRF) and sets the headers; ``parameters`` says which
ids and query values are acceptable; ``security`` holds the CSRF tokens; ``chart`` and
``formatting`` only shape what the templates draw.
"""

from __future__ import annotations

from collections.abc import Iterable

import flask
from flask import Blueprint, Flask, request
from flask.sessions import SecureCookieSessionInterface

from qbwc_service.context import AppContext
from qbwc_service.security import LoginThrottle, installation_secret
from qbwc_service.settings import Settings
from qbwc_service.web import formatting
from qbwc_service.web.common import CurrentUser
from qbwc_service.web.guards import install_error_pages, install_guards
from qbwc_service.web.parameters import IdConverter

__all__ = ["CurrentUser", "create_web_app", "resolve_secret_key"]


def resolve_secret_key(settings: Settings) -> str:
    """The configured key, else one generated once and kept in ``<data_dir>/secret_key``."""
    return installation_secret(settings)


class _ConsoleSessionInterface(SecureCookieSessionInterface):
    """Marks the cookie Secure whenever this request, or the public URL, is https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return flask.has_request_context() and request.is_secure


def create_web_app(ctx: AppContext, extra_blueprints: Iterable[Blueprint] = ()) -> Flask:
    """The console's WSGI app; the SOAP endpoint is mounted in front of it elsewhere.

    ``extra_blueprints`` are pages a composition adds (the demo's sandbox books); they sit
    behind the same sign-in, CSRF and role guards as every other page.
    """
    app = Flask(__name__)
    app.url_map.converters["int"] = IdConverter
    app.config.update(
        SECRET_KEY=resolve_secret_key(ctx.settings),
        SESSION_COOKIE_NAME="qbwc_console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=ctx.settings.public_url.lower().startswith("https://"),
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.session_interface = _ConsoleSessionInterface()
    app.extensions["qbwc_context"] = ctx
    app.extensions["qbwc_login_throttle"] = LoginThrottle(
        ctx.settings.address_login_limit, ctx.settings.address_login_window_seconds)
    formatting.install(app)
    install_guards(app, ctx)
    install_error_pages(app)
    _register_blueprints(app)
    for blueprint in extra_blueprints:
        app.register_blueprint(blueprint)
    return app


def _register_blueprints(app: Flask) -> None:
    # Imported here: the views import this package's helpers at their own import time.
    from qbwc_service.web import views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
