"""Command-line command groups. Each module exposes ``register(cli)``; listed explicitly."""

from __future__ import annotations

import importlib

import click

__all__ = ["COMMAND_MODULES", "register_all"]

COMMAND_MODULES: tuple[str, ...] = (
    "setup",
)


def register_all(cli: click.Group) -> None:
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        module.register(cli)
