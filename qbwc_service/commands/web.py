"""Console account commands: ``web-user add`` and ``web-user list``."""

from __future__ import annotations

import click
from sqlalchemy import select

from qbwc_service.commands import read_password
from qbwc_service.context import AppContext
from qbwc_service.db.models import WebUser, utcnow
from qbwc_service.web.exceptions import WebUserError
from qbwc_service.web.security import ROLES, add_web_user

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
    try:
        with ctx.db.session() as session:
            add_web_user(session, username, password, role, actor="cli")
    except WebUserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"web user {username.strip()} added with role {role}")


@web_user.command("list")
@click.pass_obj
def list_users(ctx: AppContext) -> None:
    """Console accounts, their roles, and whether they are locked out now."""
    now = utcnow()
    with ctx.db.session() as session:
        users = list(session.scalars(select(WebUser).order_by(WebUser.username)))
    if not users:
        click.echo("no web users yet; add one with: qbwc-service web-user add NAME --role admin")
        return
    width = max(len(user.username) for user in users)
    for user in users:
        locked = " (locked)" if user.locked_until and user.locked_until > now else ""
        click.echo(f"{user.username:<{width}}  {user.role:<10}  since {user.created_at:%Y-%m-%d}{locked}")


def register(cli: click.Group) -> None:
    cli.add_command(web_user)
