"""The console's own guard: CSRF tokens. Roles, passwords and sign-in live in
``services.console_auth`` and are re-exported here for the pages and their callers."""

from __future__ import annotations

import hmac
import secrets

from qbwc_service.qbwc.auth import hash_password, verify_password
from qbwc_service.services.console_auth import (
    MIN_PASSWORD_LENGTH,
    ROLES,
    LoginResult,
    Role,
    add_web_user,
    authenticate,
    end_sessions,
    role_allows,
)

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


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, submitted: str | None) -> bool:
    """Constant-time comparison; a missing token on either side never matches."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
