"""Actions on many requests: choose in the log, confirm with a count and a reason, carry out.

Cancelling also offers what depends on the canceled requests, listed, so that nothing is
left queued forever behind a request that will never be sent.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers.response import Response

from qbwc_service.services import log as log_queries
from qbwc_service.services import requests as request_actions
from qbwc_service.services.bulk_review import review_bulk
from qbwc_service.services.console_auth import Role
from qbwc_service.web.common import app_context, current_user, next_or, require_role

__all__ = ["blueprint"]

blueprint = Blueprint("bulk", __name__)
SHOWN = 100  # rows listed on the confirmation page; the count covers them all


def _ids(values: list[str]) -> list[int]:
    ids: set[int] = set()
    for value in values:
        ids.update(int(part) for part in value.split(",") if part.strip().isdigit())
    return sorted(ids)[: request_actions.MAX_BULK]


def _chosen(action: str) -> tuple[list[int], str]:
    """The ids ticked, or every id the log's filter matches; and the filter's query string."""
    filter_query = request.form.get("filter", "")
    if request.form.get("all_matching") == "1":
        log_filter = log_queries.LogFilter.from_args(dict(parse_qsl(filter_query)))
        with app_context().db.session() as db_session:
            return log_queries.matching_ids(db_session, log_filter, request_actions.MAX_BULK), \
                filter_query
    return _ids(request.form.getlist("request_id")), filter_query


@blueprint.route("/requests/bulk/confirm", methods=["POST"])
@require_role(Role.BOOKKEEPER)
def confirm() -> Response | str:
    action = request.form.get("action", "")
    if action not in request_actions.ACTION_LABELS:
        abort(400, description="Choose retry, hold, release, approve or cancel.")
    ids, filter_query = _chosen(action)
    back = next_or(url_for("log.request_log") + (f"?{filter_query}" if filter_query else ""))
    if not ids:
        flash("Select at least one request first.", "error")
        return redirect(back)
    with app_context().db.session() as db_session:
        review = review_bulk(db_session, action, ids)
        return render_template(
            "bulk_confirm.html", action=action, label=request_actions.ACTION_LABELS[action],
            eligible=review.eligible[:SHOWN], eligible_count=len(review.eligible),
            eligible_ids=",".join(map(str, review.eligible_ids)),
            skipped=review.skipped, dependents=review.dependents[:SHOWN],
            dependents_count=len(review.dependents),
            dependent_ids=",".join(map(str, review.dependent_ids)),
            reason_required=action in request_actions.REASON_REQUIRED, back=back,
        )


@blueprint.route("/requests/bulk", methods=["POST"])
@require_role(Role.BOOKKEEPER)
def perform() -> Response:
    action = request.form.get("action", "")
    if action not in request_actions.ACTION_LABELS:
        abort(400, description="Choose retry, hold, release, approve or cancel.")
    reason = request.form.get("reason", "").strip()
    back = next_or(url_for("log.request_log"))
    ids = _ids([request.form.get("ids", "")])
    if action == "cancel" and request.form.get("with_dependents") == "1":
        ids = sorted(set(ids) | set(_ids([request.form.get("dependent_ids", "")])))
    if action in request_actions.REASON_REQUIRED and not reason:
        flash(f"{request_actions.ACTION_LABELS[action]} was not done: give a reason.", "error")
        return redirect(back)
    if not ids:
        flash("Nothing to do: none of the selected requests allows this action.", "error")
        return redirect(back)
    result = request_actions.perform_many(app_context().db, action, ids,
                                          username=current_user().username, reason=reason)
    label = request_actions.ACTION_LABELS[action]
    if result.done:
        flash(f"{label}: {len(result.done)} request(s) done.", "success")
    if result.refused:
        shown = "; ".join(f"#{request_id}: {why}" for request_id, why in result.refused[:20])
        more = f" and {len(result.refused) - 20} more" if len(result.refused) > 20 else ""
        flash(f"{label} refused for {len(result.refused)} request(s) — {shown}{more}", "error")
    return redirect(back)
