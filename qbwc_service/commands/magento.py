"""Magento commands: ``fake-magento`` (a local fake store) and ``magento check COMPANY``."""

from __future__ import annotations

import json
from typing import Any

import click

from magento_client.config import MagentoConfig
from magento_client.diagnose import StoreReport, check_store, explain
from magento_client.exceptions import MagentoConfigError, MagentoError
from magento_client.fake import FakeMagento, FakeStore, FaultSpec
from qbwc_service.context import AppContext

__all__ = ["magento_config_for", "register"]


def magento_config_for(context: AppContext, company: str) -> MagentoConfig:
    """The ``[companies.NAME.magento]`` table of the configuration, as a client config."""
    companies: dict[str, Any] = context.settings.extra.get("companies") or {}
    table = (companies.get(company) or {}).get("magento")
    if not table:
        known = ", ".join(sorted(companies)) or "none"
        raise click.ClickException(
            f"no [companies.{company}.magento] table in the configuration (companies: {known})")
    try:
        return MagentoConfig.from_mapping(table)
    except MagentoConfigError as exc:
        raise click.ClickException(f"[companies.{company}.magento]: {exc.message}") from exc


def _print_report(report: StoreReport) -> None:
    store = report.store
    click.echo(f"Magento at {report.base_url} (store code {report.store_code!r}): connected")
    if store is not None:
        click.echo(f"  store:      {store.code} (id {store.id}, website {store.website_id})")
        click.echo(f"  timezone:   {store.timezone}")
        click.echo(f"  currencies: base {store.base_currency_code}, "
                   f"display {store.default_display_currency_code}")
    click.echo("  stores:     " + ", ".join(f"{c.code} ({c.base_currency_code}/"
                                             f"{c.default_display_currency_code}, {c.timezone})"
                                             for c in report.store_configs))
    if report.sources is not None:
        click.echo("  sources:    " + ", ".join(
            s.source_code + ("" if s.enabled else " (disabled)") for s in report.sources))
    click.echo("  counts:     " + ", ".join(f"{name} {count}" for name, count in report.counts.items()))
    for warning in report.warnings:
        click.echo(f"  warning:    {warning}")


def _check_tax_edition(context: AppContext, company: str) -> None:
    """Refuse, after the store report, a company file whose QuickBooks edition the US sales
    tax mapping cannot book (known once the Web Connector has connected)."""
    from qbwc_service.sync.exceptions import SyncError
    from qbwc_service.sync.plan import CompanyFacts
    from qbwc_service.sync.posting import check_tax_edition
    from qbwc_service.sync.runner import get_company

    with context.db.session() as session:
        try:
            facts = CompanyFacts.from_company(get_company(session, company))
        except SyncError:
            return  # no company file set up yet: nothing known about its edition
        try:
            check_tax_edition(facts)
        except SyncError as exc:
            raise click.ClickException(str(exc)) from exc


def register(cli: click.Group) -> None:
    @cli.command("fake-magento")
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

    @cli.group("magento")
    def magento() -> None:
        """Magento store connection."""

    @magento.command("check")
    @click.argument("company")
    @click.pass_obj
    def check(context: AppContext, company: str) -> None:
        """Connect to COMPANY's Magento and report store, timezone, currencies, sources, counts."""
        config = magento_config_for(context, company)
        try:
            report = check_store(config)
        except MagentoError as error:
            raise click.ClickException(explain(config, error)) from error
        _print_report(report)
        _check_tax_edition(context, company)
