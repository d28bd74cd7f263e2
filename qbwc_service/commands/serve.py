"""``serve`` (the Web Connector endpoint, the console and the scheduled pulls) and
``worker`` (the scheduled pulls alone); composed by ``services.serving``."""

from __future__ import annotations

import gc
import time

import click

from qbwc_service.commands import service_errors
from qbwc_service.commands.progress import PullProgress
from qbwc_service.context import AppContext

__all__ = ["register"]


@click.command()
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
    from qbwc_service.services import serving  # the whole application: only when serving

    with service_errors():
        prepared = serving.prepare_server(ctx, host=host, port=port, threads=threads)
    for problem in prepared.warnings:
        click.echo(f"WARNING: {problem}", err=True)
    scheduler = None if no_scheduler else serving.start_scheduler(
        prepared.ctx, progress=PullProgress("Magento pull", first_only=True))
    for line in serving.startup_lines(ctx.settings, prepared.ctx.settings, prepared.urls):
        click.echo(line)
    # What is alive now lives as long as the process: frozen, it is no longer walked
    # by each full collection (spyne forces one every second under load).
    gc.collect()
    gc.freeze()
    try:
        prepared.server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        prepared.server.close()
        if scheduler is not None:
            scheduler.shutdown(wait=False)


@click.command()
@click.pass_obj
def worker(ctx: AppContext) -> None:
    """Run only the scheduled Magento pulls (when several servers share one database)."""
    from qbwc_service.services.serving import start_scheduler

    scheduler = start_scheduler(ctx)
    if scheduler is None:
        raise click.ClickException("no company has a [companies.NAME.magento] table to pull from")
    click.echo("Scheduler running; Ctrl-C to stop.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        scheduler.shutdown(wait=False)


def register(cli: click.Group) -> None:
    cli.add_command(serve)
    cli.add_command(worker)
