"""The bookkeeper's web console: a Flask app served beside the SOAP endpoint.

``create_web_app(ctx)`` builds it. Every page needs a signed-in console user except
``/login``, ``/support`` (the Web Connector's AppSupport page) and static files.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import date
from typing import Any

import flask
from flask import Blueprint, Flask, g, redirect, request, session, url_for
from flask.sessions import SecureCookieSessionInterface
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.routing import IntegerConverter
from werkzeug.wrappers.response import Response

from qbwc_service.context import AppContext
from qbwc_service.db.models import WebUser
from qbwc_service.security import LoginThrottle, installation_secret
from qbwc_service.settings import Settings
from qbwc_service.web import formatting, queries
from qbwc_service.web.common import CurrentUser
from qbwc_service.web.security import Role, csrf_matches, new_csrf_token

__all__ = ["CurrentUser", "create_web_app", "resolve_secret_key"]

log = logging.getLogger(__name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "support.support", "static"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_REFUSAL = (
    "This form was refused because its security token is missing or out of date. "
    "Go back, reload the page and submit it again."
)


def resolve_secret_key(settings: Settings) -> str:
    """The configured key, else one generated once and kept in ``<data_dir>/secret_key``."""
    return installation_secret(settings)


class _ConsoleSessionInterface(SecureCookieSessionInterface):
    """Marks the cookie Secure whenever this request, or the public URL, is https."""

    def get_cookie_secure(self, app: Flask) -> bool:
        if app.config.get("SESSION_COOKIE_SECURE"):
            return True
        return flask.has_request_context() and request.is_secure


# Database ids are 64-bit; a longer number in a path is no id of ours (404, not a crash).
MAX_ID = 2**63 - 1
# Query parameters the pages read as numbers or dates; anything else in them is a 400.
INTEGER_ARGS = frozenset({"company", "page", "per_page"})
DATE_ARGS = frozenset({"from", "to", "day"})


class _IdConverter(IntegerConverter):
    """``<int:...>`` in every route: digits only, at most a 64-bit id."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def invalid_parameter(args: Any) -> str | None:
    """Why the query string cannot be served (a message for a 400), or None."""
    for name in INTEGER_ARGS:
        value = args.get(name)
        if value in (None, ""):
            continue
        if not value.isdigit() or int(value) > MAX_ID:
            return f"The {name} parameter must be a whole number."
    for name in DATE_ARGS:
        value = args.get(name)
        if value in (None, ""):
            continue
        try:
            day = date.fromisoformat(value)
        except ValueError:
            return f"The {name} parameter must be a date like 2024-03-31."
        if not 1900 <= day.year <= 9998:
            return f"The {name} parameter must be a date between 1900 and 9998."
    return None


def create_web_app(ctx: AppContext, extra_blueprints: Iterable[Blueprint] = ()) -> Flask:
    """The console's WSGI app; the SOAP endpoint is mounted in front of it elsewhere.

    ``extra_blueprints`` are pages a composition adds (the demo's sandbox books); they sit
    behind the same sign-in, CSRF and role guards as every other page.
    """
    app = Flask(__name__)
    app.url_map.converters["int"] = _IdConverter
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
    _install_guards(app, ctx)
    _install_error_pages(app)
    _register_blueprints(app)
    for blueprint in extra_blueprints:
        app.register_blueprint(blueprint)
    return app


def _install_guards(app: Flask, ctx: AppContext) -> None:
    idle_seconds = max(ctx.settings.web_idle_minutes, 1) * 60
    max_age_seconds = max(ctx.settings.web_session_max_hours, 1) * 3600

    @app.before_request
    def _guard() -> Response | None:
        g.user = None
        if request.endpoint == "static":
            return None
        now = int(time.time())
        if "user_id" in session:
            if now - int(session.get("seen", 0)) > idle_seconds:
                session.clear()
                flask.flash("You were signed out after a period of inactivity.", "info")
            elif now - int(session.get("born", 0)) > max_age_seconds:
                session.clear()
                flask.flash("Your session ended; please sign in again.", "info")
            else:
                with ctx.db.session() as db_session:
                    user = db_session.get(WebUser, session["user_id"])
                    if (user is None or user.username != session.get("username")
                            or user.disabled_at is not None
                            or session.get("generation") != (user.session_generation or 0)):
                        # Disabled, signed out, or the password changed since this cookie.
                        session.clear()
                    else:
                        g.user = CurrentUser(user.id, user.username, user.role)
                        session["seen"] = now
                        # Read here, in the guard's own transaction: the banner is drawn
                        # while a view still holds its session (SQLite allows one writer).
                        g.overdue = queries.overdue_companies(db_session)
        problem = invalid_parameter(request.args)
        if problem:
            raise BadRequest(problem)
        if request.method in UNSAFE_METHODS:
            submitted = request.form.get("csrf_token") or request.headers.get("X-CSRF-Token")
            if not csrf_matches(session.get("csrf"), submitted):
                raise BadRequest(CSRF_REFUSAL)
        if g.user is None and request.endpoint not in PUBLIC_ENDPOINTS:
            if request.endpoint is None:
                return None  # an unknown path: let the 404 page answer
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        return None

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
        )
        if g.get("user") is not None:
            response.headers["Cache-Control"] = "no-store"
        return response

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"current_user": g.get("user"), "csrf_token": _csrf_token, "Role": Role,
                "app_name": ctx.settings.app_name, "overdue": g.get("overdue", [])}


def _csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = new_csrf_token()
    return str(token)


def _install_error_pages(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> tuple[str, int]:
        code = error.code or 500
        return flask.render_template("error.html", code=code, title=error.name,
                                     message=error.description), code

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        # The trace goes to the server log only; the page never shows internals.
        log.exception("unhandled error on %s %s", request.method, request.path)
        return flask.render_template(
            "error.html", code=500, title="Something went wrong",
            message="The console could not show this page. The error was logged for the administrator.",
        ), 500


def _register_blueprints(app: Flask) -> None:
    # Imported here: the views import this package's helpers at their own import time.
    from qbwc_service.web import views

    for blueprint in views.BLUEPRINTS:
        app.register_blueprint(blueprint)
