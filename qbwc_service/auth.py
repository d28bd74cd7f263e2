"""Web Connector users per company file: argon2id hashes, lockout, tickets.

Passwords are checked in constant time by argon2 itself; an unknown user name is
verified against a dummy hash so timing does not reveal which names exist.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, QbwcUser, utcnow

__all__ = [
    "AuthOutcome",
    "AuthResult",
    "check_credentials",
    "hash_password",
    "new_ticket",
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


def check_credentials(
    session: Session,
    username: str,
    password: str,
    *,
    max_attempts: int,
    lockout: timedelta,
    now: datetime | None = None,
) -> AuthResult:
    """Verify a Web Connector login, counting failures and locking the user when due.

    A correct password during a lockout is still refused: otherwise lockout would only
    slow a brute force down, not stop it.
    """
    now = now or utcnow()
    user = session.scalars(
        select(QbwcUser).where(QbwcUser.username == username).with_for_update()
    ).first()
    if user is None:
        verify_password(_DUMMY_HASH, password)
        log.warning("web connector login refused: unknown user")
        return AuthResult(AuthOutcome.BAD_CREDENTIALS)
    if user.locked_until is not None and user.locked_until > now:
        verify_password(_DUMMY_HASH, password)
        log.warning("web connector login refused: user %s is locked", user.id)
        return AuthResult(AuthOutcome.LOCKED, user=user, locked_until=user.locked_until)
    if not verify_password(user.password_hash, password):
        user.failed_attempts += 1
        if user.failed_attempts >= max_attempts:
            user.locked_until = now + lockout
            user.failed_attempts = 0
            log.warning(
                "web connector user %s locked for %s after %s failed logins",
                user.id, lockout, max_attempts,
            )
        else:
            log.warning("web connector login refused: bad password for user %s", user.id)
        return AuthResult(AuthOutcome.BAD_CREDENTIALS, user=user)
    user.failed_attempts = 0
    user.locked_until = None
    user.last_login_at = now
    return AuthResult(AuthOutcome.OK, user=user, company=user.company)
