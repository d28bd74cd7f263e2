"""The `sync` and `reconcile` commands."""

from __future__ import annotations

import json
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from qbwc_service.cli import cli
from qbwc_service.commands import sync as sync_command
from qbwc_service.db import Database

from .factories import Line, OrderBuilder
from .fakeclient import FakeMagento
from .posting import add_company


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[companies.acme.magento]\nbase_url = "http://127.0.0.1:9"\n'
                    '[companies.acme.mapping]\nguest_customers = "shared"\n', encoding="utf-8")
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    database.upgrade()
    with database.session() as session:
        add_company(session)
    database.dispose()
    return path


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeMagento:
    builder = OrderBuilder().add(Line("A", D("10.00")))
    client = FakeMagento(orders=[builder.order()], invoices=[builder.invoice()], creditmemos=[])
    client.invoices = lambda criteria=None: iter(client.documents["invoices"])  # type: ignore[attr-defined]
    client.credit_memos = lambda criteria=None: iter([])  # type: ignore[attr-defined]
    monkeypatch.setattr(sync_command, "make_client", lambda ctx, name: client)
    return client


def test_sync_dry_run_prints_the_plan_and_queues_nothing(config_file, store) -> None:
    """--dry-run lists operations and keys, and says nothing was queued."""
    result = CliRunner().invoke(cli, ["--config", str(config_file), "sync", "acme",
                                      "--entity", "invoices", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "InvoiceAdd" in result.output and "invoice:1" in result.output
    assert "dry run: nothing queued" in " ".join(result.output.split())


def test_sync_then_reconcile_json_lists_the_unposted_invoice(config_file, store) -> None:
    """After a real pull nothing is posted yet: reconcile --json reports it by reason."""
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config_file), "sync", "acme", "--since",
                                 "2024-01-01"])
    assert result.exit_code == 0, result.output
    assert "queued" in result.output
    result = runner.invoke(cli, ["--config", str(config_file), "reconcile", "acme", "--date",
                                 "2024-03-01", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [v["reason"] for v in report["variances"]] == ["not yet posted"]
    assert report["days"][0]["magento"]["invoiced"] == "10.00"


def test_reconcile_rejects_mixed_date_options(config_file, store) -> None:
    """--date together with --from is a usage error."""
    result = CliRunner().invoke(cli, ["--config", str(config_file), "reconcile", "acme",
                                      "--date", "2024-03-01", "--from", "2024-03-01"])
    assert result.exit_code != 0 and "either --date" in result.output


def test_unknown_company_is_a_clear_error(config_file, store) -> None:
    """Syncing a company that does not exist names it."""
    result = CliRunner().invoke(cli, ["--config", str(config_file), "sync", "nobody"])
    assert result.exit_code != 0 and "nobody" in result.output


def test_sync_initial_refuses_unless_magento_keeps_the_stock(config_file, store) -> None:
    """--initial needs inventory_direction = magento_to_quickbooks; it says so, briefly,
    and cannot be combined with --entity."""
    runner = CliRunner()
    result = runner.invoke(cli, ["--config", str(config_file), "sync", "acme", "--initial",
                                 "--dry-run"])
    assert result.exit_code == 1
    assert "magento_to_quickbooks" in result.output and "Traceback" not in result.output
    result = runner.invoke(cli, ["--config", str(config_file), "sync", "acme", "--initial",
                                 "--entity", "orders"])
    assert result.exit_code == 2 and "either --initial or --entity" in result.output
