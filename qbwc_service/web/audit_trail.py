"""The audit trail: who did what and when, filtered by person, action and day, and whether
the hash chain that guards it is intact."""

from __future__ import annotations

from flask import Blueprint, render_template, request

from qbwc_service.services.audit_trail import AuditFilter, audit_page
from qbwc_service.web.common import app_context, date_arg

__all__ = ["blueprint"]

blueprint = Blueprint("audit_trail", __name__)


@blueprint.route("/audit")
def audit_trail() -> str:
    audit_filter = AuditFilter(
        person=(request.args.get("person") or "").strip()[:100],
        action=(request.args.get("action") or "").strip()[:64],
        day_from=date_arg("from"), day_to=date_arg("to"),
        page=max(request.args.get("page", 1, type=int), 1),
    )
    with app_context().db.session() as db_session:
        found = audit_page(db_session, audit_filter)
        return render_template(
            "audit.html", events=found.events, total=found.total, page=audit_filter.page,
            pages=found.pages, broken=found.broken, actions=found.actions,
            person=audit_filter.person, action=audit_filter.action,
            day_from=audit_filter.day_from, day_to=audit_filter.day_to,
        )
