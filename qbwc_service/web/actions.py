"""Bookkeeper actions on requests: each goes through the queue and leaves an audit event.

The queue owns every status change (``transition()``); the console only asks for one and
records who asked, the status before and the status after, in the same transaction.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Request, RequestStatus
from qbwc_service.web import audit
from qbwc_service.web.exceptions import ActionRefused

__all__ = ["ACTION_LABELS", "AVAILABLE_FROM", "actions_for", "actor_name", "perform"]

ACTION_LABELS: dict[str, str] = {
    "retry": "Retry",
    "release": "Release hold",
    "approve": "Approve",
    "hold": "Hold",
    "cancel": "Cancel",
}
# Offered only where the queue can honour them; the queue still has the last word.
AVAILABLE_FROM: dict[str, frozenset[str]] = {
    "retry": frozenset({RequestStatus.FAILED.value}),
    "release": frozenset({RequestStatus.HELD.value}),
    "approve": frozenset({RequestStatus.HELD.value}),
    "hold": frozenset({RequestStatus.QUEUED.value}),
    "cancel": frozenset(
        {RequestStatus.QUEUED.value, RequestStatus.HELD.value, RequestStatus.FAILED.value}
    ),
}


def actor_name(username: str) -> str:
    """How console users appear in transitions and the audit trail."""
    return f"web:{username}"


def actions_for(status: str) -> list[str]:
    """The actions worth offering for a request in ``status``, in display order."""
    return [action for action in ACTION_LABELS if status in AVAILABLE_FROM[action]]


def _queue() -> ModuleType:
    return importlib.import_module("qbwc_service.queue")


def _call(action: str, session: Session, request_id: int, actor: str, reason: str) -> Any:
    try:
        function = getattr(_queue(), action)
    except (ImportError, AttributeError) as exc:
        raise ActionRefused(
            f"{ACTION_LABELS[action]} is not available: the request queue is not installed.",
            action=action, request_id=request_id,
        ) from exc
    try:
        if action in ("hold", "cancel"):
            return function(session, request_id, actor=actor, reason=reason or None)
        return function(session, request_id, actor=actor)
    except Exception as exc:
        # Only the queue's own refusals (wrong status, unknown id) are safe to show.
        if type(exc).__module__.startswith("qbwc_service.queue"):
            raise ActionRefused(str(exc), action=action, request_id=request_id) from exc
        raise


def perform(
    session: Session, action: str, request_id: int, *, username: str, reason: str = ""
) -> Request:
    """Carry out ``action`` on one request for ``username``; raises ``ActionRefused``."""
    if action not in ACTION_LABELS:
        raise ActionRefused(f"unknown action {action!r}", action=action, request_id=request_id)
    request = session.get(Request, request_id)
    if request is None:
        raise ActionRefused(f"request {request_id} does not exist", action=action,
                            request_id=request_id)
    before = {"status": request.status}
    actor = actor_name(username)
    reason = reason.strip()[:500]
    if action == "hold" and not reason:
        reason = f"held from the console by {username}"
    _call(action, session, request_id, actor, reason)
    session.flush()
    session.refresh(request)
    after: dict[str, Any] = {"status": request.status}
    if reason:
        after["reason"] = reason
    audit.record(session, actor=actor, action=action, target_type="request",
                 target_id=request_id, before=before, after=after)
    return request
