"""The command line: thin click commands that parse input, call a use case in
``qbwc_service.services`` and print its result. Each module defines module-level commands
and exposes ``register(cli)``; the modules are listed explicitly."""

from __future__ import annotations

import getpass
import importlib
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import click

from qbwc_service.services.exceptions import InvalidValue, ServiceError

__all__ = ["COMMAND_MODULES", "cli_actor", "parse_day", "read_password", "register_all",
           "service_errors"]

COMMAND_MODULES: tuple[str, ...] = (
    "setup",
    "company",
    "users",
    "serve",
    "log",
    "requests",
    "ops",
    "web",
    "sync",
    "reconcile",
    "sandbox",
    "simulate",
    "magento",
    "demo",
)


def read_password(from_stdin: bool) -> str:
    """The first line of standard input (for scripts), or a hidden prompt typed twice."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    try:
        with warnings.catch_warnings():
            # Without a terminal getpass warns, then reads standard input as it is.
            warnings.simplefilter("ignore", getpass.GetPassWarning)
            return str(click.prompt("Password", hide_input=True, confirmation_prompt=True))
    except click.exceptions.Abort:
        if sys.stdin.isatty():
            raise
        raise click.UsageError(
            "no password was typed: there is no terminal; use --password-stdin and give the "
            "password on the first line of standard input") from None


def cli_actor() -> str:
    """Who the audit trail names for a command: the operating-system account."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "cli"


@contextmanager
def service_errors() -> Iterator[None]:
    """A use case's refusal as one line: exit 2 for a value it cannot take, else 1."""
    try:
        yield
    except InvalidValue as exc:
        raise click.UsageError(str(exc)) from exc
    except ServiceError as exc:
        raise click.ClickException(str(exc)) from exc


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
