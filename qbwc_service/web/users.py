"""People and roles (admins only): add, disable or enable, reset a password, unlock."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers.response import Response

from qbwc_service.db.models import WebUser, utcnow
from qbwc_service.services import users as accounts
from qbwc_service.services.exceptions import ServiceError, WebUserError
from qbwc_service.services.requests import actor_name
from qbwc_service.web.common import app_context, current_user, require_role
from qbwc_service.web.security import ROLES, Role, add_web_user

__all__ = ["blueprint"]

blueprint = Blueprint("users", __name__)
ACTIONS = ("disable", "enable", "reset", "unlock")


@blueprint.route("/users")
@require_role(Role.ADMIN)
def users() -> str:
    with app_context().db.session() as db_session:
        rows = list(db_session.scalars(select(WebUser).order_by(WebUser.username)))
        return render_template("users.html", users=rows, roles=ROLES, now=utcnow())


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
    if action not in ACTIONS:
        abort(404)
    me = current_user()
    actor = actor_name(me.username)
    web = accounts.AccountKind.WEB
    try:
        with app_context().db.session() as db_session:
            user = db_session.get(WebUser, user_id)
            if user is None:
                abort(404, description=f"There is no console user {user_id}.")
            name = user.username
            if action == "disable":
                if user.id == me.id:
                    raise WebUserError("you cannot disable your own account", username=name)
                accounts.disable(db_session, web, name, actor=actor)
                done = f"{name} is disabled and cannot sign in."
            elif action == "enable":
                accounts.enable(db_session, web, name, actor=actor)
                done = f"{name} may sign in again."
            elif action == "reset":
                accounts.change_password(db_session, web, name, request.form.get("password", ""),
                                         actor=actor)
                done = f"{name}'s password was reset; tell them the new one in person."
            else:
                accounts.unlock(db_session, web, name, actor=actor)
                done = f"{name} is unlocked."
    except ServiceError as refusal:
        flash(f"Not done: {refusal}.", "error")
    else:
        flash(done, "success")
    return redirect(url_for("users.users"))
