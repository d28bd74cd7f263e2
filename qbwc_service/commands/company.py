"""``company add|list|show|set``: the QuickBooks company files this installation serves."""

from __future__ import annotations

import click

from qbwc_service.commands import cli_actor, service_errors
from qbwc_service.context import AppContext
from qbwc_service.qbxml import AUTO_VERSION
from qbwc_service.services import companies
from qbwc_service.services.companies import CLOSING_POLICIES, MAX_EVERY_MINUTES, QBXML_CHOICES

__all__ = ["register"]


def _require_database(ctx: AppContext) -> None:
    """A listing never creates a database: an empty one would hide a wrong folder."""
    missing = ctx.database_missing()
    if missing:
        raise click.ClickException(
            f"no database at {missing}; run `qbwc-service init` first, or point "
            "--data-dir or --config at your data folder")


def _show_lines(view: companies.CompanyView) -> list[tuple[str, str]]:
    version = view.qbxml_version
    if view.negotiated_version:
        version += f" (last run spoke {view.negotiated_version})"
    return [
        ("Company", view.name),
        ("Company file", view.company_file or "(the file open in QuickBooks)"),
        ("qbXML version", version),
        ("Polling interval", f"every {view.every_minutes} min"),
        ("Approval required", "yes" if view.approval_required else "no"),
        ("Closing-date policy", f"{view.closing_date_policy} (from the "
                                f"{view.closing_date_policy_source})"),
        ("Web Connector users", ", ".join(view.users) or "(none)"),
        ("QuickBooks", view.qb_product or "(not connected yet)"),
        ("Last run", view.last_session_at.isoformat(timespec="seconds")
         if view.last_session_at else "(never)"),
    ]


@click.group()
def company() -> None:
    """QuickBooks company files served by this installation."""


@company.command("add")
@click.argument("name")
@click.option("--company-file", default="", show_default="the file open in QuickBooks",
              help="Full path of the .QBW file.")
@click.option("--qbxml-version", type=click.Choice(QBXML_CHOICES), default=AUTO_VERSION,
              show_default=True,
              help="Highest qbXML version to speak; auto = the highest QuickBooks supports.")
@click.option("--every-minutes", type=click.IntRange(1, MAX_EVERY_MINUTES), default=15,
              show_default=True, help="Web Connector polling interval.")
@click.option("--approval-required", is_flag=True, help="Hold new requests for approval.")
@click.pass_obj
def company_add(ctx: AppContext, name: str, company_file: str, qbxml_version: str,
                every_minutes: int, approval_required: bool) -> None:
    """Add a company file."""
    with service_errors(), ctx.db.session() as session:
        view = companies.add_company(
            session, ctx.settings, name, company_file=company_file,
            qbxml_version=qbxml_version, every_minutes=every_minutes,
            approval_required=approval_required, actor=cli_actor())
    click.echo(f"Company {view.name!r} added (qbXML {view.qbxml_version}, "
               f"every {view.every_minutes} min).")


@company.command("list")
@click.pass_obj
def company_list(ctx: AppContext) -> None:
    """List company files."""
    _require_database(ctx)
    with ctx.db.session() as session:
        for row in companies.list_companies(session, ctx.settings):
            click.echo(f"{row.name}\tqbXML {row.qbxml_version}\tevery {row.every_minutes} min"
                       f"\t{row.company_file or '(open company file)'}")


@company.command("show")
@click.argument("name", metavar="COMPANY")
@click.pass_obj
def company_show(ctx: AppContext, name: str) -> None:
    """Show COMPANY's settings and what QuickBooks last reported."""
    _require_database(ctx)
    with service_errors(), ctx.db.session() as session:
        view = companies.show_company(session, ctx.settings, name)
    for label, value in _show_lines(view):
        click.echo(f"{label + ':':<22}{value}")


@company.command("set")
@click.argument("name", metavar="COMPANY")
@click.option("--every-minutes", type=click.IntRange(1, MAX_EVERY_MINUTES), default=None,
              help="Web Connector polling interval; the next run picks it up, no new .qwc.")
@click.option("--qbxml-version", type=click.Choice(QBXML_CHOICES), default=None,
              help="Highest qbXML version to speak; auto = the highest QuickBooks supports.")
@click.option("--approval-required/--no-approval-required", default=None,
              help="Hold new requests for approval (or stop holding them).")
@click.option("--closing-date-policy", type=click.Choice(CLOSING_POLICIES), default=None,
              help="Documents dated on or before QuickBooks' closing date: hold them, or "
                   "post them on the first open date.")
@click.option("--rename", "new_name", default=None, help="New name for the company.")
@click.pass_obj
def company_set(ctx: AppContext, name: str, every_minutes: int | None,
                qbxml_version: str | None, approval_required: bool | None,
                closing_date_policy: str | None, new_name: str | None) -> None:
    """Change COMPANY's settings; only the options given change."""
    change = companies.CompanyChange(
        every_minutes=every_minutes, qbxml_version=qbxml_version,
        approval_required=approval_required, closing_date_policy=closing_date_policy,
        new_name=new_name)
    with service_errors(), ctx.db.session() as session:
        view = companies.set_company(session, ctx.settings, name, change, actor=cli_actor())
    click.echo(f"Company {view.name!r}: qbXML {view.qbxml_version}, every "
               f"{view.every_minutes} min, approval "
               f"{'required' if view.approval_required else 'not required'}, closing date "
               f"policy {view.closing_date_policy}.")


def register(cli: click.Group) -> None:
    cli.add_command(company)
