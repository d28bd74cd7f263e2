"""The audit trail: who did what and when, filtered by person, action and day, and whether
the hash chain that guards it is intact."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from qbwc_service.db.models import AuditEvent
from qbwc_service.services.audit import verify_chain
from qbwc_service.web.common import app_context

__all__ = ["blueprint"]

blueprint = Blueprint("audit_trail", __name__)
PER_PAGE = 100


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@blueprint.route("/audit")
def audit_trail() -> str:
    person = (request.args.get("person") or "").strip()[:100]
    action = (request.args.get("action") or "").strip()[:64]
    day_from, day_to = _day(request.args.get("from")), _day(request.args.get("to"))
    page = max(request.args.get("page", 1, type=int), 1)
    statement = select(AuditEvent)
    if person:
        # People are stored as "web:NAME"; the command line and services by their own name.
        statement = statement.where(AuditEvent.actor.in_((person, f"web:{person}")))
    if action:
        statement = statement.where(AuditEvent.action == action)
    if day_from:
        statement = statement.where(AuditEvent.at >= datetime.combine(day_from, time.min, tzinfo=UTC))
    if day_to:
        statement = statement.where(
            AuditEvent.at < datetime.combine(day_to + timedelta(days=1), time.min, tzinfo=UTC))
    with app_context().db.session() as db_session:
        total = db_session.scalar(select(func.count()).select_from(statement.subquery())) or 0
        events = list(db_session.scalars(statement.order_by(AuditEvent.id.desc())
                                          .limit(PER_PAGE).offset((page - 1) * PER_PAGE)))
        broken = verify_chain(db_session)
        actions = list(db_session.scalars(select(AuditEvent.action).distinct()
                                           .order_by(AuditEvent.action)))
        return render_template(
            "audit.html", events=events, total=total, page=page,
            pages=max(-(-total // PER_PAGE), 1), broken=broken, actions=actions,
            person=person, action=action, day_from=day_from, day_to=day_to,
        )
