"""Errors raised by the web console.

Tree::

    WebConsoleError
    ├── WebUserError            a console account cannot be created or changed (``username``)
    └── ActionRefused           a bookkeeper action was not carried out (``action``, ``request_id``)
"""

from __future__ import annotations

__all__ = ["ActionRefused", "WebConsoleError", "WebUserError"]


class WebConsoleError(Exception):
    """Base of every error the web console raises on purpose."""


class WebUserError(WebConsoleError):
    """A console account cannot be created or changed; the message says why."""

    def __init__(self, message: str, *, username: str) -> None:
        super().__init__(message)
        self.username = username


class ActionRefused(WebConsoleError):
    """A bookkeeper action on a request was refused; the message is safe to show."""

    def __init__(self, message: str, *, action: str, request_id: int) -> None:
        super().__init__(message)
        self.action = action
        self.request_id = request_id
