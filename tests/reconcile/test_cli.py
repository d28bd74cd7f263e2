"""``qbwc-service reconcile``: reads the latest run of a period or starts one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qbwc_service.cli import cli
from qbwc_service.db import Database
from qbwc_service.services import reconciliation as service
from tests.sync.fakeclient import FakeMagento, one_invoice_client
from tests.sync.posting import company_database, post_all, simulator


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        '[companies.acme.magento]\nbase_url = "http://127.0.0.1:9"\n'
        '[companies.acme.reconciliation]\n'
        'transaction_types = ["Invoice", "SalesReceipt", "CreditMemo", "ReceivePayment"]\n'
        "deleted_query = false\n", encoding="utf-8")
    company_database(tmp_path / "qbwc.sqlite3")
    return path


@pytest.fixture
def store(monkeypatch: pytest.MonkeyPatch) -> FakeMagento:
    client = one_invoice_client()
    monkeypatch.setattr(service, "magento_client_for", lambda settings, name: client)
    return client


def _run(config_file: Path, *args: str) -> Any:
    return CliRunner().invoke(cli, ["--config", str(config_file), "reconcile", *args])


def test_first_call_starts_a_run_that_waits_for_the_web_connector(config_file, store) -> None:
    """No run yet: one is started and the JSON says it is waiting, with no verdict."""
    result = _run(config_file, "acme", "--date", "2024-03-01", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["status"] == "waiting" and report["documents"] == 1
    assert report["variances"] == []
    text = _run(config_file, "acme", "--date", "2024-03-01")
    assert "waiting for the Web Connector" in text.output and "no variances" not in text.output


def test_after_the_web_connector_the_run_lists_the_unposted_invoice(config_file, store,
                                                                     tmp_path: Path) -> None:
    """Answered by QuickBooks, the same command prints the comparison, reason by reason."""
    first = json.loads(_run(config_file, "acme", "--date", "2024-03-01", "--json").output)
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    post_all(database, 1, simulator(tmp_path))
    database.dispose()
    result = _run(config_file, "acme", "--date", "2024-03-01", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["run"] == first["run"] and report["status"] == "complete"
    assert [(v["reason"], v["magento_ref"], v["magento_amount"], v["quickbooks_amount"])
            for v in report["variances"]] == [("not_posted", "000000001", "10.00", None)]
    assert {"reason", "magento_ref", "quickbooks_ref", "magento_amount", "quickbooks_amount",
            "account"} <= set(report["variances"][0])
    assert report["days"][0]["magento"]["invoiced"] == "10.00"
    refreshed = json.loads(_run(config_file, "acme", "--date", "2024-03-01", "--refresh",
                                "--json").output)
    assert refreshed["run"] == first["run"] + 1 and refreshed["status"] == "waiting"


@pytest.mark.parametrize(("args", "message"), [
    (["acme", "--from", "2024-03-02", "--to", "2024-03-01"], "is after --to"),
    (["acme", "--date", "2024-03-01", "--from", "2024-03-01"], "either --date"),
    (["acme", "--date", "March"], "is not a date"),
    (["nobody", "--date", "2024-03-01"], "nobody"),
])
def test_argument_mistakes_are_clear_errors(config_file, store, args: list[str],
                                            message: str) -> None:
    """A period backwards, mixed options, a bad date or an unknown company: non-zero exit."""
    result = _run(config_file, *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_failed_run_is_shown_with_its_reason_and_exits_1(config_file, store,
                                                           tmp_path: Path) -> None:
    """QuickBooks refused a query: the run says which and why, until --refresh."""
    from qbwc_service.db.models import Request
    from qbwc_service.queue import cancel

    first = json.loads(_run(config_file, "acme", "--date", "2024-03-01", "--json").output)
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    with database.session() as session:
        account_query = next(r for r in session.query(Request).all()
                             if r.idempotency_key.endswith(":accounts"))
        cancel(session, account_query.id, actor="test")
    post_all(database, 1, simulator(tmp_path))
    database.dispose()
    result = _run(config_file, "acme", "--date", "2024-03-01")
    assert result.exit_code == 1
    assert "failed" in result.output and "AccountQuery was canceled" in result.output
    again = json.loads(_run(config_file, "acme", "--date", "2024-03-01", "--refresh",
                            "--json").output)
    assert again["run"] == first["run"] + 1 and again["status"] == "waiting"


def test_an_unreachable_store_is_a_clear_error(config_file, store, monkeypatch) -> None:
    """Magento does not answer: one line saying so, no traceback, no run."""
    from magento_client.exceptions import MagentoTransportError

    def refuse(criteria: Any = None) -> Any:
        raise MagentoTransportError("connection refused")

    monkeypatch.setattr(store, "invoices", refuse)
    result = _run(config_file, "acme", "--date", "2024-03-01")
    assert result.exit_code == 1
    assert "Magento store could not be read" in result.output
    assert "connection refused" in result.output and "Traceback" not in result.output


def test_a_misspelt_reconciliation_setting_is_refused(tmp_path: Path, store) -> None:
    """A key the reconciliation table does not know is named, never silently ignored."""
    path = tmp_path / "config.toml"
    path.write_text('[companies.acme.magento]\nbase_url = "http://127.0.0.1:9"\n'
                    "[companies.acme.reconciliation]\nrefund_share_of_sale = \"0.2\"\n",
                    encoding="utf-8")
    company_database(tmp_path / "qbwc.sqlite3")
    result = _run(path, "acme", "--date", "2024-03-01")
    assert result.exit_code != 0
    assert "refund_share_of_sale is not a setting" in result.output
    assert "Traceback" not in result.output
