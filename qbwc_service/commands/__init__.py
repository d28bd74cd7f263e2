"""Command-line command groups. Each module exposes ``register(cli)``; listed explicitly."""

from __future__ import annotations

import importlib
import sys
from datetime import date

import click

__all__ = ["COMMAND_MODULES", "parse_day", "read_password", "register_all"]

COMMAND_MODULES: tuple[str, ...] = (
    "setup",
    "log",
    "ops",
    "web",
    "sync",
    "reconcile",
    "sandbox",
    "magento",
    "demo",
)


def read_password(from_stdin: bool) -> str:
    """The first line of standard input (for scripts), or a hidden prompt typed twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))


def parse_day(value: str, option: str) -> date:
    """An ISO date typed for ``option``, or a usage error naming it."""
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date like 2024-03-31", param_hint=option) \
            from exc


def register_all(cli: click.Group) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(cli)
