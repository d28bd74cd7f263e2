"""The `sync` command and its use case (``reconcile`` is tested under tests/reconcile)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from qbwc_service.cli import cli
from qbwc_service.context import AppContext
from qbwc_service.services import sync
from qbwc_service.services.exceptions import ServiceError
from qbwc_service.settings import load_settings
from qbwc_service.sync.config import load_company_config

from .fakeclient import FakeMagento, one_invoice_client
from .posting import company_database


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text('[companies.acme.magento]\nbase_url = "http://127.0.0.1:9"\n'
                    '[companies.acme.mapping]\nguest_customers = "shared"\n', encoding="utf-8")
    company_database(tmp_path / "qbwc.sqlite3")
    return path


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeMagento:
    client = one_invoice_client()
    monkeypatch.setattr(sync, "magento_client_for", lambda settings, name: client)
    return client


def test_sync_dry_run_prints_the_plan_and_queues_nothing(config_file, store) -> None:
    """--dry-run lists operations and keys, and says nothing was queued."""
    result = CliRunner().invoke(cli, ["--config", str(config_file), "sync", "acme",
                                      "--entity", "invoices", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "InvoiceAdd" in result.output and "invoice:1" in result.output
    assert "dry run: nothing queued" in " ".join(result.output.split())


def test_unknown_company_is_a_clear_error(config_file, store) -> None:
    """Syncing a company that does not exist names it."""
    result = CliRunner().invoke(cli, ["--config", str(config_file), "sync", "nobody"])
    assert result.exit_code != 0 and "nobody" in result.output


def test_sync_prints_read_and_queued_per_entity(config_file, store) -> None:
    """`sync` says, for each kind of document, how many it read and queued; the lines add up."""
    result = CliRunner().invoke(cli, ["--config", str(config_file), "sync", "acme", "--since",
                                      "2024-01-01"])
    assert result.exit_code == 0, result.output
    per_entity = {line.split(":")[0]: line for line in result.output.splitlines()
                  if line.startswith(("orders:", "invoices:", "creditmemos:"))}
    assert per_entity["orders"].startswith("orders: read 1, queued ")
    assert per_entity["invoices"].startswith("invoices: read 1, queued ")
    assert per_entity["creditmemos"] == "creditmemos: read 0, queued 0"
    queued = sum(int(line.rsplit(" ", 1)[1]) for line in per_entity.values())
    assert f"queued {queued} new, 0 changed" in " ".join(result.output.split())
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


def test_pull_reads_the_documents_from_the_start_of_the_day_given(config_file, store) -> None:
    """By default the sales documents are read; `since` is a day, read from its midnight UTC
    less the overlap; a company the database does not know is a ServiceError naming it."""
    ctx = AppContext(load_settings(config_file, environ={}))
    report = sync.pull(ctx, "acme", since=date(2024, 1, 1), dry_run=True)
    overlap = timedelta(minutes=load_company_config(ctx.settings, "acme").overlap_minutes)
    start = datetime(2024, 1, 1, tzinfo=UTC) - overlap
    assert store.pulls == [("orders", start), ("invoices", start), ("creditmemos", start)]
    assert report.dry_run and report.created > 0
    with pytest.raises(ServiceError, match="nobody"):
        sync.pull(ctx, "nobody")
