"""Set-up commands: init, company, user, qwc, serve."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qbwc_service.commands import cli_actor, read_password, service_errors
from qbwc_service.commands.accounts import add_account_commands
from qbwc_service.commands.progress import PullProgress
from qbwc_service.context import AppContext
from qbwc_service.qbwc.qwc import QwcError, build_qwc, owner_id
from qbwc_service.qbxml import AUTO_VERSION
from qbwc_service.services import companies, users
from qbwc_service.services.companies import CLOSING_POLICIES, MAX_EVERY_MINUTES, QBXML_CHOICES
from qbwc_service.services.users import AccountKind
from qbwc_service.settings import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from qbwc_service.sync.runner import Progress

__all__ = ["register"]

CONFIG_TEMPLATE = """\
# qbwc-service configuration. Environment variables QBWC_SERVICE_<KEY> override these;
# every key is listed in README.md, "Configuration". This file may hold Magento secrets:
# keep it readable by the service's account only (init creates it with mode 600).
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


def config_template(data_dir_option: str | None, config: Path) -> str:
    """The new config file; it names the data folder when that is not the file's own."""
    if data_dir_option and Path(data_dir_option).resolve() != config.parent.resolve():
        return CONFIG_TEMPLATE.replace(
            "[service]\n", f"[service]\ndata_dir = {json.dumps(str(Path(data_dir_option).resolve()))}\n", 1)
    return CONFIG_TEMPLATE


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by the owner only; keep existing ones."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)  # mkdir's mode is reduced by the umask, parents get the default


def write_private_file(path: Path, text: str) -> bool:
    """Write ``text`` to a new file with mode 600; False (untouched) when it exists."""
    make_private_dir(path.parent)
    try:
        # O_EXCL: never overwrite, even if another process creates it at the same moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise click.ClickException(f"cannot create {path}: {exc.strerror}") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


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


def register(cli: click.Group) -> None:
    @cli.command()
    @click.pass_context
    def init(click_ctx: click.Context) -> None:
        """Create the config file (mode 600, never overwritten), the data folder and the database.

        The config file is the one named by --config or $QBWC_SERVICE_CONFIG, else
        DATA_DIR/config.toml; missing folders are created owner-only (700).
        """
        config = Path(click_ctx.meta.get("init_config") or click_ctx.obj.settings.config_path)
        data_dir_option = click_ctx.meta.get("init_data_dir")
        created = write_private_file(config, config_template(data_dir_option, config))
        try:
            settings = load_settings(config, data_dir=Path(data_dir_option)
                                     if data_dir_option else None)
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        make_private_dir(settings.data_dir)
        with AppContext(settings).db.session() as session:
            owner_id(session)
        state = "created (readable by you only)" if created else "already exists; left as it is"
        click.echo(f"Config file {config.resolve()} {state}.")
        click.echo(f"Data folder {settings.data_dir.resolve()} and its database are ready.")

    @cli.group()
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

    @cli.group()
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

    @cli.command()
    @click.argument("company_name", metavar="COMPANY")
    @click.option("--url", default=None, help="Public base URL (default: the configured one).")
    @click.option("--username", default=None, help="Web Connector user (default: the first).")
    @click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="File to write the .qwc to (default: standard output).")
    @click.pass_obj
    def qwc(ctx: AppContext, company_name: str, url: str | None, username: str | None,
            output: Path | None) -> None:
        """Write the .qwc file for COMPANY (to stdout by default)."""
        with service_errors(), ctx.db.session() as session:
            company_row = companies.find_company(session, company_name)
            names = [u.username for u in company_row.users]
            if not names:
                raise click.ClickException(
                    f"company {company_name!r} has no Web Connector user; run "
                    f"`qbwc-service user add {company_name} USERNAME` first")
            name = username or names[0]
            if name not in names:
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
    @click.option("--host", default=None, help="Address to listen on (default: host in the config, "
                  "127.0.0.1).")
    @click.option("--port", type=click.IntRange(1, 65535), default=None,
                  help="Port to listen on (default: port in the config, 8000).")
    @click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
                  help="Requests served at once (Web Connector calls and console pages).")
    @click.option("--no-scheduler", is_flag=True,
                  help="Do not pull from Magento in this process (run `qbwc-service worker`).")
    @click.pass_obj
    def serve(ctx: AppContext, host: str | None, port: int | None, threads: int,
              no_scheduler: bool) -> None:
        """Serve the Web Connector endpoint and the console with waitress."""
        import gc
        from dataclasses import replace

        from qbwc_service.app import make_app
        from qbwc_service.observability import configure_logging
        from qbwc_service.security import InsecureFilesError, check_private_files
        from qbwc_service.server import ServerBindError, bind_server, listening_urls

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
        try:
            server = bind_server(app, settings.host, settings.port, threads)
        except ServerBindError as exc:
            raise click.ClickException(str(exc)) from exc
        scheduler = None if no_scheduler else start_scheduler(
            app_ctx, progress=PullProgress("Magento pull", first_only=True))
        for line in startup_lines(ctx.settings, settings, listening_urls(server)):
            click.echo(line)
        # What is alive now lives as long as the process: frozen, it is no longer walked
        # by each full collection (spyne forces one every second under load).
        gc.collect()
        gc.freeze()
        try:
            server.run()
        except KeyboardInterrupt:
            click.echo("Stopped.")
        finally:
            server.close()
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


def startup_lines(configured: Settings, serving: Settings, urls: list[str]) -> list[str]:
    """Where the process listens, then the public address the .qwc files carry."""
    first = (f"Listening on {', '.join(urls)}: Web Connector endpoint {urls[0]}/qbwc, "
             f"console {urls[0]}/")
    if serving.public_url:
        return [first, f"Public URL: {serving.soap_url} (in .qwc files), console "
                       f"{serving.base_url}/"]
    second = f"No public_url set: the Web Connector on this machine uses {serving.soap_url}"
    if configured.base_url != serving.base_url:
        # `qwc` reads the config, not this command line.
        second += (f"; `qbwc-service qwc` writes {configured.soap_url} unless given "
                   f"--url {serving.base_url}")
    return [first, second]


def start_scheduler(ctx: AppContext, progress: Progress | None = None):  # type: ignore[no-untyped-def]
    """Start the pull jobs of every company that has a Magento connection; None if none has."""
    companies = ctx.settings.extra.get("companies") or {}
    if not ctx.settings.scheduler_enabled or not any(
        isinstance(table, dict) and "magento" in table for table in companies.values()
    ):
        return None
    from functools import partial

    from qbwc_service.services.reconciliation_jobs import add_reconciliation_jobs
    from qbwc_service.sync.config import magento_client_for
    from qbwc_service.sync.scheduler import build_scheduler

    scheduler = build_scheduler(ctx, partial(magento_client_for, ctx.settings), progress=progress)
    add_reconciliation_jobs(scheduler, ctx, partial(magento_client_for, ctx.settings))
    # /healthz reports the scheduler dead when this stops ticking.
    heartbeat = ctx.metrics.heartbeat("scheduler", max_age_seconds=120)
    heartbeat.tick()
    scheduler.add_job(heartbeat.tick, "interval", seconds=30, id="heartbeat")
    scheduler.start()
    return scheduler
