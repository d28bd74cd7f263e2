"""The audit trail: append-only, hash-chained events of who did what, when, before and after.

Each event's ``hash`` is the SHA-256 of the previous event's hash followed by the
canonical JSON of the event itself, so editing or deleting any row breaks the chain at
that point and ``verify_chain`` names it.

Free text (a reason typed in the console may name a customer) is kept out of the chain's
content: each text value in ``before``/``after`` enters the canonical form as its
HMAC-SHA256 under the installation's key. ``purge-customer`` can then replace a value
by ``[purged:<that digest>]`` and the chain still verifies, while the digest, keyed with
a secret kept outside the database, cannot be reversed by guessing e-mail addresses or
phone numbers. Events written before this form are verified in their original form.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from qbwc_service.db.models import AuditEvent, utcnow

__all__ = [
    "AUDIT_KEY",
    "digest",
    "event_hash",
    "keyed_digest",
    "record",
    "scrub_events",
    "verify_chain",
]

# Where the installation's HMAC key travels: the session's ``info`` (AppContext sets it).
AUDIT_KEY = "audit_key"
_PURGED = re.compile(r"\A\[purged:([0-9a-f]{64})\]\Z")


def _key(session: Session | None) -> bytes:
    value = session.info.get(AUDIT_KEY) if session is not None else None
    key = value() if callable(value) else value
    return key if isinstance(key, bytes) else b""


def digest(key: bytes, text: str) -> str:
    """The keyed digest the chain holds for ``text`` (and a purged value keeps)."""
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def keyed_digest(session: Session, text: str) -> str:
    """``text``'s digest under this installation's key (see the module docstring)."""
    return digest(_key(session), text)


def _leaves(value: Any, key: bytes) -> Any:
    if isinstance(value, dict):
        return {name: _leaves(item, key) for name, item in value.items()}
    if isinstance(value, list):
        return [_leaves(item, key) for item in value]
    if isinstance(value, str):
        purged = _PURGED.match(value)
        return purged.group(1) if purged else digest(key, value)
    return value

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


def event_hash(prev_hash: str | None, event: AuditEvent, key: bytes | None = b"") -> str:
    """The hash ``event`` must carry when it follows an event whose hash is ``prev_hash``.

    ``key`` None gives the original form, with text in clear (events from before keyed
    digests)."""
    def content(value: dict[str, Any] | None) -> Any:
        return value if key is None or value is None else _leaves(value, key)

    body = _canonical(
        at=event.at,
        actor=event.actor,
        action=event.action,
        target_type=event.target_type,
        target_id=event.target_id,
        before=content(event.before),
        after=content(event.after),
    )
    return hashlib.sha256(((prev_hash or "") + body).encode("utf-8")).hexdigest()


def _scrubbed(value: Any, secrets: list[re.Pattern[str]], key: bytes) -> Any:
    if isinstance(value, dict):
        return {name: _scrubbed(item, secrets, key) for name, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, secrets, key) for item in value]
    if isinstance(value, str) and not _PURGED.match(value):
        if any(secret.search(value) for secret in secrets):
            return f"[purged:{digest(key, value)}]"
    return value


def scrub_events(session: Session, events: Iterable[AuditEvent], secrets: Iterable[str]) -> int:
    """Replace each text value naming any of ``secrets`` by its purged digest; the count."""
    key = _key(session)
    patterns = [re.compile(re.escape(secret), re.IGNORECASE) for secret in secrets]
    changed = 0
    for event in events:
        before = _scrubbed(event.before, patterns, key)
        after = _scrubbed(event.after, patterns, key)
        if (before, after) != (event.before, event.after):
            event.before, event.after = before, after
            changed += 1
    return changed


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
    event.hash = event_hash(prev_hash, event, _key(session))
    session.add(event)
    session.flush()
    return event


def verify_chain(session: Session) -> list[int]:
    """Ids of events whose link is broken (edited, unchained, or following a deleted row)."""
    broken: list[int] = []
    previous: str | None = None
    key = _key(session)
    rows = session.scalars(select(AuditEvent).order_by(AuditEvent.id).execution_options(yield_per=500))
    for event in rows:
        if event.hash is None or event.prev_hash != previous or event.hash not in (
            event_hash(previous, event, key), event_hash(previous, event, None)
        ):
            broken.append(event.id)
        previous = event.hash
    return broken
