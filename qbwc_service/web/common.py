"""What every console page shares: the signed-in user, the app context, role guards."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import flask
from flask import g, request
from werkzeug.exceptions import Forbidden

from qbwc_service.context import AppContext
from qbwc_service.services.console_auth import ConsoleUser, Role

__all__ = [
    "CurrentUser",
    "app_context",
    "current_user",
    "date_arg",
    "next_or",
    "require_role",
    "safe_next",
]

F = TypeVar("F", bound=Callable[..., Any])


CurrentUser = ConsoleUser
"""The signed-in console user as the pages need it (never the password hash)."""


def app_context() -> AppContext:
    """The ``AppContext`` of the app serving this request."""
    ctx: AppContext = flask.current_app.extensions["qbwc_context"]
    return ctx


def current_user() -> CurrentUser:
    """The signed-in user; the request guard has already sent anonymous visitors away."""
    user: CurrentUser | None = g.get("user")
    if user is None:
        raise Forbidden("Sign in first.")
    return user


def require_role(minimum: Role) -> Callable[[F], F]:
    """Refuse with 403 unless the signed-in user's role ranks at or above ``minimum``."""

    def decorate(view: F) -> F:
        @wraps(view)
        def guarded(*args: Any, **kwargs: Any) -> Any:
            if not current_user().can(minimum):
                raise Forbidden(f"Your role may not do this; it needs the {minimum.value} role.")
            return view(*args, **kwargs)

        return cast(F, guarded)

    return decorate


def safe_next(target: str | None) -> str | None:
    """``target`` when it is a same-site path; an absolute URL would be an open redirect."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def next_or(default: str) -> str:
    """The ``next`` form or query value when it is a same-site path, else ``default``."""
    return safe_next(request.values.get("next")) or default


def date_arg(name: str) -> date | None:
    """The form or query value ``name`` as a date, or None when it is missing or no date."""
    try:
        return date.fromisoformat(request.values.get(name, ""))
    except ValueError:
        return None
