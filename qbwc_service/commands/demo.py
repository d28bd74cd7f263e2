"""``qbwc-service demo``: the whole product on one machine, against simulated systems."""

from __future__ import annotations

import logging
from pathlib import Path

import click

from qbwc_service.context import AppContext

__all__ = ["register"]


def register(cli: click.Group) -> None:
    @cli.command()
    @click.option("--data-dir", "demo_dir", type=click.Path(file_okay=False, path_type=Path),
                  default=None, help="Data folder (default: the global --data-dir, ./data).")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", type=int, default=8000, show_default=True)
    @click.option("--orders", type=click.IntRange(1, 100_000), default=300, show_default=True,
                  help="Orders in the fake Magento store (first run only).")
    @click.option("--seed", type=int, default=7, show_default=True,
                  help="Seed of the fake store's data (first run only).")
    @click.option("--password", default=None,
                  help="Password for the Web Connector user and the console admin.")
    @click.option("--no-web-connector", is_flag=True,
                  help="Serve and pull, but leave polling to an external Web Connector.")
    @click.option("--poll-seconds", type=float, default=60.0, show_default=True,
                  help="How often the simulated Web Connector runs.")
    @click.pass_obj
    def demo(ctx: AppContext, demo_dir: Path | None, host: str, port: int, orders: int, seed: int,
             password: str | None, no_web_connector: bool, poll_seconds: float) -> None:
        """Run the product against a fake Magento store and a simulated QuickBooks."""
        from qbwc_service.sandbox.demo import Demo
        from qbwc_service.server import ServerBindError

        logging.basicConfig(level=logging.WARNING)
        runner = Demo(demo_dir or ctx.settings.data_dir, host=host, port=port, orders=orders,
                      seed=seed, password=password, web_connector=not no_web_connector,
                      poll_seconds=poll_seconds)
        facts = runner.prepare()
        try:
            runner.start()
        except ServerBindError as exc:
            runner.stop()
            raise click.ClickException(str(exc)) from exc
        except OSError as exc:
            runner.stop()
            raise click.ClickException(f"could not listen on {host}:{port}: {exc}") from exc
        polling = (f"Simulated Web Connector polls every {poll_seconds:g} s."
                   if not no_web_connector
                   else "Polling is left to an external Web Connector (load the .qwc).")
        click.echo(f"""
  qbwc-service demo is running (Ctrl-C to stop)

  Console:          {facts.url}/            user {facts.console_username}  password {facts.password}
  Request log:      {facts.url}/requests
  Web Connector:    {facts.url}/qbwc        user {facts.username}   password {facts.password}
  .qwc file:        {facts.qwc}
  Fake Magento:     {facts.magento_url}  ({facts.orders} orders, seed {facts.seed})
  QuickBooks file:  {facts.company_db}  (simulated; `qbwc-service sandbox report --company-db {facts.company_db}`)
  Config:           {facts.config}
  {polling}
  These facts are also in {Path(facts.config).parent / 'demo.json'}.
""")
        try:
            runner.wait()
        except KeyboardInterrupt:
            click.echo("Stopping…")
        finally:
            runner.stop()
