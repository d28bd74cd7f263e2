"""QuickBooks refused a whole message set: receiveResponseXML carried an hresult."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from qbwc_service.db.models import MessageSetState, RequestStatus, utcnow
from qbwc_service.db.records import save
from qbwc_service.qbxml import explain_hresult
from qbwc_service.queue.lifecycle import transition
from qbwc_service.queue.machines import move_message_set
from qbwc_service.queue.outcome import (
    ACTOR,
    ApplySummary,
    awaiting_message_set,
    retry_later,
    sent_requests,
)
from qbwc_service.queue.recovery import open_attempts
from qbwc_service.settings import Settings

__all__ = ["PERMANENT_HRESULTS", "hresult_is_permanent", "record_stream_failure"]

# 0x80040400 parse error and 0x80040423 unsupported qbXML version: sending the same
# text again cannot succeed. Every other hresult (QuickBooks busy, a dialog open, not
# started) may clear by itself.
PERMANENT_HRESULTS = frozenset({0x80040400, 0x80040423})


def _hresult_value(hresult: str) -> int | None:
    text = hresult.strip().lower()
    try:
        if text.startswith("0x"):
            return int(text, 16)
        value = int(text)
    except ValueError:
        try:
            return int(text, 16)
        except ValueError:
            return None
    return value & 0xFFFFFFFF


def hresult_is_permanent(hresult: str) -> bool:
    return _hresult_value(hresult) in PERMANENT_HRESULTS


def record_stream_failure(
    session: Session,
    *,
    ticket: str,
    hresult: str,
    message: str,
    now: datetime | None = None,
    settings: Settings | None = None,
) -> ApplySummary:
    """QuickBooks refused the whole message set (receiveResponseXML carried an hresult)."""
    at = now or utcnow()
    policy = settings or Settings()
    message_set = awaiting_message_set(session, ticket)
    summary = ApplySummary()
    if message_set.state == MessageSetState.RECOVERING.value:
        # The status check itself failed: the outcome is still unknown, ask again later.
        return summary
    explanation = explain_hresult(hresult, message)
    permanent = hresult_is_permanent(hresult)
    attempts = open_attempts(session, message_set)
    requests = sent_requests(session, message_set)
    # One unreadable request spoils the whole stream. With several in the set the
    # culprit is unknown: all go back, to be sent one per set (the session drops its
    # batch size to 1), so only the unreadable one fails.
    isolate = permanent and len(requests) > 1
    for request in requests:
        attempt = attempts.get(request.id)
        if attempt is not None:
            attempt.received_at = at
            attempt.hresult = hresult[:20]
            attempt.status_message = message
            attempt.outcome = "refused"
        request.status_message = message
        if isolate:
            transition(session, request, RequestStatus.QUEUED, actor=ACTOR, now=at,
                       reason="QuickBooks could not read the message set; sent again alone")
            summary.requeued += 1
        elif permanent:
            request.lookup_reason = None
            request.explanation = explanation
            transition(session, request, RequestStatus.FAILED, actor=ACTOR,
                       reason=explanation[:2000], now=at)
            summary.failed += 1
        else:
            outcome = retry_later(session, request, explanation, at, policy)
            summary.count(outcome)
    move_message_set(message_set, MessageSetState.FAILED)
    message_set.answered_at = at
    save(session.connection(), message_set)
    session.flush()
    return summary
