"""Magento commands: ``fake-magento`` (a local fake store) and ``magento check COMPANY``."""

from __future__ import annotations

import json

import click

from magento_client.diagnose import StoreReport
from magento_client.fake import FakeMagento, FakeStore, FaultSpec
from qbwc_service.commands import service_errors
from qbwc_service.context import AppContext
from qbwc_service.services import magento as store

__all__ = ["register"]


def _print_report(report: StoreReport) -> None:
    facts = report.store
    click.echo(f"Magento at {report.base_url} (store code {report.store_code!r}): connected")
    if facts is not None:
        click.echo(f"  store:      {facts.code} (id {facts.id}, website {facts.website_id})")
        click.echo(f"  timezone:   {facts.timezone}")
        click.echo(f"  currencies: base {facts.base_currency_code}, "
                   f"display {facts.default_display_currency_code}")
    click.echo("  stores:     " + ", ".join(f"{c.code} ({c.base_currency_code}/"
                                             f"{c.default_display_currency_code}, {c.timezone})"
                                             for c in report.store_configs))
    if report.sources is not None:
        click.echo("  sources:    " + ", ".join(
            s.source_code + ("" if s.enabled else " (disabled)") for s in report.sources))
    click.echo("  counts:     " + ", ".join(f"{name} {count}" for name, count in report.counts.items()))
    for warning in report.warnings:
        click.echo(f"  warning:    {warning}")


@click.command("fake-magento")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, type=int, help="Port to listen on (default: 0, a free port).")
@click.option("--orders", default=200, type=int, show_default=True,
              help="Orders in the fake store.")
@click.option("--seed", default=1, type=int, show_default=True,
              help="Seed of the fake store's data.")
@click.option("--faults", default="", help='e.g. "429=0.1,500=0.05,slow=0.02,truncate=0.01"')
def fake_magento(host: str, port: int, orders: int, seed: int, faults: str) -> None:
    """Run a fake Magento 2 store in the foreground; prints its URL and credentials as JSON."""
    try:
        spec = FaultSpec.parse(faults, seed=seed)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from exc
    fake = FakeMagento(FakeStore.generate(orders=orders, seed=seed), faults=spec)

    def ready(base_url: str) -> None:
        line = {"base_url": base_url, "store_code": "default",
                **fake.store.credentials.as_dict()}
        click.echo(json.dumps(line), nl=True)

    try:
        fake.serve_forever(host, port, ready=ready)
    except KeyboardInterrupt:
        pass


@click.group("magento")
def magento() -> None:
    """Magento store connection."""


@magento.command("check")
@click.argument("company")
@click.pass_obj
def check(context: AppContext, company: str) -> None:
    """Connect to COMPANY's Magento and report store, timezone, currencies, sources, counts;
    fails when QuickBooks' home currency or edition cannot book what the store sells."""
    with service_errors():
        report = store.check_magento(context, company)
    _print_report(report)
    warning = store.tax_agency_warning(context, company)
    if warning:
        click.echo(f"  warning:    {warning}")
    problem = store.currency_problem(context, company, report) or \
        store.tax_edition_problem(context, company)
    if problem:
        raise click.ClickException(problem)


def register(cli: click.Group) -> None:
    cli.add_command(fake_magento)
    cli.add_command(magento)
