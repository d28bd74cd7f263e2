"""The run lifecycle: one allowed-moves table, one function that moves and records.

This module imports only the models, so the handler that stores QuickBooks' answers can
move a run without reaching into the queue.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Request, RequestStatus, utcnow
from qbwc_service.db.reconciliation import ReconciliationRun, RunStatus
from qbwc_service.reconcile.exceptions import InvalidRunMove

__all__ = ["READBACK_PREFIX", "RUN_MOVES", "lock_run", "move_run", "readback_key",
           "run_id_of_key", "settle_run"]

R = RunStatus

RUN_MOVES: dict[RunStatus, frozenset[RunStatus]] = {
    R.WAITING: frozenset({R.ANSWERED, R.FAILED}),
    R.ANSWERED: frozenset({R.COMPLETE, R.FAILED}),
    R.COMPLETE: frozenset(),
    R.FAILED: frozenset(),
}

READBACK_PREFIX = "reconcile:"


def readback_key(run_id: int, label: str) -> str:
    """The idempotency key of one read-back request: ``reconcile:<run>:<label>``."""
    return f"{READBACK_PREFIX}{run_id}:{label}"


def run_id_of_key(key: str) -> int | None:
    if not key.startswith(READBACK_PREFIX):
        return None
    number = key[len(READBACK_PREFIX):].split(":", 1)[0]
    return int(number) if number.isdigit() else None


def move_run(run: ReconciliationRun, to: RunStatus, *, reason: str,
             now: datetime | None = None) -> None:
    """Move ``run`` to ``to`` if the lifecycle allows it, and keep the move in its history."""
    current = RunStatus(run.status)
    if to not in RUN_MOVES[current]:
        raise InvalidRunMove(run.id, current.value, to.value)
    at = now or utcnow()
    run.status = to.value
    run.history = [*(run.history or []), {"at": at.isoformat(), "from": current.value,
                                          "to": to.value, "reason": reason[:500]}]
    if to is R.ANSWERED:
        run.answered_at = at
    elif to in (R.COMPLETE, R.FAILED):
        run.completed_at = at
    if to is R.FAILED:
        run.message = reason[:4000]


def lock_run(session: Session, run: ReconciliationRun) -> ReconciliationRun:
    """The run re-read under a row lock, so two processes never move it both.

    PostgreSQL waits here for the other transaction and then reads its outcome; SQLite
    already serialises writers (``BEGIN IMMEDIATE``) and reads the committed row.
    """
    return session.scalars(
        select(ReconciliationRun).where(ReconciliationRun.id == run.id).with_for_update()
        .execution_options(populate_existing=True)).one()


_OPEN = (RequestStatus.QUEUED.value, RequestStatus.SENT.value, RequestStatus.HELD.value)
_LOST = (RequestStatus.FAILED.value, RequestStatus.CANCELED.value)


def settle_run(session: Session, run: ReconciliationRun) -> None:
    """A waiting run whose read-back requests are all settled moves on.

    To ``answered`` when every one succeeded; to ``failed`` naming the first that did
    not (QuickBooks refused it, or someone canceled it), since a comparison without one
    of QuickBooks' answers would report false variances.
    """
    if run.status != RunStatus.WAITING.value or lock_run(session, run).status != \
            RunStatus.WAITING.value:
        return
    prefix = f"{READBACK_PREFIX}{run.id}:"
    statuses = session.execute(select(Request.status, Request.operation, Request.explanation,
                                      Request.status_message).where(
        Request.company_id == run.company_id,
        Request.idempotency_key.startswith(prefix, autoescape=True))
        .order_by(Request.id)).all()
    if any(row.status in _OPEN for row in statuses):
        return
    lost = next((row for row in statuses if row.status in _LOST), None)
    if lost is not None:
        why = lost.explanation or lost.status_message or lost.status
        move_run(run, RunStatus.FAILED, reason=f"the read-back query {lost.operation} "
                 f"{'was canceled' if lost.status == RequestStatus.CANCELED.value else 'failed'}"
                 f": {why}. Start a new run once the cause is fixed.")
        return
    move_run(run, RunStatus.ANSWERED, reason="QuickBooks answered every read-back query")
