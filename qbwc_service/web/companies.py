"""Companies: what each QuickBooks company file last reported, and its .qwc download."""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request

from qbwc_service.services.companies import qwc_for
from qbwc_service.services.companies_view import companies_by_name, usernames_by_company
from qbwc_service.services.console_auth import Role
from qbwc_service.services.exceptions import Conflict, NotFound
from qbwc_service.web.common import app_context, require_role

__all__ = ["blueprint"]

blueprint = Blueprint("companies", __name__)


@blueprint.route("/companies")
def companies() -> str:
    with app_context().db.session() as db_session:
        return render_template("companies.html", companies=companies_by_name(db_session),
                               users=usernames_by_company(db_session))


@blueprint.route("/companies/<int:company_id>/qwc")
@require_role(Role.ADMIN)
def download_qwc(company_id: int) -> Response:
    ctx = app_context()
    try:
        with ctx.db.session() as db_session:
            qwc = qwc_for(db_session, ctx.settings, company_id, username=request.args.get("user"))
    except NotFound as missing:
        abort(404, description=str(missing))
    except Conflict as refusal:
        abort(409, description=str(refusal))
    return Response(
        qwc.document,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{qwc.filename}"'},
    )
