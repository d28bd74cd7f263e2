"""Jinja filters: how times, durations and reported flags read on the console."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from flask import Flask

__all__ = ["duration", "install", "utc_time", "yes_no"]


def utc_time(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return value.isoformat()


def duration(value: timedelta | float | int | None) -> str:
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 120:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def yes_no(value: bool | None) -> str:
    if value is None:
        return "not reported yet"
    return "yes" if value else "no"


def install(app: Flask) -> None:
    app.add_template_filter(utc_time, "utc_time")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(yes_no, "yes_no")
