"""What bookkeepers do to requests from the command line: retry, cancel, hold, release,
and purge (blanking old bodies). Each is a ``services.requests`` use case, audited."""

from __future__ import annotations

import click

from qbwc_service import queue
from qbwc_service.commands import cli_actor, service_errors
from qbwc_service.context import AppContext
from qbwc_service.services import purge, requests

__all__ = ["register"]


def _act(ctx: AppContext, action: str, request_id: int, reason: str | None = None) -> None:
    with service_errors(), ctx.db.session() as session:
        request = requests.act(session, action, request_id, actor=cli_actor(),
                               reason=reason or "", reason_required=False)
        click.echo(f"request {queue.describe(request)} is now {request.status}")


@click.command(name="retry")
@click.argument("request_id", type=int, required=False)
@click.option("--failed", "all_failed", is_flag=True, help="Retry every failed request.")
@click.option("--company", help="With --failed: only this company.")
@click.pass_obj
def retry_command(ctx: AppContext, request_id: int | None, all_failed: bool,
                  company: str | None) -> None:
    """Send a failed request (or all failed ones) to QuickBooks again."""
    if all_failed == (request_id is not None):
        raise click.UsageError("give a request ID or --failed")
    if request_id is not None:
        _act(ctx, "retry", request_id)
        return
    with service_errors(), ctx.db.session() as session:
        count = requests.retry_failed(session, company, actor=cli_actor())
    click.echo(f"{count} failed request(s) queued again")


@click.command(name="cancel")
@click.argument("request_id", type=int)
@click.option("--reason", default=None, help="Why, kept in its history (default: none given).")
@click.pass_obj
def cancel_command(ctx: AppContext, request_id: int, reason: str | None) -> None:
    """Never send this request."""
    _act(ctx, "cancel", request_id, reason)


@click.command(name="hold")
@click.argument("request_id", type=int)
@click.option("--reason", default=None,
              help="Why it is held, shown in the request log (default: none given).")
@click.pass_obj
def hold_command(ctx: AppContext, request_id: int, reason: str | None) -> None:
    """Keep a queued request back until it is released."""
    _act(ctx, "hold", request_id, reason)


@click.command(name="release")
@click.argument("request_id", type=int)
@click.pass_obj
def release_command(ctx: AppContext, request_id: int) -> None:
    """Let a held request go to QuickBooks."""
    _act(ctx, "release", request_id)


@click.command(name="purge")
@click.option("--older-than-days", type=int, default=None,
              help="Default: the retention_days setting.")
@click.pass_obj
def purge_command(ctx: AppContext, older_than_days: int | None) -> None:
    """Blank old qbXML bodies (customer data); who, what, when and outcome stay."""
    days = ctx.settings.retention_days if older_than_days is None else older_than_days
    with ctx.db.session() as session:
        count = purge.purge_bodies(session, older_than_days=days)
    click.echo(f"purged bodies of {count} row(s) older than {days} days")


def register(cli: click.Group) -> None:
    for command in (retry_command, cancel_command, hold_command, release_command,
                    purge_command):
        cli.add_command(command)
