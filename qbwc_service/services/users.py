"""Console accounts an administrator manages: disable, enable, reset a password, unlock.

Adding one is ``web.security.add_web_user`` (shared with ``web-user add``). Each change is
audited; a disabled account cannot sign in and its open console sessions end at their
next page.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from qbwc_service.auth import hash_password
from qbwc_service.db.models import WebUser, utcnow
from qbwc_service.services import audit
from qbwc_service.services.exceptions import WebUserError

__all__ = ["disable", "enable", "reset_password", "unlock"]

MIN_PASSWORD_LENGTH = 10  # as web.security.add_web_user


def _user(session: Session, user_id: int) -> WebUser:
    user = session.get(WebUser, user_id)
    if user is None:
        raise WebUserError(f"there is no console user {user_id}", username="")
    return user


def disable(session: Session, user_id: int, *, actor: str, acting_user_id: int) -> WebUser:
    user = _user(session, user_id)
    if user.id == acting_user_id:
        raise WebUserError("you cannot disable your own account", username=user.username)
    if user.disabled_at is None:
        user.disabled_at = utcnow()
        audit.record(session, actor=actor, action="web-user disable", target_type="web_user",
                     target_id=user.id, after={"username": user.username})
    return user


def enable(session: Session, user_id: int, *, actor: str) -> WebUser:
    user = _user(session, user_id)
    if user.disabled_at is not None:
        user.disabled_at = None
        audit.record(session, actor=actor, action="web-user enable", target_type="web_user",
                     target_id=user.id, after={"username": user.username})
    return user


def reset_password(session: Session, user_id: int, password: str, *, actor: str) -> WebUser:
    user = _user(session, user_id)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WebUserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters",
                           username=user.username)
    user.password_hash = hash_password(password)
    user.failed_attempts = 0
    user.locked_until = None
    audit.record(session, actor=actor, action="web-user reset password",
                 target_type="web_user", target_id=user.id, after={"username": user.username})
    return user


def unlock(session: Session, user_id: int, *, actor: str) -> WebUser:
    user = _user(session, user_id)
    user.failed_attempts = 0
    user.locked_until = None
    audit.record(session, actor=actor, action="web-user unlock", target_type="web_user",
                 target_id=user.id, after={"username": user.username})
    return user
