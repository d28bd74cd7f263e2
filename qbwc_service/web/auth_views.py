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

from qbwc_service.qbwc.auth import AuthOutcome, LoginPolicy
from qbwc_service.security import client_address
from qbwc_service.services.console_auth import sign_in, sign_out
from qbwc_service.web.common import app_context, current_user, next_or
from qbwc_service.web.security import new_csrf_token

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
        result = sign_in(db_session, username, password, address=address,
                         policy=LoginPolicy.from_settings(ctx.settings))
    if result.outcome is AuthOutcome.THROTTLED and result.retry_after is not None:
        log.info("console sign-in refused (throttled)")
        return render_template("login.html", next=next_or(""),
                               error=_throttled(result.retry_after.total_seconds()),
                               username=username), 429
    if result.outcome is not AuthOutcome.OK or result.user is None:
        throttle.record_failure(address)
        log.info("console sign-in refused (%s)", result.outcome.value)
        return render_template("login.html", next=next_or(""), error=BAD_CREDENTIALS,
                               username=username), 401
    # A fresh session on sign-in so nothing planted before it survives (session fixation).
    session.clear()
    now = int(time.time())
    session.update(user_id=result.user.id, username=username, role=result.user.role, seen=now,
                   born=now, generation=result.generation, csrf=new_csrf_token())
    return redirect(next_or(url_for("dashboard.dashboard")))


@blueprint.route("/logout", methods=["POST"])
def logout() -> Response:
    with app_context().db.session() as db_session:
        sign_out(db_session, current_user())
    session.clear()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))
