"""Fault injection for the simulated QuickBooks, deterministic under a seed."""

from __future__ import annotations

import random
from dataclasses import dataclass, fields

__all__ = ["FaultDice", "QbFaults"]


@dataclass(frozen=True)
class QbFaults:
    """Rates between 0 and 1 for each fault.

    ``lose_response``: the message set is processed but its response never reaches the server.
    ``busy``: one request is answered with a lock error (3175/3176/3180).
    ``not_running`` / ``permission``: the Web Connector cannot open QuickBooks at all.
    """

    lose_response: float = 0.0
    busy: float = 0.0
    not_running: float = 0.0
    permission: float = 0.0

    @classmethod
    def parse(cls, spec: str) -> QbFaults:
        """``"lose_response=0.1,busy=0.05"`` → ``QbFaults``; unknown names are an error."""
        known = {f.name for f in fields(cls)}
        values: dict[str, float] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            name, sep, raw = part.partition("=")
            name = name.strip()
            if not sep or name not in known:
                raise ValueError(f"bad fault {part!r}; known faults: {', '.join(sorted(known))}")
            rate = float(raw)
            if not 0.0 <= rate <= 1.0:
                raise ValueError(f"fault rate {name}={rate} must lie between 0 and 1")
            values[name] = rate
        return cls(**values)

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self))


class FaultDice:
    """Rolls the faults with one seeded generator so that a run can be replayed."""

    BUSY_CODES = (3175, 3176, 3180)

    def __init__(self, faults: QbFaults, seed: int) -> None:
        self.faults = faults
        self._random = random.Random(seed)

    def _roll(self, rate: float) -> bool:
        return rate > 0 and self._random.random() < rate

    def lose_response(self) -> bool:
        return self._roll(self.faults.lose_response)

    def busy_code(self) -> int | None:
        if self._roll(self.faults.busy):
            return self._random.choice(self.BUSY_CODES)
        return None

    def connection_refusal(self) -> str | None:
        """``"not_running"``, ``"permission"`` or ``None``."""
        if self._roll(self.faults.not_running):
            return "not_running"
        if self._roll(self.faults.permission):
            return "permission"
        return None
