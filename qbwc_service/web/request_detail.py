"""One request: what it is in Magento and QuickBooks, why it stands where it stands, and actions."""

from __future__ import annotations

import logging

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from qbwc_service.services import fixes
from qbwc_service.services import request_detail as details
from qbwc_service.services import requests as actions
from qbwc_service.services.console_auth import Role
from qbwc_service.services.exceptions import ActionRefused, NotFound
from qbwc_service.web.common import app_context, current_user, next_or, require_role
from qbwc_service.web.xmlview import highlight_xml

__all__ = ["blueprint"]

log = logging.getLogger(__name__)
blueprint = Blueprint("detail", __name__)


@blueprint.route("/requests/<int:request_id>")
def request_detail(request_id: int) -> str:
    deps_page = max(request.args.get("deps_page", 1, type=int), 1)
    with app_context().db.session() as db_session:
        try:
            detail = details.request_detail(db_session, request_id, dependents_page=deps_page)
        except NotFound:
            abort(404, description=f"There is no request {request_id}.")
        row = detail.request
        may_act = current_user().can(Role.BOOKKEEPER)
        return render_template(
            "request_detail.html",
            row=row, company=detail.company, attempts=detail.attempts,
            transitions=detail.transitions, depends_on=detail.depends_on,
            dependents=detail.dependents, dependents_total=detail.dependents_total,
            deps_page=detail.dependents_page, deps_pages=detail.dependents_pages,
            explanation=detail.explanation, what_next=detail.what_next,
            failure=detail.failure, blocker=detail.blocker,
            request_html=highlight_xml(row.request_xml),
            response_html=highlight_xml(row.response_xml),
            highlight=highlight_xml,
            available_actions=actions.actions_for(row.status) if may_act else [],
            action_labels=actions.ACTION_LABELS,
            available_fixes=fixes.fixes_for(db_session, row) if may_act else [],
            fix_labels=fixes.FIX_LABELS,
            first_open_date=detail.first_open_date,
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


@blueprint.route("/requests/<int:request_id>/fix/<fix>", methods=["POST"])
@require_role(Role.BOOKKEEPER)
def fix(request_id: int, fix: str) -> Response:
    if fix not in fixes.FIX_LABELS:
        abort(404)
    username = current_user().username
    try:
        with app_context().db.session() as db_session:
            if fix == "post_on_open_date":
                moved = fixes.post_on_open_date(db_session, request_id, username=username)
                message = (f"Request {request_id} will be posted on the first open date; "
                           f"{len(moved)} request(s) re-dated, original dates kept on record.")
            elif fix == "link_existing":
                fixes.link_existing(db_session, request_id, username=username)
                message = (f"Request {request_id} will be linked to the existing QuickBooks "
                           "record on the next run; the requests waiting for it go ahead then.")
            else:
                renamed = fixes.rename(db_session, request_id, request.form.get("name", ""),
                                       username=username)
                message = (f"Request {request_id} renamed to \"{renamed.payload.get('Name')}\" "
                           "and queued again.")
    except ActionRefused as refusal:
        flash(f"{fixes.FIX_LABELS[fix]} was refused: {refusal}", "error")
    else:
        flash(message, "success")
    return redirect(url_for("detail.request_detail", request_id=request_id))
