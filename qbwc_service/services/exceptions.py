"""Errors of the use cases; each message is a sentence to show as it is.

    ServiceError
    ├── NotFound       the named company or user does not exist
    ├── Conflict       the change clashes with what exists (a taken name)
    └── InvalidValue   a value outside what the setting accepts
"""

from __future__ import annotations

__all__ = ["Conflict", "InvalidValue", "NotFound", "ServiceError"]


class ServiceError(Exception):
    """A use case refused the request; ``str(error)`` says why and what to do."""


class NotFound(ServiceError):
    pass


class Conflict(ServiceError):
    pass


class InvalidValue(ServiceError):
    pass
