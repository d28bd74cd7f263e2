"""Named points where the server can be made to die on purpose, to prove crash safety.

``QBWC_SERVICE_FAILPOINTS="queue.after_persist=kill"`` (several comma-separated) makes
the process SIGKILL itself when it reaches that point; ``kill@3`` does so on the third
hit only. The variable is read once at import; with it unset a failpoint costs one
``is None`` test, so the calls stay in production code.

Points placed in the service:

- ``queue.after_persist``: sendRequestXML committed its message set, before it returns.
- ``session.receive_start``: receiveResponseXML arrived, before anything is applied.
- ``queue.after_apply``: QuickBooks' answer was applied, before the transaction commits.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ENV_VARIABLE", "Failpoint", "FailpointSpecError", "Failpoints", "failpoint"]

ENV_VARIABLE = "QBWC_SERVICE_FAILPOINTS"
ACTIONS = ("kill",)


class FailpointSpecError(ValueError):
    """The failpoint specification cannot be read; ``spec`` holds the offending part."""

    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"failpoint {spec!r}: {reason}")
        self.spec = spec
        self.reason = reason


@dataclass(frozen=True)
class Failpoint:
    """What to do at one named point: ``action`` on hit number ``on_hit`` (None: every hit)."""

    name: str
    action: str
    on_hit: int | None = None


def _kill_self() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class Failpoints:
    """The configured points and how often each was reached."""

    def __init__(self, points: dict[str, Failpoint],
                 kill: Callable[[], None] = _kill_self) -> None:
        self.points = points
        self.hits: dict[str, int] = dict.fromkeys(points, 0)
        self._kill = kill
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, spec: str, kill: Callable[[], None] = _kill_self) -> Failpoints:
        """``"a=kill,b=kill@2"`` → the points; an unknown action is an error."""
        points: dict[str, Failpoint] = {}
        for part in filter(None, (piece.strip() for piece in spec.split(","))):
            name, sep, action = part.partition("=")
            name, action = name.strip(), action.strip()
            if not sep or not name:
                raise FailpointSpecError(part, "expected NAME=ACTION")
            action, at, count = action.partition("@")
            if action not in ACTIONS:
                raise FailpointSpecError(part, f"unknown action; known: {', '.join(ACTIONS)}")
            on_hit: int | None = None
            if at:
                if not count.isdigit() or int(count) < 1:
                    raise FailpointSpecError(part, "the hit number must be a positive integer")
                on_hit = int(count)
            points[name] = Failpoint(name, action, on_hit)
        return cls(points, kill)

    def hit(self, name: str) -> None:
        point = self.points.get(name)
        if point is None:
            return
        with self._lock:
            self.hits[name] += 1
            count = self.hits[name]
        if point.on_hit is None or point.on_hit == count:
            self._kill()


def _from_environment() -> Failpoints | None:
    spec = os.environ.get(ENV_VARIABLE, "").strip()
    return Failpoints.parse(spec) if spec else None


_ACTIVE = _from_environment()


def failpoint(name: str) -> None:
    """Die here if the environment asked for it; otherwise do nothing."""
    if _ACTIVE is not None:
        _ACTIVE.hit(name)
