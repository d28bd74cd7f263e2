"""Long pulls from Magento printed as they go, for commands that would otherwise sit silent.

A 20,000-order first pull takes minutes; ``demo`` and ``serve`` print a line every few
seconds per kind of document, and one when each kind is done.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import click

__all__ = ["PullProgress"]


class PullProgress:
    """A ``sync.enqueue.Progress`` callback that prints; with ``first_only``, each kind once."""

    def __init__(self, label: str, *, every_seconds: float = 2.0, first_only: bool = False,
                 echo: Callable[[str], object] = click.echo,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.label = label
        self.every_seconds = every_seconds
        self.first_only = first_only
        self.echo = echo
        self.clock = clock
        self._last: dict[str, float] = {}
        self._finished: set[str] = set()
        self._lock = threading.Lock()  # scheduled pulls call from their own threads

    def __call__(self, entity: str, done: int, total: int | None) -> None:
        with self._lock:
            if self.first_only and entity in self._finished:
                return
            now = self.clock()
            if total is not None and done >= total:
                self._finished.add(entity)
                self._last.pop(entity, None)
                self.echo(f"{self.label}: {entity}: {done:,} read")
            elif now - self._last.setdefault(entity, now) >= self.every_seconds:
                self._last[entity] = now
                self.echo(f"{self.label}: {entity}: {done:,} read so far…")
