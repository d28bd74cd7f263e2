"""Bookkeeper actions go through the queue, change status, and leave a chained audit trail."""

from __future__ import annotations

from collections.abc import Callable

from flask.testing import FlaskClient
from sqlalchemy import delete, select, update
from web_seed import Seeded

from qbwc_service.context import AppContext
from qbwc_service.db.models import AuditEvent, Request, RequestTransition
from qbwc_service.services import audit

Client = Callable[[str], tuple[FlaskClient, str]]


def _status(ctx: AppContext, request_id: int) -> str:
    with ctx.db.session() as session:
        return session.get(Request, request_id).status


def _events(ctx: AppContext, action: str) -> list[AuditEvent]:
    with ctx.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_retry_requeues_a_failed_request_and_audits_it(client_for: Client, seeded: Seeded,
                                                       app_context: AppContext) -> None:
    """Retry moves failed → queued through the queue, recorded as a transition and an audit event."""
    client, token = client_for("bob")
    response = client.post(f"/requests/{seeded.failed_invoice_id}/retry", data={"csrf_token": token})
    assert response.status_code == 302
    assert _status(app_context, seeded.failed_invoice_id) == "queued"
    with app_context.db.session() as session:
        last = session.scalars(select(RequestTransition)
                               .where(RequestTransition.request_id == seeded.failed_invoice_id)
                               .order_by(RequestTransition.id.desc())).first()
    assert last is not None and (last.from_status, last.to_status, last.actor) == ("failed", "queued", "web:bob")
    [event] = _events(app_context, "retry")
    assert (event.actor, event.target_type, event.target_id) == ("web:bob", "request", str(seeded.failed_invoice_id))
    assert event.before == {"status": "failed"} and event.after == {"status": "queued"}
    page = client.get(f"/requests/{seeded.failed_invoice_id}").get_data(as_text=True)
    assert "request " + str(seeded.failed_invoice_id) + " is now queued" in page


def test_refused_transition_is_explained_and_not_audited(client_for: Client, seeded: Seeded,
                                                         app_context: AppContext) -> None:
    """Retrying a queued request is refused by the queue; the page says why; nothing changes."""
    client, token = client_for("bob")
    client.post(f"/requests/{seeded.queued_receipt_id}/retry", data={"csrf_token": token})
    page = client.get(f"/requests/{seeded.queued_receipt_id}").get_data(as_text=True)
    assert "was refused" in page and "cannot become queued" in page
    assert _status(app_context, seeded.queued_receipt_id) == "queued"
    assert _events(app_context, "retry") == []


def test_hold_release_and_cancel(client_for: Client, seeded: Seeded, app_context: AppContext) -> None:
    """Hold keeps the reason, release requeues, cancel (with a reason) ends it; each audited."""
    client, token = client_for("bob")
    rid = seeded.queued_receipt_id
    client.post(f"/requests/{rid}/hold", data={"csrf_token": token, "reason": "check the tax code"})
    with app_context.db.session() as session:
        held = session.get(Request, rid)
        assert (held.status, held.hold_reason) == ("held", "check the tax code")
    client.post(f"/requests/{rid}/release", data={"csrf_token": token})
    assert _status(app_context, rid) == "queued"
    client.post(f"/requests/{rid}/cancel", data={"csrf_token": token, "reason": "duplicate order"})
    assert _status(app_context, rid) == "canceled"
    assert _events(app_context, "hold")[0].after == {"status": "held", "reason": "check the tax code"}
    assert len(_events(app_context, "release")) == len(_events(app_context, "cancel")) == 1


def test_hold_and_cancel_without_a_reason_are_refused(client_for: Client, seeded: Seeded,
                                                     app_context: AppContext) -> None:
    """An empty hold or cancel reason is refused with a message, and nothing changes."""
    client, token = client_for("bob")
    rid = seeded.queued_receipt_id
    for action in ("hold", "cancel"):
        client.post(f"/requests/{rid}/{action}", data={"csrf_token": token, "reason": "  "})
        assert _status(app_context, rid) == "queued"
    html = client.get(f"/requests/{rid}").get_data(as_text=True)
    assert "needs a reason" in html
    client.post("/held", data={"csrf_token": token, "action": "cancel",
                               "request_id": str(seeded.held_ids[0])})
    assert _status(app_context, seeded.held_ids[0]) == "held"


