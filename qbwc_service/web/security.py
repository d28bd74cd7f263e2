"""Console accounts and the guards around them: roles, argon2id passwords, lockout, CSRF.

Passwords are checked in constant time by argon2 itself; an unknown user name is
verified against a dummy hash so the response time does not reveal which names exist.
"""

from __future__ import annotations

import enum
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import WebUser, utcnow
from qbwc_service.qbwc.auth import (
    AuthOutcome,
    LoginPolicy,
    attempt_login,
    hash_password,
    verify_password,
)
from qbwc_service.services import audit
from qbwc_service.web.exceptions import WebUserError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "LoginResult",
    "Role",
    "add_web_user",
    "authenticate",
    "csrf_matches",
    "end_sessions",
    "hash_password",
    "new_csrf_token",
    "role_allows",
    "verify_password",
]

MIN_PASSWORD_LENGTH = 10



class Role(enum.StrEnum):
    """What a console user may do; each role may do everything the ones before it may."""

    VIEWER = "viewer"
    BOOKKEEPER = "bookkeeper"
    ADMIN = "admin"


ROLES: tuple[str, ...] = tuple(role.value for role in Role)


def role_allows(role: str | None, minimum: Role) -> bool:
    """True when ``role`` ranks at or above ``minimum``."""
    if role not in ROLES:
        return False
    return ROLES.index(role) >= ROLES.index(minimum.value)


@dataclass(frozen=True)
class LoginResult:
    outcome: AuthOutcome
    user: WebUser | None = None
    retry_after: timedelta | None = None


def authenticate(
    session: Session,
    username: str,
    password: str,
    *,
    address: str,
    policy: LoginPolicy,
    now: datetime | None = None,
) -> LoginResult:
    """Check a sign-in from ``address``; repeated failures there wait growing delays.

    Unknown names are throttled exactly like existing ones, so neither the answer nor
    the delay tells which names exist.
    """
    now = now or utcnow()
    user = session.scalar(select(WebUser).where(WebUser.username == username))
    outcome, wait = attempt_login(session, user, password, kind="web", username=username,
                                  address=address, policy=policy, now=now)
    if outcome == AuthOutcome.OK:
        return LoginResult(outcome, user=user)
    return LoginResult(outcome, retry_after=wait)


def end_sessions(user: WebUser) -> None:
    """Void every console session of ``user``: their cookies carry an older generation."""
    user.session_generation = (user.session_generation or 0) + 1


def add_web_user(
    session: Session, username: str, password: str, role: str, *, actor: str
) -> WebUser:
    """Create a console account and write the audit event for it."""
    username = username.strip()
    if not username or len(username) > 100:
        raise WebUserError("the user name must be 1 to 100 characters", username=username)
    if role not in ROLES:
        raise WebUserError(f"role must be one of {', '.join(ROLES)}", username=username)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WebUserError(
            f"the password must be at least {MIN_PASSWORD_LENGTH} characters", username=username
        )
    if session.scalar(select(WebUser.id).where(WebUser.username == username)) is not None:
        raise WebUserError(f"web user {username!r} already exists", username=username)
    user = WebUser(username=username, password_hash=hash_password(password), role=role)
    session.add(user)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="web-user add",
        target_type="web_user",
        target_id=user.id,
        before=None,
        after={"username": username, "role": role},
    )
    return user


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, submitted: str | None) -> bool:
    """Constant-time comparison; a missing token on either side never matches."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
