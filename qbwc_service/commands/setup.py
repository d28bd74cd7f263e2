"""Set-up commands: init, company, user, qwc, serve."""

from __future__ import annotations

import click


def register(cli: click.Group) -> None:
    """Filled in by the SOAP/session work."""
