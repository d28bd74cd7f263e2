"""Fault injection for the fake Magento: rates of 429, 5xx, slow and truncated answers.

``FaultSpec.parse("429=0.1,500=0.05,slow=0.02,truncate=0.01")``; optional knobs
``slow_seconds=2``, ``retry_after=1``, ``seed=7``. Draws come from one seeded generator
in request order, so a sequential client sees the same faults on every run.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field

__all__ = ["FAULT_KINDS", "FaultPlan", "FaultSpec"]

FAULT_KINDS: tuple[str, ...] = ("429", "500", "502", "503", "slow", "truncate")
_KNOBS = ("slow_seconds", "retry_after", "seed")


@dataclass(frozen=True)
class FaultSpec:
    """Per-request probabilities of each fault, plus how slow and how long to wait."""

    rates: dict[str, float] = field(default_factory=dict)
    slow_seconds: float = 2.0
    retry_after: float = 1.0
    seed: int = 0

    @classmethod
    def parse(cls, text: str | None, *, seed: int = 0) -> FaultSpec:
        rates: dict[str, float] = {}
        knobs: dict[str, float] = {"seed": float(seed)}
        for part in (text or "").split(","):
            part = part.strip()
            if not part:
                continue
            name, sep, value = part.partition("=")
            name = name.strip().lower()
            if not sep:
                raise ValueError(f"fault {part!r} needs a rate, e.g. {part}=0.1")
            number = float(value)
            if name in _KNOBS:
                knobs[name] = number
            elif name in FAULT_KINDS:
                if not 0.0 <= number <= 1.0:
                    raise ValueError(f"fault rate for {name} must be between 0 and 1")
                rates[name] = number
            else:
                raise ValueError(f"unknown fault {name!r}; known: {', '.join(FAULT_KINDS + _KNOBS)}")
        if sum(rates.values()) > 1.0:
            raise ValueError("fault rates add up to more than 1")
        return cls(rates=rates, slow_seconds=knobs.get("slow_seconds", 2.0),
                   retry_after=knobs.get("retry_after", 1.0), seed=int(knobs["seed"]))

    @property
    def active(self) -> bool:
        return any(self.rates.values())


class FaultPlan:
    """Draws the fault (or None) for each request, thread-safely and reproducibly."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)
        self._lock = threading.Lock()
        self.injected: dict[str, int] = {}
        self.forced: list[str] = []

    def force(self, *faults: str) -> None:
        """Queue faults for the next requests, whatever the rates say (for tests)."""
        with self._lock:
            self.forced.extend(faults)

    def draw(self) -> str | None:
        with self._lock:
            if self.forced:
                fault: str | None = self.forced.pop(0)
            else:
                fault = None
                if self.spec.active:
                    roll = self._rng.random()
                    for name in FAULT_KINDS:
                        rate = self.spec.rates.get(name, 0.0)
                        if roll < rate:
                            fault = name
                            break
                        roll -= rate
            if fault and fault != "none":
                self.injected[fault] = self.injected.get(fault, 0) + 1
            return None if fault == "none" else fault
