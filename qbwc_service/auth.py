"""Web Connector users per company file: argon2id hashes, lockout, tickets.

Passwords are checked in constant time by argon2 itself; an unknown user name is
verified against a dummy hash so timing does not reveal which names exist.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, QbwcUser, utcnow

__all__ = [
    "AuthOutcome",
    "AuthResult",
    "Lockable",
    "check_credentials",
    "hash_password",
    "new_ticket",
    "verify_login",
    "verify_password",
]

log = logging.getLogger(__name__)

# RFC 9106's second recommended option, argon2id; ~50 ms on this class of machine.
_HASHER = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4)
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_ticket() -> str:
    """128+ random bits; never derived from user, time or a counter."""
    return secrets.token_urlsafe(32)


class AuthOutcome:
    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


@dataclass(frozen=True)
class AuthResult:
    outcome: str
    user: QbwcUser | None = None
    company: Company | None = None
    locked_until: datetime | None = None


class Lockable(Protocol):
    """An account with a password hash and a failure count: Web Connector or console user."""

    password_hash: str
    failed_attempts: int
    locked_until: datetime | None
    disabled_at: datetime | None


def verify_login(
    account: Lockable | None, password: str, *, max_attempts: int, lockout: timedelta,
    now: datetime,
) -> str:
    """One login attempt against ``account``: an ``AuthOutcome``, counting failures.

    A correct password during a lockout is still refused: otherwise lockout would only
    slow a brute force down, not stop it. Unknown and locked accounts are verified
    against a dummy hash so the answer takes as long as any other; so are disabled ones.
    """
    if account is None or account.disabled_at is not None:
        # A disabled account answers exactly like an unknown one.
        verify_password(_DUMMY_HASH, password)
        return AuthOutcome.BAD_CREDENTIALS
    if account.locked_until is not None and account.locked_until > now:
        verify_password(_DUMMY_HASH, password)
        return AuthOutcome.LOCKED
    if not verify_password(account.password_hash, password):
        account.failed_attempts += 1
        if account.failed_attempts >= max_attempts:
            account.locked_until = now + lockout
            account.failed_attempts = 0
            return AuthOutcome.LOCKED
        return AuthOutcome.BAD_CREDENTIALS
    account.failed_attempts = 0
    account.locked_until = None
    if _HASHER.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return AuthOutcome.OK


def check_credentials(
    session: Session,
    username: str,
    password: str,
    *,
    max_attempts: int,
    lockout: timedelta,
    now: datetime | None = None,
) -> AuthResult:
    """Verify a Web Connector login, counting failures and locking the user when due."""
    now = now or utcnow()
    user = session.scalars(
        select(QbwcUser).where(QbwcUser.username == username).with_for_update()
    ).first()
    outcome = verify_login(user, password, max_attempts=max_attempts, lockout=lockout, now=now)
    if outcome != AuthOutcome.OK or user is None:
        # The user id only: names and passwords never reach the log.
        log.warning("web connector login refused (%s) for user %s", outcome,
                    user.id if user is not None else "unknown")
        return AuthResult(outcome, user=user, locked_until=user.locked_until if user else None)
    user.last_login_at = now
    return AuthResult(AuthOutcome.OK, user=user, company=user.company)
