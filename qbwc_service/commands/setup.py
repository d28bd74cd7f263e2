"""Set-up commands: ``init`` (config file, data folder, database) and ``qwc``."""

from __future__ import annotations

from pathlib import Path

import click

from qbwc_service.commands import service_errors
from qbwc_service.context import AppContext
from qbwc_service.services import companies, installation

__all__ = ["register"]


@click.command()
@click.pass_context
def init(click_ctx: click.Context) -> None:
    """Create the config file (mode 600, never overwritten), the data folder and the database.

    The config file is the one named by --config or $QBWC_SERVICE_CONFIG, else
    DATA_DIR/config.toml; missing folders are created owner-only (700).
    """
    config = Path(click_ctx.meta.get("init_config") or click_ctx.obj.settings.config_path)
    with service_errors():
        done = installation.initialize(config, click_ctx.meta.get("init_data_dir"))
    state = ("created (readable by you only)" if done.config_created
             else "already exists; left as it is")
    click.echo(f"Config file {config.resolve()} {state}.")
    click.echo(f"Data folder {done.settings.data_dir.resolve()} and its database are ready.")


@click.command()
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
        qwc_file = companies.qwc_for(session, ctx.settings, company_name, username=username,
                                     url=url)
    if output:
        output.write_text(qwc_file.document, encoding="utf-8")
        click.echo(f"Wrote {output}")
    else:
        click.echo(qwc_file.document, nl=False)


def register(cli: click.Group) -> None:
    cli.add_command(init)
    cli.add_command(qwc)
