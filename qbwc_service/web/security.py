"""The console's own guard: CSRF tokens. Roles, passwords and sign-in are use cases
(``services.console_auth``)."""

from __future__ import annotations

import hmac
import secrets

__all__ = ["csrf_matches", "new_csrf_token"]


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, submitted: str | None) -> bool:
    """Constant-time comparison; a missing token on either side never matches."""
    if not expected or not submitted:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), submitted.encode("utf-8"))
