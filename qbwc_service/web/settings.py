"""Company settings: polling interval, qbXML version, approval mode, closing-date policy.

Saving changes what the next ``authenticate`` tells the Web Connector and what the
``.qwc`` download holds; the page offers the new ``.qwc`` right away.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from qbwc_service.services import companies
from qbwc_service.services.companies import company_by_id
from qbwc_service.services.companies_view import change_settings, qbwc_usernames
from qbwc_service.services.console_auth import Role
from qbwc_service.services.exceptions import NotFound, ServiceError
from qbwc_service.services.requests import actor_name
from qbwc_service.web.common import app_context, current_user, require_role

__all__ = ["blueprint"]

blueprint = Blueprint("settings", __name__)


@blueprint.route("/companies/<int:company_id>/settings")
def company_settings(company_id: int) -> str:
    with app_context().db.session() as db_session:
        try:
            company = company_by_id(db_session, company_id)
        except NotFound as missing:
            abort(404, description=str(missing))
        return render_template(
            "settings.html", company=company, usernames=qbwc_usernames(db_session, company_id),
            versions=companies.QBXML_CHOICES, policies=companies.CLOSING_POLICIES,
            may_change=current_user().can(Role.ADMIN),
        )


@blueprint.route("/companies/<int:company_id>/settings", methods=["POST"])
@require_role(Role.ADMIN)
def save(company_id: int) -> Response:
    form = request.form
    try:
        minutes = int(form.get("every_minutes", ""))
    except ValueError:
        flash("Not saved: the polling interval must be a whole number of minutes.", "error")
        return redirect(url_for("settings.company_settings", company_id=company_id))
    change = companies.CompanyChange(
        every_minutes=minutes, qbxml_version=form.get("qbxml_version", ""),
        approval_required=form.get("approval_required") == "1",
        closing_date_policy=form.get("closing_date_policy") or None,
    )
    ctx = app_context()
    try:
        with ctx.db.session() as db_session:
            changed = change_settings(db_session, ctx.settings, company_id, change,
                                      actor=actor_name(current_user().username))
    except NotFound as missing:
        abort(404, description=str(missing))
    except ServiceError as refusal:
        flash(f"Not saved: {refusal}.", "error")
    else:
        if changed:
            flash("Saved. The Web Connector gets the new interval when it next connects; "
                  "download the new .qwc below if you set it up again.", "success")
        else:
            flash("Nothing changed.", "info")
    return redirect(url_for("settings.company_settings", company_id=company_id))
