"""Errors of the use cases; each message is a sentence to show as it is.

    ServiceError
    ├── NotFound       the named company or user does not exist
    ├── Conflict       the change clashes with what exists (a taken name)
    ├── InvalidValue   a value outside what the setting accepts
    ├── ActionRefused  a request action was not carried out (``action``, ``request_id``)
    │   └── FixRefused a fix action does not apply to this request
    └── WebUserError   a console account cannot be created or changed (``username``)

    ReconcileError     the reconciliation refused (a period that makes no sense, a
                       store that cannot be read); raised by ``reconcile`` below the use
                       cases and re-exported here so the faces catch it from one place
"""

from __future__ import annotations

from qbwc_service.reconcile.exceptions import ReconcileError

__all__ = [
    "ActionRefused",
    "Conflict",
    "FixRefused",
    "InvalidValue",
    "NotFound",
    "ReconcileError",
    "ServiceError",
    "WebUserError",
]


class ServiceError(Exception):
    """A use case refused the request; ``str(error)`` says why and what to do."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class InvalidValue(ServiceError):
    pass


class ActionRefused(ServiceError):
    """A bookkeeper action on a request was refused; the message is safe to show."""

    def __init__(self, message: str, *, action: str, request_id: int) -> None:
        super().__init__(message)
        self.action = action
        self.request_id = request_id


class FixRefused(ActionRefused):
    """A fix action (new date, link to an existing record, rename) does not apply."""


class WebUserError(ServiceError):
    """A console account cannot be created or changed; the message says why."""

    def __init__(self, message: str, *, username: str) -> None:
        super().__init__(message)
        self.username = username
