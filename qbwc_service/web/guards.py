"""What runs around every console page: the sign-in and session checks, parameter and CSRF
checks, security headers, the template globals, and the error pages.

The cookie's idle and absolute ages are checked here; whether the account behind it still
counts is ``services.console_auth.signed_in_user``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import flask
from flask import Flask, g, redirect, request, session, url_for
from werkzeug.exceptions import BadRequest, HTTPException
from werkzeug.wrappers.response import Response

from qbwc_service.context import AppContext
from qbwc_service.services.console_auth import Role, signed_in_user
from qbwc_service.services.dashboard import overdue_companies
from qbwc_service.web.parameters import invalid_parameter
from qbwc_service.web.security import csrf_matches, new_csrf_token

__all__ = ["CSRF_REFUSAL", "PUBLIC_ENDPOINTS", "install_error_pages", "install_guards"]

log = logging.getLogger(__name__)

PUBLIC_ENDPOINTS = frozenset({"auth.login", "support.support", "static"})
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
CSRF_REFUSAL = (
    "This form was refused because its security token is missing or out of date. "
    "Go back, reload the page and submit it again."
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
}


def install_guards(app: Flask, ctx: AppContext) -> None:
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
                    g.user = signed_in_user(db_session, session["user_id"],
                                            session.get("username"), session.get("generation"))
                    if g.user is None:
                        # Disabled, signed out, or the password changed since this cookie.
                        session.clear()
                    else:
                        session["seen"] = now
                        # Read here, in the guard's own transaction: the banner is drawn
                        # while a view still holds its session (SQLite allows one writer).
                        g.overdue = overdue_companies(db_session)
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
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
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


def install_error_pages(app: Flask) -> None:
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
