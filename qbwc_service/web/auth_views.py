"""Signing in and out of the console."""

from __future__ import annotations

import logging
import time
from datetime import timedelta

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers.response import Response

from qbwc_service.security import client_address
from qbwc_service.web import audit
from qbwc_service.web.common import app_context, current_user, next_or
from qbwc_service.web.security import LoginOutcome, authenticate, new_csrf_token

__all__ = ["blueprint"]

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)

BAD_CREDENTIALS = "That user name and password do not match."
LOCKED = "Too many failed sign-ins. This account is locked for a while; try again later."
THROTTLED = "Too many failed sign-ins from this address. Wait a few minutes and try again."


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> Response | str | tuple[str, int]:
    if request.method == "GET":
        if g.get("user") is not None:
            return redirect(next_or(url_for("dashboard.dashboard")))
        return render_template("login.html", next=next_or(""), error=None)
    ctx = app_context()
    username = request.form.get("username", "").strip()[:100]
    password = request.form.get("password", "")
    throttle = current_app.extensions["qbwc_login_throttle"]
    proxies = [p.strip() for p in ctx.settings.trusted_proxies.split(",") if p.strip()]
    address = client_address(request.environ, proxies)
    if not throttle.allowed(address):
        log.info("console sign-in refused: too many failures from one address")
        return render_template("login.html", next=next_or(""), error=THROTTLED,
                               username=username), 429
    with ctx.db.session() as db_session:
        result = authenticate(
            db_session, username, password,
            max_failures=ctx.settings.lockout_attempts,
            lockout=timedelta(minutes=ctx.settings.lockout_minutes),
        )
        if result.outcome is LoginOutcome.OK and result.user is not None:
            audit.record(db_session, actor=f"web:{username}", action="login",
                         target_type="web_user", target_id=result.user.id)
            user_id, role = result.user.id, result.user.role
        elif result.outcome is LoginOutcome.LOCKED:
            audit.record(db_session, actor=f"web:{username}", action="login refused",
                         target_type="web_user", after={"reason": "locked"})
    if result.outcome is not LoginOutcome.OK:
        throttle.record_failure(address)
        log.info("console sign-in refused (%s)", result.outcome.value)
        message = LOCKED if result.outcome is LoginOutcome.LOCKED else BAD_CREDENTIALS
        return render_template("login.html", next=next_or(""), error=message,
                               username=username), 401
    # A fresh session on sign-in so nothing planted before it survives (session fixation).
    session.clear()
    session.update(user_id=user_id, username=username, role=role, seen=int(time.time()),
                   csrf=new_csrf_token())
    return redirect(next_or(url_for("dashboard.dashboard")))


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    user = current_user()
    with app_context().db.session() as db_session:
        audit.record(db_session, actor=f"web:{user.username}", action="logout",
                     target_type="web_user", target_id=user.id)
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
