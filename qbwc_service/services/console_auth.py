"""Console people: roles, accounts, signing in and out, and the check behind every page.

Passwords are checked in constant time by argon2 itself; an unknown user name is
verified against a dummy hash so the response time does not reveal which names exist.
A console cookie carries the account's ``session_generation``; signing out or a new
password bumps it, so every older cookie stops being accepted (``signed_in_user``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import WebUser, utcnow
from qbwc_service.qbwc.auth import AuthOutcome, LoginPolicy, attempt_login, hash_password
from qbwc_service.services import audit
from qbwc_service.services.exceptions import WebUserError

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "ROLES",
    "ConsoleUser",
    "Role",
    "SignIn",
    "add_web_user",
    "end_sessions",
    "role_allows",
    "sign_in",
    "sign_out",
    "signed_in_user",
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
class ConsoleUser:
    """A signed-in console user as the pages need it (never the password hash)."""

    id: int
    username: str
    role: str

    def can(self, minimum: Role) -> bool:
        return role_allows(self.role, minimum)


@dataclass(frozen=True)
class SignIn:
    """A sign-in's outcome; ``user`` and ``generation`` are set only when it succeeded."""

    outcome: AuthOutcome
    user: ConsoleUser | None = None
    generation: int = 0
    retry_after: timedelta | None = None


def sign_in(session: Session, username: str, password: str, *, address: str,
            policy: LoginPolicy, now: datetime | None = None) -> SignIn:
    """Check a sign-in from ``address`` and record it (or a throttled refusal) in the
    audit trail; repeated failures there wait growing delays.

    Unknown names are throttled exactly like existing ones, so neither the answer nor
    the delay tells which names exist.
    """
    account = session.scalar(select(WebUser).where(WebUser.username == username))
    outcome, wait = attempt_login(session, account, password, kind="web", username=username,
                                  address=address, policy=policy, now=now or utcnow())
    if outcome is AuthOutcome.OK and account is not None:
        audit.record(session, actor=f"web:{username}", action="login",
                     target_type="web_user", target_id=account.id)
        return SignIn(outcome, ConsoleUser(account.id, account.username, account.role),
                      account.session_generation or 0)
    if outcome is AuthOutcome.THROTTLED:
        audit.record(session, actor="web", action="login refused",
                     target_type="web_user", after={"reason": "throttled"})
    return SignIn(outcome, retry_after=wait)


def end_sessions(user: WebUser) -> None:
    """Void every console session of ``user``: their cookies carry an older generation."""
    user.session_generation = (user.session_generation or 0) + 1


def sign_out(session: Session, user: ConsoleUser) -> None:
    """Record the sign-out and void every cookie of the account, copies kept elsewhere too."""
    audit.record(session, actor=f"web:{user.username}", action="logout",
                 target_type="web_user", target_id=user.id)
    account = session.get(WebUser, user.id)
    if account is not None:
        end_sessions(account)


def signed_in_user(session: Session, user_id: int, username: str | None,
                   generation: int | None) -> ConsoleUser | None:
    """The account a console cookie names, or None when the cookie no longer counts.

    It stops counting when the account is gone, renamed or disabled, or when its
    generation moved on (signed out, or the password changed since the cookie was made).
    """
    account = session.get(WebUser, user_id)
    if (account is None or account.username != username or account.disabled_at is not None
            or generation != (account.session_generation or 0)):
        return None
    return ConsoleUser(account.id, account.username, account.role)


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
