"""Console account commands: ``web-user add|list|disable|enable|remove|unlock|password``."""

from __future__ import annotations

import click

from qbwc_service.commands import cli_actor, read_password, service_errors
from qbwc_service.commands.accounts import add_account_commands
from qbwc_service.context import AppContext
from qbwc_service.services import users
from qbwc_service.services.console_auth import ROLES
from qbwc_service.services.users import AccountKind

__all__ = ["register"]


@click.group("web-user")
def web_user() -> None:
    """People who sign in to the web console (admin, bookkeeper, viewer)."""


@web_user.command("add")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the user may do.")
@click.option("--password-stdin", is_flag=True,
              help="Read the password from the first line of standard input.")
@click.pass_obj
def add(ctx: AppContext, username: str, role: str, password_stdin: bool) -> None:
    """Create a console account; the password is prompted for unless --password-stdin."""
    password = read_password(password_stdin)
    with service_errors(), ctx.db.session() as session:
        users.add_web_user(session, username, password, role, actor=cli_actor())
    click.echo(f"web user {username.strip()} added with role {role}")


add_account_commands(web_user, AccountKind.WEB)


def register(cli: click.Group) -> None:
    cli.add_command(web_user)
