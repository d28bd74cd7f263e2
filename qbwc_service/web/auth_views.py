"""Signing in and out of the console."""

from __future__ import annotations

import logging
import math
import time

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

from qbwc_service.db.models import WebUser
from qbwc_service.qbwc.auth import AuthOutcome, LoginPolicy
from qbwc_service.security import client_address
from qbwc_service.services import audit
from qbwc_service.web.common import app_context, current_user, next_or
from qbwc_service.web.security import authenticate, end_sessions, new_csrf_token

__all__ = ["blueprint"]

log = logging.getLogger(__name__)
blueprint = Blueprint("auth", __name__)

BAD_CREDENTIALS = "That user name and password do not match."
# The same words for existing and unknown names: the page never tells which names exist.
THROTTLED = "Too many failed sign-ins. Try again in {minutes} {unit}."


def _throttled(seconds: float) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return THROTTLED.format(minutes=minutes, unit="minute" if minutes == 1 else "minutes")


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
    wait = throttle.retry_after(address)
    if wait:
        log.info("console sign-in refused: too many failures from one address")
        return render_template("login.html", next=next_or(""), error=_throttled(wait),
                               username=username), 429
    with ctx.db.session() as db_session:
        result = authenticate(db_session, username, password, address=address,
                              policy=LoginPolicy.from_settings(ctx.settings))
        if result.outcome is AuthOutcome.OK and result.user is not None:
            audit.record(db_session, actor=f"web:{username}", action="login",
                         target_type="web_user", target_id=result.user.id)
            user_id, role = result.user.id, result.user.role
            generation = result.user.session_generation or 0
        elif result.outcome is AuthOutcome.THROTTLED:
            audit.record(db_session, actor="web", action="login refused",
                         target_type="web_user", after={"reason": "throttled"})
    if result.outcome is AuthOutcome.THROTTLED and result.retry_after is not None:
        log.info("console sign-in refused (throttled)")
        return render_template("login.html", next=next_or(""),
                               error=_throttled(result.retry_after.total_seconds()),
                               username=username), 429
    if result.outcome is not AuthOutcome.OK:
        throttle.record_failure(address)
        log.info("console sign-in refused (%s)", result.outcome.value)
        return render_template("login.html", next=next_or(""), error=BAD_CREDENTIALS,
                               username=username), 401
    # A fresh session on sign-in so nothing planted before it survives (session fixation).
    session.clear()
    now = int(time.time())
    session.update(user_id=user_id, username=username, role=role, seen=now, born=now,
                   generation=generation, csrf=new_csrf_token())
    return redirect(next_or(url_for("dashboard.dashboard")))


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    user = current_user()
    with app_context().db.session() as db_session:
        audit.record(db_session, actor=f"web:{user.username}", action="logout",
                     target_type="web_user", target_id=user.id)
        account = db_session.get(WebUser, user.id)
        if account is not None:
            # A copy of this cookie kept elsewhere must not outlive the sign-out.
            end_sessions(account)
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
