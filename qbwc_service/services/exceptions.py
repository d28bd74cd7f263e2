"""Errors the use cases raise on purpose; every message is safe to show to the person.

Tree::

    ServiceError
    ├── ActionRefused           a request action was not carried out (``action``, ``request_id``)
    │   └── FixRefused          a fix action does not apply to this request
    ├── SettingsRefused         a company setting was not changed (``field``)
    └── WebUserError            a console account cannot be created or changed (``username``)
"""

from __future__ import annotations

__all__ = ["ActionRefused", "FixRefused", "ServiceError", "SettingsRefused", "WebUserError"]


class ServiceError(Exception):
    """Base of every error a use case raises on purpose."""


class ActionRefused(ServiceError):
    """A bookkeeper action on a request was refused; the message is safe to show."""

    def __init__(self, message: str, *, action: str, request_id: int) -> None:
        super().__init__(message)
        self.action = action
        self.request_id = request_id


class FixRefused(ActionRefused):
    """A fix action (new date, link to an existing record, rename) does not apply."""

    def __init__(self, message: str, *, action: str, request_id: int) -> None:
        super().__init__(message, action=action, request_id=request_id)


class SettingsRefused(ServiceError):
    """A company setting was refused; ``field`` names the one at fault."""

    def __init__(self, message: str, *, field: str) -> None:
        super().__init__(message)
        self.field = field


class WebUserError(ServiceError):
    """A console account cannot be created or changed; the message says why."""

    def __init__(self, message: str, *, username: str) -> None:
        super().__init__(message)
        self.username = username
