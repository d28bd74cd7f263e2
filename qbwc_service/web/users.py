"""People and roles (admins only): add, disable or enable, reset a password, unlock."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from qbwc_service.services.console_auth import ROLES, Role, add_web_user
from qbwc_service.services.console_people import PERSON_ACTIONS, change_person, console_people
from qbwc_service.services.exceptions import NotFound, ServiceError, WebUserError
from qbwc_service.services.requests import actor_name
from qbwc_service.web.common import app_context, current_user, require_role

__all__ = ["blueprint"]

blueprint = Blueprint("users", __name__)
DONE = {
    "disable": "{name} is disabled and cannot sign in.",
    "enable": "{name} may sign in again.",
    "reset": "{name}'s password was reset; tell them the new one in person.",
    "unlock": "{name} is unlocked.",
}


@blueprint.route("/users")
@require_role(Role.ADMIN)
def users() -> str:
    with app_context().db.session() as db_session:
        return render_template("users.html", users=console_people(db_session), roles=ROLES,
                               now=datetime.now(UTC))


@blueprint.route("/users", methods=["POST"])
@require_role(Role.ADMIN)
def add() -> Response:
    username = request.form.get("username", "")
    try:
        with app_context().db.session() as db_session:
            add_web_user(db_session, username, request.form.get("password", ""),
                         request.form.get("role", ""), actor=actor_name(current_user().username))
    except WebUserError as refusal:
        flash(f"The account was not added: {refusal}.", "error")
    else:
        flash(f"{username.strip()} can now sign in.", "success")
    return redirect(url_for("users.users"))


@blueprint.route("/users/<int:user_id>/<action>", methods=["POST"])
@require_role(Role.ADMIN)
def change(user_id: int, action: str) -> Response:
    if action not in PERSON_ACTIONS:
        abort(404)
    try:
        with app_context().db.session() as db_session:
            name = change_person(db_session, user_id, action, by=current_user(),
                                 password=request.form.get("password", ""))
    except NotFound as missing:
        abort(404, description=str(missing))
    except ServiceError as refusal:
        flash(f"Not done: {refusal}.", "error")
    else:
        flash(DONE[action].format(name=name), "success")
    return redirect(url_for("users.users"))