def test_unknown_action_is_404(client_for: Client, seeded: Seeded) -> None:
    """Only the five known actions have routes."""
    client, token = client_for("ada")
    assert client.post(f"/requests/{seeded.failed_invoice_id}/delete",
                       data={"csrf_token": token}).status_code == 404


def test_bulk_approve_held_requests(client_for: Client, seeded: Seeded, app_context: AppContext) -> None:
    """Approving several held requests queues each one and audits each one."""
    client, token = client_for("bob")
    response = client.post("/held", data={"csrf_token": token, "action": "approve",
                                          "request_id": [str(i) for i in seeded.held_ids]})
    assert response.status_code == 302
    assert [_status(app_context, i) for i in seeded.held_ids] == ["queued", "queued"]
    assert sorted(int(e.target_id) for e in _events(app_context, "approve")) == sorted(seeded.held_ids)
    assert "2 request(s) done" in client.get("/held").get_data(as_text=True)


def test_bulk_cancel_reports_partial_refusals(client_for: Client, seeded: Seeded,
                                              app_context: AppContext) -> None:
    """One refused request in a bulk cancel does not undo the others."""
    client, token = client_for("bob")
    ids = [seeded.held_ids[0], seeded.customer_id]  # the customer already succeeded
    client.post("/held", data={"csrf_token": token, "action": "cancel", "reason": "test order",
                               "request_id": [str(i) for i in ids]})
    assert _status(app_context, seeded.held_ids[0]) == "canceled"
    assert _status(app_context, seeded.customer_id) == "succeeded"
    html = client.get("/held").get_data(as_text=True)
    assert "1 request(s) done" in html and "refused for 1 request(s)" in html


def test_bulk_without_selection_or_with_bad_action(client_for: Client) -> None:
    """An empty selection is explained; an unknown bulk action is a 400."""
    client, token = client_for("bob")
    client.post("/held", data={"csrf_token": token, "action": "approve"})
    assert "Select at least one held request" in client.get("/held").get_data(as_text=True)
    assert client.post("/held", data={"csrf_token": token, "action": "explode",
                                      "request_id": "1"}).status_code == 400


def test_audit_chain_detects_edits_and_deletions(client_for: Client, seeded: Seeded,
                                                 app_context: AppContext) -> None:
    """verify_chain is clean after actions, then names an edited row and the row after a deletion."""
    client, token = client_for("bob")
    client.post(f"/requests/{seeded.failed_invoice_id}/retry", data={"csrf_token": token})
    client.post(f"/requests/{seeded.queued_receipt_id}/hold", data={"csrf_token": token,
                                                                     "reason": "check"})
    client.post("/logout", data={"csrf_token": token})
    with app_context.db.session() as session:
        assert audit.verify_chain(session) == []
        ids = list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))
        assert len(ids) >= 6
        session.execute(update(AuditEvent).where(AuditEvent.id == ids[2]).values(actor="web:mallory"))
        session.execute(delete(AuditEvent).where(AuditEvent.id == ids[4]))
    with app_context.db.session() as session:
        assert audit.verify_chain(session) == [ids[2], ids[5]]


def test_audit_record_links_to_previous_hash(app_context: AppContext) -> None:
    """Each record carries the previous hash and a hash over its own canonical content."""
    with app_context.db.session() as session:
        first = audit.record(session, actor="cli", action="web-user add", target_type="web_user",
                             target_id=1, after={"username": "x", "role": "viewer"})
        second = audit.record(session, actor="cli", action="login", before={"n": 1})
    assert first.prev_hash is None and second.prev_hash == first.hash
    assert second.hash == audit.event_hash(first.hash, second) and len(second.hash) == 64
