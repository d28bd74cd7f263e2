"""Set-up commands: init, company, user, qwc, serve."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from qbwc_service.auth import hash_password
from qbwc_service.commands import read_password
from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, QbwcUser
from qbwc_service.qwc import QwcError, build_qwc, new_guid, owner_id

__all__ = ["register"]

QBXML_VERSIONS = ("8.0", "10.0", "11.0", "12.0", "13.0", "14.0", "15.0", "16.0")

CONFIG_TEMPLATE = """\
# qbwc-service configuration. Environment variables QBWC_SERVICE_<KEY> override these.
[service]
host = "127.0.0.1"
port = 8000
# The address the Web Connector uses: https://your.host.name (or http://localhost:PORT
# on the QuickBooks machine itself). Used in the .qwc and the WSDL.
# public_url = "https://qb.example.com"
# database_url = "postgresql+psycopg://user@db/qbwc"   # default: SQLite in this folder
lockout_attempts = 5
lockout_minutes = 15
retention_days = 90
"""


def _company(ctx: AppContext, session, name: str) -> Company:  # type: ignore[no-untyped-def]
    company = session.scalars(select(Company).where(Company.name == name)).first()
    if company is None:
        raise click.ClickException(f"no company named {name!r}; see `qbwc-service company list`")
    return company


def register(cli: click.Group) -> None:
    @cli.command()
    @click.pass_obj
    def init(ctx: AppContext) -> None:
        """Create the data folder, its config file and the database schema."""
        data_dir = ctx.settings.data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        config = data_dir / "config.toml"
        if not config.exists():
            config.write_text(CONFIG_TEMPLATE, encoding="utf-8")
        with ctx.db.session() as session:
            owner_id(session)
        click.echo(f"Data folder {data_dir.resolve()} is ready (config: {config}).")

    @cli.group()
    def company() -> None:
        """QuickBooks company files served by this installation."""

    @company.command("add")
    @click.argument("name")
    @click.option("--company-file", default="", help="Full path of the .QBW file ('' = the open one).")
    @click.option("--qbxml-version", type=click.Choice(QBXML_VERSIONS), default="13.0",
                  show_default=True, help="Highest qbXML version to speak.")
    @click.option("--every-minutes", type=click.IntRange(1, 24 * 60), default=15, show_default=True,
                  help="Web Connector polling interval.")
    @click.option("--approval-required", is_flag=True, help="Hold new requests for approval.")
    @click.pass_obj
    def company_add(ctx: AppContext, name: str, company_file: str, qbxml_version: str,
                    every_minutes: int, approval_required: bool) -> None:
        """Add a company file."""
        with ctx.db.session() as session:
            if session.scalars(select(Company).where(Company.name == name)).first():
                raise click.ClickException(f"company {name!r} already exists")
            session.add(Company(
                name=name, company_file=company_file, qbxml_version=qbxml_version,
                every_minutes=every_minutes, file_id=new_guid(),
                approval_required=approval_required,
            ))
        click.echo(f"Company {name!r} added (qbXML {qbxml_version}, every {every_minutes} min).")

    @company.command("list")
    @click.pass_obj
    def company_list(ctx: AppContext) -> None:
        """List company files."""
        with ctx.db.session() as session:
            for row in session.scalars(select(Company).order_by(Company.name)):
                click.echo(f"{row.name}\tqbXML {row.qbxml_version}\tevery {row.every_minutes} min"
                           f"\t{row.company_file or '(open company file)'}")

    @cli.group()
    def user() -> None:
        """Web Connector users."""

    @user.command("add")
    @click.argument("company_name", metavar="COMPANY")
    @click.argument("username")
    @click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
    @click.pass_obj
    def user_add(ctx: AppContext, company_name: str, username: str, password_stdin: bool) -> None:
        """Add a Web Connector user for COMPANY."""
        password = read_password(password_stdin)
        if len(password) < 8:
            raise click.ClickException("the password must have at least 8 characters")
        with ctx.db.session() as session:
            company_row = _company(ctx, session, company_name)
            if session.scalars(select(QbwcUser).where(QbwcUser.username == username)).first():
                raise click.ClickException(f"user {username!r} already exists")
            session.add(QbwcUser(company_id=company_row.id, username=username,
                                 password_hash=hash_password(password)))
        click.echo(f"Web Connector user {username!r} added to {company_name!r}.")

    @cli.command()
    @click.argument("company_name", metavar="COMPANY")
    @click.option("--url", default=None, help="Public base URL (default: the configured one).")
    @click.option("--username", default=None, help="Web Connector user (default: the first).")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
    @click.pass_obj
    def qwc(ctx: AppContext, company_name: str, url: str | None, username: str | None,
            output: Path | None) -> None:
        """Write the .qwc file for COMPANY (to stdout by default)."""
        with ctx.db.session() as session:
            company_row = _company(ctx, session, company_name)
            users = [u.username for u in company_row.users]
            if not users:
                raise click.ClickException(
                    f"company {company_name!r} has no Web Connector user; run "
                    f"`qbwc-service user add {company_name} USERNAME` first")
            name = username or users[0]
            if name not in users:
                raise click.ClickException(f"{name!r} is not a user of {company_name!r}")
            try:
                text = build_qwc(session, ctx.settings, company_row, name, url=url)
            except QwcError as exc:
                raise click.ClickException(str(exc)) from exc
        if output:
            output.write_text(text, encoding="utf-8")
            click.echo(f"Wrote {output}")
        else:
            click.echo(text, nl=False)

    @cli.command()
    @click.option("--host", default=None, help="Address to listen on.")
    @click.option("--port", type=int, default=None, help="Port to listen on.")
    @click.option("--threads", type=int, default=8, show_default=True)
    @click.option("--no-scheduler", is_flag=True,
                  help="Do not pull from Magento in this process (run `qbwc-service worker`).")
    @click.pass_obj
    def serve(ctx: AppContext, host: str | None, port: int | None, threads: int,
              no_scheduler: bool) -> None:
        """Serve the Web Connector endpoint and the console with waitress."""
        import gc
        from dataclasses import replace

        import waitress

        from qbwc_service.app import make_app
        from qbwc_service.observability import configure_logging
        from qbwc_service.security import InsecureFilesError, check_private_files
        from qbwc_service.server import WAITRESS_OPTIONS

        settings = replace(ctx.settings, host=host or ctx.settings.host,
                           port=port or ctx.settings.port)
        configure_logging(settings)
        try:
            for problem in check_private_files(settings):
                click.echo(f"WARNING: {problem}", err=True)
        except InsecureFilesError as refusal:
            raise click.ClickException(str(refusal)) from None
        app_ctx = AppContext(settings, _database=ctx.db)
        app = make_app(app_ctx)
        scheduler = None if no_scheduler else start_scheduler(app_ctx)
        click.echo(f"Web Connector endpoint: {settings.soap_url}")
        click.echo(f"Console and support page: {settings.base_url}/")
        # What is alive now lives as long as the process: frozen, it is no longer walked
        # by each full collection (spyne forces one every second under load).
        gc.collect()
        gc.freeze()
        try:
            waitress.serve(app, host=settings.host, port=settings.port, threads=threads,
                           _quiet=True, **WAITRESS_OPTIONS)
        finally:
            if scheduler is not None:
                scheduler.shutdown(wait=False)

    @cli.command()
    @click.pass_obj
    def worker(ctx: AppContext) -> None:
        """Run only the scheduled Magento pulls (when several servers share one database)."""
        import time

        scheduler = start_scheduler(ctx)
        if scheduler is None:
            raise click.ClickException("no company has a [companies.NAME.magento] table to pull from")
        click.echo("Scheduler running; Ctrl-C to stop.")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            scheduler.shutdown(wait=False)


def start_scheduler(ctx: AppContext):  # type: ignore[no-untyped-def]
    """Start the pull jobs of every company that has a Magento connection; None if none has."""
    companies = ctx.settings.extra.get("companies") or {}
    if not ctx.settings.scheduler_enabled or not any(
        isinstance(table, dict) and "magento" in table for table in companies.values()
    ):
        return None
    from functools import partial

    from qbwc_service.sync.config import magento_client_for
    from qbwc_service.sync.scheduler import build_scheduler

    scheduler = build_scheduler(ctx, partial(magento_client_for, ctx.settings))
    # /healthz reports the scheduler dead when this stops ticking.
    heartbeat = ctx.metrics.heartbeat("scheduler", max_age_seconds=120)
    heartbeat.tick()
    scheduler.add_job(heartbeat.tick, "interval", seconds=30, id="heartbeat")
    scheduler.start()
    return scheduler
