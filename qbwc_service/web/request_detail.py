"""One request: what it is in Magento and QuickBooks, why it stands where it stands, and actions."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers.response import Response

from qbwc_service.db.models import (
    Attempt,
    Company,
    Request,
    RequestDependency,
    RequestTransition,
)
from qbwc_service.web import actions
from qbwc_service.web.common import app_context, current_user, next_or, require_role
from qbwc_service.web.exceptions import ActionRefused
from qbwc_service.web.security import Role
from qbwc_service.web.xmlview import highlight_xml

__all__ = ["blueprint", "explain"]

log = logging.getLogger(__name__)
blueprint = Blueprint("detail", __name__)


def explain(request_row: Request) -> str | None:
    """The plain-language reading of the request's status code."""
    if request_row.explanation:
        return request_row.explanation
    if request_row.status_code is None:
        return None
    try:
        from qbwc_service.qbxml.status import classify
    except ImportError:
        return request_row.status_message
    try:
        return str(classify(request_row.status_code, request_row.status_message or "").explanation)
    except Exception:
        log.warning("no explanation for status code %s", request_row.status_code)
        return request_row.status_message


@blueprint.route("/requests/<int:request_id>")
def request_detail(request_id: int) -> str:
    with app_context().db.session() as db_session:
        row = db_session.get(Request, request_id)
        if row is None:
            abort(404, description=f"There is no request {request_id}.")
        company = db_session.get(Company, row.company_id)
        attempts = list(db_session.scalars(
            select(Attempt).where(Attempt.request_id == request_id).order_by(Attempt.sent_at, Attempt.id)
        ))
        transitions = list(db_session.scalars(
            select(RequestTransition).where(RequestTransition.request_id == request_id)
            .order_by(RequestTransition.at, RequestTransition.id)
        ))
        depends_on = list(db_session.scalars(
            select(Request).join(RequestDependency, RequestDependency.depends_on_id == Request.id)
            .where(RequestDependency.request_id == request_id).order_by(Request.id)
        ))
        dependents = list(db_session.scalars(
            select(Request).join(RequestDependency, RequestDependency.request_id == Request.id)
            .where(RequestDependency.depends_on_id == request_id).order_by(Request.id)
        ))
        user = current_user()
        return render_template(
            "request_detail.html",
            row=row, company=company, attempts=attempts, transitions=transitions,
            depends_on=depends_on, dependents=dependents,
            explanation=explain(row),
            request_html=highlight_xml(row.request_xml),
            response_html=highlight_xml(row.response_xml),
            highlight=highlight_xml,
            available_actions=actions.actions_for(row.status) if user.can(Role.BOOKKEEPER) else [],
            action_labels=actions.ACTION_LABELS,
        )


@blueprint.route("/requests/<int:request_id>/<action>", methods=["POST"])
@require_role(Role.BOOKKEEPER)
def act(request_id: int, action: str) -> Response:
    if action not in actions.ACTION_LABELS:
        abort(404)
    user = current_user()
    reason = request.form.get("reason", "")
    try:
        with app_context().db.session() as db_session:
            updated = actions.perform(db_session, action, request_id, username=user.username,
                                      reason=reason)
            status = updated.status
    except ActionRefused as refusal:
        flash(f"{actions.ACTION_LABELS[action]} of request {request_id} was refused: {refusal}",
              "error")
    else:
        flash(f"{actions.ACTION_LABELS[action]}: request {request_id} is now {status}.", "success")
    return redirect(next_or(url_for("detail.request_detail", request_id=request_id)))
