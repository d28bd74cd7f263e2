"""One request: what it is in Magento and QuickBooks, why it stands where it stands, and actions."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers.response import Response

from qbwc_service.db.models import (
    Attempt,
    Company,
    Request,
    RequestDependency,
    RequestTransition,
)
from qbwc_service.qbxml.status import classify
from qbwc_service.services import fixes
from qbwc_service.services import requests as actions
from qbwc_service.services.exceptions import ActionRefused
from qbwc_service.services.log import blockers_of, failures_of
from qbwc_service.web.common import app_context, current_user, next_or, require_role
from qbwc_service.web.security import Role
from qbwc_service.web.xmlview import highlight_xml

__all__ = ["blueprint", "explain"]

log = logging.getLogger(__name__)
blueprint = Blueprint("detail", __name__)
DEPENDENTS_PER_PAGE = 20


def explain(request_row: Request) -> str | None:
    """The plain-language reading of the request's status code and QuickBooks' message."""
    if request_row.explanation:
        return request_row.explanation
    if request_row.status_code is None:
        return None
    return classify(request_row.status_code, request_row.status_message or "").explanation


def _what_next(row: Request, explanation: str | None) -> str | None:
    """"Retry later" versus "needs a fix", in the words of the request's situation."""
    if row.status != "failed" or row.status_code is None:
        return None
    kind = classify(row.status_code, row.status_message or "").kind
    if kind == "retryable":
        return ("Retry later: QuickBooks was busy or locked. Sending it again as it is "
                "normally works.")
    return ("Needs a fix: sending it again unchanged will fail the same way. Change what "
            "the explanation names (or use a fix below), then retry.")


@blueprint.route("/requests/<int:request_id>")
def request_detail(request_id: int) -> str:
    deps_page = max(request.args.get("deps_page", 1, type=int), 1)
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
        needed_by = select(Request).join(RequestDependency, RequestDependency.request_id == Request.id)\
            .where(RequestDependency.depends_on_id == request_id)
        dependents_total = db_session.scalar(
            select(func.count()).select_from(needed_by.subquery())) or 0
        dependents = list(db_session.scalars(
            needed_by.order_by(Request.id).limit(DEPENDENTS_PER_PAGE)
            .offset((deps_page - 1) * DEPENDENTS_PER_PAGE)))
        user = current_user()
        may_act = user.can(Role.BOOKKEEPER)
        explanation = explain(row)
        return render_template(
            "request_detail.html",
            row=row, company=company, attempts=attempts, transitions=transitions,
            depends_on=depends_on, dependents=dependents, dependents_total=dependents_total,
            deps_page=deps_page, deps_pages=max(-(-dependents_total // DEPENDENTS_PER_PAGE), 1),
            explanation=explanation, what_next=_what_next(row, explanation),
            failure=failures_of(db_session, [row]).get(row.id),
            blocker=blockers_of(db_session, [row]).get(row.id),
            request_html=highlight_xml(row.request_xml),
            response_html=highlight_xml(row.response_xml),
            highlight=highlight_xml,
            available_actions=actions.actions_for(row.status) if may_act else [],
            action_labels=actions.ACTION_LABELS,
            available_fixes=fixes.fixes_for(db_session, row) if may_act else [],
            fix_labels=fixes.FIX_LABELS,
            first_open_date=(company.closing_date + timedelta(days=1)
                             if company and company.closing_date else None),
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
