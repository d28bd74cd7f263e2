"""The audit trail: append-only, hash-chained events of who did what, when, before and after.

Each event's ``hash`` is the SHA-256 of the previous event's hash followed by the
canonical JSON of the event itself, so editing or deleting any row breaks the chain at
that point and ``verify_chain`` names it.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from qbwc_service.db.models import AuditEvent, utcnow

__all__ = ["event_hash", "record", "verify_chain"]

# Any fixed 64-bit number; it only has to differ from other advisory locks in the schema.
_PG_CHAIN_LOCK = 7_117_700_001


def _normalise(value: dict[str, Any] | None) -> dict[str, Any] | None:
    # Round-trip through JSON so the hashed value is exactly what the column gives back.
    if value is None:
        return None
    normalised: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return normalised


def _canonical(
    *,
    at: datetime,
    actor: str,
    action: str,
    target_type: str | None,
    target_id: str | None,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
) -> str:
    document = {
        "at": at.isoformat(),
        "actor": actor,
        "action": action,
        "target_type": target_type,
        "target_id": target_id,
        "before": before,
        "after": after,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def event_hash(prev_hash: str | None, event: AuditEvent) -> str:
    """The hash ``event`` must carry when it follows an event whose hash is ``prev_hash``."""
    body = _canonical(
        at=event.at,
        actor=event.actor,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        before=event.before,
        after=event.after,
    )
    return hashlib.sha256(((prev_hash or "") + body).encode("utf-8")).hexdigest()


def record(
    session: Session,
    *,
    actor: str,
    action: str,
    target_type: str | None = None,
    target_id: str | int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one event to the chain inside the caller's transaction and return it."""
    if session.get_bind().dialect.name == "postgresql":
        # Two processes appending at once would both link to the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_CHAIN_LOCK})
    prev_hash = session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    # Microseconds survive every backend; anything finer would not hash the same on read.
    event = AuditEvent(
        at=utcnow(),
        actor=actor[:100],
        action=action[:64],
        target_type=target_type[:32] if target_type else None,
        target_id=str(target_id)[:64] if target_id is not None else None,
        before=_normalise(before),
        after=_normalise(after),
        prev_hash=prev_hash,
    )
    event.hash = event_hash(prev_hash, event)
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> list[int]:
    """Ids of events whose link is broken (edited, unchained, or following a deleted row)."""
    broken: list[int] = []
    previous: str | None = None
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500))
    for event in rows:
        if event.hash is None or event.prev_hash != previous or event.hash != event_hash(previous, event):
            broken.append(event.id)
        previous = event.hash
    return broken
