"""Companies: what each QuickBooks company file last reported, and its .qwc download."""

from __future__ import annotations

import logging
import re

from flask import Blueprint, Response, abort, render_template, request
from sqlalchemy import select

from qbwc_service.db.models import Company, QbwcUser
from qbwc_service.web.common import app_context, require_role
from qbwc_service.web.security import Role

__all__ = ["blueprint", "qwc_filename"]

log = logging.getLogger(__name__)
blueprint = Blueprint("companies", __name__)


def qwc_filename(company: Company, username: str) -> str:
    """A file name safe in a header and on Windows: letters, digits, dash, underscore, dot."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{company.name}-{username}").strip("-.") or "company"
    return f"{stem[:80]}.qwc"


@blueprint.route("/companies")
def companies() -> str:
    with app_context().db.session() as db_session:
        rows = list(db_session.scalars(select(Company).order_by(Company.name)))
        users: dict[int, list[str]] = {}
        for company_id, username in db_session.execute(
            select(QbwcUser.company_id, QbwcUser.username).order_by(QbwcUser.username)
        ):
            users.setdefault(company_id, []).append(username)
        return render_template("companies.html", companies=rows, users=users)


@blueprint.route("/companies/<int:company_id>/qwc")
@require_role(Role.ADMIN)
def download_qwc(company_id: int) -> Response:
    ctx = app_context()
    with ctx.db.session() as db_session:
        company = db_session.get(Company, company_id)
        if company is None:
            abort(404, description=f"There is no company {company_id}.")
        usernames = list(db_session.scalars(
            select(QbwcUser.username).where(QbwcUser.company_id == company_id).order_by(QbwcUser.username)
        ))
        username = request.args.get("user") or (usernames[0] if usernames else "")
        if username not in usernames:
            abort(404, description="That Web Connector user does not belong to this company. "
                                   "Add one with the command line first.")
        try:
            from qbwc_service.qbwc.qwc import QwcError, build_qwc
        except ImportError:
            abort(503, description=".qwc files cannot be generated in this installation yet.")
        try:
            document = build_qwc(db_session, ctx.settings, company, username)
        except QwcError as refusal:
            abort(409, description=f"The .qwc file cannot be made: {refusal}")
        filename = qwc_filename(company, username)
    return Response(
        document,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
