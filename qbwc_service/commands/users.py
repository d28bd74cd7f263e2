"""``user add|list|disable|enable|unlock|password|remove``: Web Connector users."""

from __future__ import annotations

import click

from qbwc_service.commands import cli_actor, read_password, service_errors
from qbwc_service.commands.accounts import add_account_commands
from qbwc_service.context import AppContext
from qbwc_service.services import users
from qbwc_service.services.users import AccountKind

__all__ = ["register"]


@click.group()
def user() -> None:
    """Web Connector users: one per Web Connector entry, each for one company."""


@user.command("add")
@click.argument("company_name", metavar="COMPANY")
@click.argument("username")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input "
                   "(default: prompt twice).")
@click.pass_obj
def user_add(ctx: AppContext, company_name: str, username: str, password_stdin: bool) -> None:
    """Add a Web Connector user for COMPANY."""
    password = read_password(password_stdin)
    with service_errors(), ctx.db.session() as session:
        users.add_qbwc_user(session, company_name, username, password, actor=cli_actor())
    click.echo(f"Web Connector user {username.strip()!r} added to {company_name!r}.")


add_account_commands(user, AccountKind.QBWC)


def register(cli: click.Group) -> None:
    cli.add_command(user)
