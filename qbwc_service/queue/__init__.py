"""The durable request queue: lifecycle, dependencies, claiming, recovery, outcomes.

Nothing is lost and nothing is posted twice: every message set is persisted before it
is handed to the Web Connector, a set whose answer never arrived is settled through
QuickBooks' error recovery before anything else goes out, and Adds whose fate stays
unknown are looked up before they are sent again.
"""

from __future__ import annotations

from qbwc_service.queue.actions import (
    approve,
    cancel,
    get_request,
    hold,
    purge_bodies,
    release,
    retry,
    retry_failed,
)
from qbwc_service.queue.claim import (
    OutboundMessageSet,
    next_message_set,
    outstanding_count,
    ready_count,
    soonest_ready_at,
    work_waiting,
)
from qbwc_service.queue.errors import (
    InvalidTransition,
    NoOutstandingMessageSet,
    QueueError,
    RequestNotFound,
    ResponseUnreadable,
)
from qbwc_service.queue.lifecycle import (
    ALLOWED,
    EnqueueResult,
    describe,
    enqueue,
    transition,
    transition_many,
)
from qbwc_service.queue.outcome import (
    ApplySummary,
    apply_response,
    awaited_set_of,
    with_awaited_set,
)
from qbwc_service.queue.recovery import abandon_ticket, needs_recovery, recover_abandoned
from qbwc_service.queue.registry import HandlerRegistry, ResponseHandler
from qbwc_service.queue.stream import record_stream_failure

__all__ = [
    "ALLOWED",
    "ApplySummary",
    "EnqueueResult",
    "HandlerRegistry",
    "InvalidTransition",
    "NoOutstandingMessageSet",
    "OutboundMessageSet",
    "QueueError",
    "RequestNotFound",
    "ResponseHandler",
    "ResponseUnreadable",
    "abandon_ticket",
    "apply_response",
    "approve",
    "awaited_set_of",
    "cancel",
    "describe",
    "enqueue",
    "get_request",
    "hold",
    "needs_recovery",
    "next_message_set",
    "outstanding_count",
    "purge_bodies",
    "ready_count",
    "record_stream_failure",
    "recover_abandoned",
    "release",
    "retry",
    "retry_failed",
    "soonest_ready_at",
    "transition",
    "transition_many",
    "with_awaited_set",
    "work_waiting",
]
