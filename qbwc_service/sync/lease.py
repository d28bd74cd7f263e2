"""Job leases: one row per scheduled job says which process runs it, until when.

Taking a lease is a single INSERT, or a single conditional UPDATE when the row exists
(only if expired or already ours), so two processes racing on SQLite or PostgreSQL
cannot both win: the database serialises the row.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qbwc_service.db import Database
from qbwc_service.db.models import JobLease
from qbwc_service.sync.exceptions import LeaseError

__all__ = ["acquire", "holder_id", "lease", "release", "renew"]


def _rowcount(result: Any) -> int:
    return int(result.rowcount)


def holder_id() -> str:
    """This process, recognisably: host, pid and a random part (pids get reused)."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def acquire(session: Session, name: str, holder: str, ttl: timedelta, *,
            now: datetime | None = None) -> bool:
    """Take the lease ``name`` for ``ttl`` unless another holder has it and it has not expired."""
    moment = now or datetime.now(UTC)
    expires = moment + ttl
    taken = _rowcount(session.execute(
        update(JobLease)
        .where(JobLease.name == name, (JobLease.expires_at < moment) | (JobLease.holder == holder))
        .values(holder=holder, expires_at=expires)
        .execution_options(synchronize_session=False)
    ))
    if taken:
        return True
    try:
        with session.begin_nested():
            session.add(JobLease(name=name, holder=holder, expires_at=expires))
            session.flush()
    except IntegrityError:
        return False
    return True


def renew(session: Session, name: str, holder: str, ttl: timedelta, *,
          now: datetime | None = None) -> None:
    """Extend our lease; raises :class:`LeaseError` when it is no longer ours."""
    moment = now or datetime.now(UTC)
    kept = _rowcount(session.execute(
        update(JobLease).where(JobLease.name == name, JobLease.holder == holder)
        .values(expires_at=moment + ttl).execution_options(synchronize_session=False)
    ))
    if not kept:
        raise LeaseError(name, holder, "lease was taken over by another process")


def release(session: Session, name: str, holder: str) -> None:
    session.execute(delete(JobLease).where(JobLease.name == name, JobLease.holder == holder)
                    .execution_options(synchronize_session=False))


@contextmanager
def lease(database: Database, name: str, holder: str, ttl: timedelta) -> Iterator[bool]:
    """``with lease(...) as mine:`` — ``mine`` is False when another process runs the job."""
    with database.session() as session:
        mine = acquire(session, name, holder, ttl)
    try:
        yield mine
    finally:
        if mine:
            with database.session() as session:
                release(session, name, holder)
