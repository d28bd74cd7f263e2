"""Exceptions raised by the request queue.

    QueueError
    ├── InvalidTransition        a status change the lifecycle does not allow
    ├── InvalidStateMove         a message set or Web Connector run state change its
    │                            machine does not allow
    ├── RequestNotFound          no request with that id
    ├── NoOutstandingMessageSet  a response arrived for a ticket with nothing out
    └── ResponseUnreadable       QuickBooks' answer could not be parsed; the set stays
                                 outstanding and is settled through error recovery
"""

from __future__ import annotations

__all__ = [
    "InvalidStateMove",
    "InvalidTransition",
    "NoOutstandingMessageSet",
    "QueueError",
    "RequestNotFound",
    "ResponseUnreadable",
]


class QueueError(Exception):
    """Base of every queue failure."""


class InvalidTransition(QueueError):
    """Request ``request_id`` may not move from ``from_`` to ``to``."""

    def __init__(self, request_id: int, from_: str | None, to: str) -> None:
        super().__init__(
            f"request #{request_id} is {from_ or 'new'} and cannot become {to}"
        )
        self.request_id = request_id
        self.from_ = from_
        self.to = to


class InvalidStateMove(QueueError):
    """``machine`` record ``key`` may not move from ``from_`` to ``to``."""

    def __init__(self, machine: str, key: str, from_: str, to: str) -> None:
        super().__init__(f"{machine} {key} is {from_} and cannot become {to}")
        self.machine = machine
        self.key = key
        self.from_ = from_
        self.to = to


class RequestNotFound(QueueError):
    def __init__(self, request_id: int) -> None:
        super().__init__(f"there is no request #{request_id}")
        self.request_id = request_id


class NoOutstandingMessageSet(QueueError):
    def __init__(self, ticket: str) -> None:
        super().__init__("no message set is awaiting a response for this ticket")
        self.ticket = ticket


class ResponseUnreadable(QueueError):
    def __init__(self, message_set_id: str, reason: str) -> None:
        super().__init__(f"the response to message set {message_set_id} is unreadable: {reason}")
        self.message_set_id = message_set_id
        self.reason = reason
