"""The dashboard's 30-day chart as plain geometry, drawn as inline SVG by the template.

Rendered on the server so it reads without JavaScript; every bar carries a ``<title>``
and the same figures are offered as a table for screen readers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from qbwc_service.services.dashboard import DayOutcome

__all__ = ["Bar", "BarChart", "bar_chart"]

WIDTH = 720
HEIGHT = 220
LEFT = 40  # room for the y-axis labels
RIGHT = 24  # room for the last date label
BOTTOM = 24  # room for the date labels
TOP = 10


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    kind: str  # succeeded | failed
    label: str


@dataclass(frozen=True)
class Tick:
    y: float
    value: int


@dataclass(frozen=True)
class DayLabel:
    x: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    day_labels: list[DayLabel]
    days: list[DayOutcome]
    maximum: int


def _nice_maximum(value: int) -> int:
    if value <= 4:
        return 4
    step = 1
    while step * 10 < value:
        step *= 10
    for multiple in (1, 2, 4, 5, 10):
        if step * multiple >= value:
            return step * multiple
    return value


def bar_chart(days: Sequence[DayOutcome]) -> BarChart:
    """Paired bars per day (succeeded, failed) scaled to a round maximum."""
    maximum = _nice_maximum(max([0, *(max(day.succeeded, day.failed) for day in days)]))
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = float(HEIGHT - BOTTOM)
    slot = (WIDTH - LEFT - RIGHT) / max(len(days), 1)
    bar_width = max(slot / 2 - 1.5, 1.0)
    bars: list[Bar] = []
    labels: list[DayLabel] = []
    for index, day in enumerate(days):
        x = LEFT + index * slot + 1
        for offset, kind, count in ((0.0, "succeeded", day.succeeded), (bar_width, "failed", day.failed)):
            height = plot_height * count / maximum
            bars.append(Bar(round(x + offset, 1), round(baseline - height, 1), round(bar_width, 1),
                            round(height, 1), kind, f"{day.day.isoformat()}: {count} {kind}"))
        if index % 5 == 0 or index == len(days) - 1:
            labels.append(DayLabel(round(x + bar_width, 1), day.day.strftime("%d %b")))
    ticks = [Tick(round(baseline - plot_height * step / 4, 1), maximum * step // 4) for step in range(5)]
    return BarChart(WIDTH, HEIGHT, LEFT, baseline, bars, ticks, labels, list(days), maximum)
