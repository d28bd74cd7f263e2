"""The verbs shared by ``user`` (Web Connector users) and ``web-user`` (console people).

Not a command module of its own: ``setup`` and ``web`` add these to their groups.
"""

from __future__ import annotations

import click

from qbwc_service.commands import cli_actor, read_password, service_errors
from qbwc_service.context import AppContext
from qbwc_service.db.models import utcnow
from qbwc_service.services import users
from qbwc_service.services.users import AccountKind

__all__ = ["add_account_commands"]


def add_account_commands(group: click.Group, kind: AccountKind) -> None:
    """list, disable, enable, remove, unlock and password for ``kind`` under ``group``."""
    noun = kind.noun
    title = noun[:1].upper() + noun[1:]

    @group.command("list")
    @click.pass_obj
    def list_command(ctx: AppContext) -> None:
        with ctx.db.session() as session:
            accounts = users.list_accounts(session, kind)
        if not accounts:
            click.echo(f"no {noun}s yet; add one with `qbwc-service {kind.value} add`")
            return
        now = utcnow()
        width = max(len(account.username) for account in accounts)
        for account in accounts:
            last = (f", last login {account.last_login_at:%Y-%m-%d %H:%M} UTC"
                    if account.last_login_at else "")
            click.echo(f"{account.username:<{width}}  {account.scope:<12}  "
                       f"{account.state(now)}, since {account.created_at:%Y-%m-%d}{last}")

    list_command.help = f"{title}s, and whether each is active, locked or disabled."

    def _one(verb: str, help_text: str, done: str) -> None:
        @group.command(verb, help=help_text)
        @click.argument("username")
        @click.pass_obj
        def command(ctx: AppContext, username: str) -> None:
            operation = getattr(users, verb)
            with service_errors(), ctx.db.session() as session:
                operation(session, kind, username, actor=cli_actor())
            click.echo(f"{title} {username!r} {done}.")

    _one("disable", f"Refuse USERNAME's logins from now on (the {noun}'s history stays).",
         "disabled")
    _one("enable", "Let a disabled USERNAME log in again.", "enabled")
    _one("unlock", "End USERNAME's lockout after too many wrong passwords.", "unlocked")
    _one("remove", f"Delete the {noun} USERNAME.", "removed")

    @group.command("password")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True,
                  help="Read the new password from the first line of standard input.")
    @click.pass_obj
    def password_command(ctx: AppContext, username: str, password_stdin: bool) -> None:
        password = read_password(password_stdin)
        with service_errors(), ctx.db.session() as session:
            users.change_password(session, kind, username, password, actor=cli_actor())
        click.echo(f"{title} {username!r} has a new password.")

    password_command.help = (f"Give the {noun} USERNAME a new password (prompted twice unless "
                             "--password-stdin); a lockout ends with it.")
