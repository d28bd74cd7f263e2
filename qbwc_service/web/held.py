"""Held requests: approval mode, closed-period holds, items to create — reviewed in bulk."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from qbwc_service.services import held as holds
from qbwc_service.services import requests as actions
from qbwc_service.services.companies_view import companies_by_name
from qbwc_service.services.console_auth import Role
from qbwc_service.web.common import app_context, current_user, require_role

__all__ = ["blueprint"]

blueprint = Blueprint("held", __name__)


@blueprint.route("/held")
def held_requests() -> str:
    company_id = request.args.get("company", type=int)
    with app_context().db.session() as db_session:
        return render_template("held.html", rows=holds.held_requests(db_session, company_id),
                               companies=companies_by_name(db_session), company_id=company_id,
                               action_labels=actions.ACTION_LABELS)


@blueprint.route("/held", methods=["POST"])
@require_role(Role.BOOKKEEPER)
def decide() -> Response:
    action = request.form.get("action", "")
    if action not in holds.HELD_ACTIONS:
        abort(400, description="Choose approve, release or cancel.")
    ids = sorted({int(value) for value in request.form.getlist("request_id") if value.isdigit()})
    if not ids:
        flash("Select at least one held request first.", "error")
        return redirect(url_for("held.held_requests"))
    reason = request.form.get("reason", "").strip()
    if action in actions.REASON_REQUIRED and not reason:
        flash(f"{actions.ACTION_LABELS[action]} was not done: give a reason.", "error")
        return redirect(url_for("held.held_requests", company=request.form.get("company") or None))
    result = actions.perform_many(app_context().db, action, ids[:holds.MAX_SHOWN],
                                  username=current_user().username, reason=reason)
    label = actions.ACTION_LABELS[action]
    if result.done:
        flash(f"{label}: {len(result.done)} request(s) done "
              f"({', '.join(map(str, result.done))}).", "success")
    if result.refused:
        flash(f"{label} refused for {len(result.refused)} request(s) — "
              + "; ".join(f"{request_id}: {why}" for request_id, why in result.refused), "error")
    return redirect(url_for("held.held_requests", company=request.form.get("company") or None))
