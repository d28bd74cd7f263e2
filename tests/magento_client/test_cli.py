"""``qbwc-service magento check`` and ``qbwc-service fake-magento``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from magento_client.client import MagentoClient
from magento_client.config import MagentoConfig
from magento_client.fake import FakeMagento
from qbwc_service.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _check(tmp_path: Path, table: dict[str, object]) -> tuple[int, str]:
    lines = ["[companies.acme.magento]"] + [f"{key} = {json.dumps(value)}" for key, value in table.items()]
    config = tmp_path / "config.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "--data-dir", str(tmp_path),
                                      "magento", "check", "acme"])
    return result.exit_code, result.output


def _table(fake: FakeMagento, **overrides: object) -> dict[str, object]:
    return {"base_url": fake.base_url, **fake.store.credentials.as_dict(), "max_retries": 0,
            **overrides}


def test_check_reports_store_timezone_currencies_sources_counts(tmp_path: Path, fake: FakeMagento) -> None:
    """A working OAuth connection prints the store, timezone, currencies, sources and counts."""
    code, output = _check(tmp_path, _table(fake))
    assert code == 0, output
    assert "timezone:   America/Chicago" in output
    assert "base USD, display USD" in output and "eu_fr (USD/EUR, Europe/Paris)" in output
    assert "central" in output and "eu_lyon" in output
    assert f"orders {len(fake.store.orders)}" in output


def test_check_warns_when_no_tax_agency_is_configured(tmp_path: Path, fake: FakeMagento) -> None:
    """Sales tax items need the vendor the tax is owed to: without one check says how to set
    it; with one the warning is gone."""
    code, output = _check(tmp_path, _table(fake))
    assert code == 0 and "warning:    no tax agency: set [companies.NAME.mapping.tax] agency" in output
    config = tmp_path / "config.toml"
    config.write_text(config.read_text(encoding="utf-8")
                      + '[companies.acme.mapping.tax]\nagency = "State Board"\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "--data-dir", str(tmp_path),
                                      "magento", "check", "acme"])
    assert result.exit_code == 0, result.output
    assert "no tax agency" not in result.output


def test_check_explains_refused_bearer_token(tmp_path: Path, fake: FakeMagento) -> None:
    """Bearer mode on a 2.4.4+ store: the diagnosis names OAuth signing and the option."""
    code, output = _check(tmp_path, _table(fake, auth_mode="bearer"))
    assert code == 1
    assert "2.4.4" in output and "enable_integration_as_bearer" in output and "oauth" in output


def test_check_explains_two_factor_blocking_admin_tokens(tmp_path: Path, fake: FakeMagento) -> None:
    """Admin mode with 2FA on: the diagnosis says an unattended service cannot use it."""
    code, output = _check(tmp_path, {"base_url": fake.base_url, "auth_mode": "admin",
                                     "username": "admin", "password": "admin123"})
    assert code == 1 and "Two-factor" in output


def test_check_explains_clock_skew(tmp_path: Path, fake: FakeMagento) -> None:
    """A server clock an hour away: the diagnosis says to synchronise the clocks."""
    fake.clock_offset_seconds = 3600
    code, output = _check(tmp_path, _table(fake))
    assert code == 1 and "clock" in output


def test_check_explains_wrong_store_code(tmp_path: Path, fake: FakeMagento) -> None:
    """An unknown store code: the diagnosis lists the codes that exist."""
    code, output = _check(tmp_path, _table(fake, store_code="shop_uk"))
    assert code == 1
    assert "'shop_uk' does not exist" in output and "default, eu_fr" in output


def test_check_unknown_company_and_bad_table(tmp_path: Path, fake: FakeMagento) -> None:
    """Missing or mistyped configuration is reported without a traceback."""
    code, output = _check(tmp_path, _table(fake, page_sise=10))
    assert code == 1 and "page_sise" in output
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "magento", "check", "nobody"])
    assert result.exit_code == 1 and "companies.nobody.magento" in result.output


def _company_reported(tmp_path: Path, **reported: object) -> None:
    """Company "acme" as its last Web Connector connection left it: what QuickBooks said."""
    from qbwc_service.context import AppContext
    from qbwc_service.db.models import Company
    from qbwc_service.qbwc.qwc import new_guid
    from qbwc_service.settings import load_settings

    ctx = AppContext(load_settings(tmp_path / "config.toml", environ={}))
    with ctx.db.session() as session:
        session.add(Company(name="acme", qbxml_version="13.0", every_minutes=15,
                            file_id=new_guid(), **reported))
    ctx.db.dispose()


@pytest.mark.parametrize(("home", "country"), [("Euro", "US"), (None, "UK")])
def test_check_refuses_a_base_currency_other_than_quickbooks_home_currency(
        tmp_path: Path, fake: FakeMagento, home: str | None, country: str) -> None:
    """QuickBooks reported another home currency than Magento's base (USD): one line names
    both and says what to make the same; a company whose home currency is the dollar is
    not refused for it."""
    code, output = _check(tmp_path, _table(fake))
    assert code == 0, output
    _company_reported(tmp_path, home_currency=home, qb_country=country)
    code, output = _check(tmp_path, _table(fake))
    assert code == 1
    error = [line for line in output.splitlines() if line.startswith("Error:")]
    if home is None:
        assert "Magento's base currency" not in output  # the UK edition's tax is refused
        return
    assert error == ["Error: Magento's base currency is USD but QuickBooks' home currency is "
                     "Euro; amounts would be booked in the wrong currency. Make them the same "
                     "(Magento: Stores > Configuration > Currency Setup, base currency) "
                     "before syncing."]


def test_check_accepts_the_same_base_and_home_currency(tmp_path: Path,
                                                       fake: FakeMagento) -> None:
    """QuickBooks' home currency US Dollar and Magento's base USD: the check passes."""
    _check(tmp_path, _table(fake))
    _company_reported(tmp_path, home_currency="US Dollar", qb_country="US")
    code, output = _check(tmp_path, _table(fake))
    assert code == 0, output


def test_admin_mode_without_two_factor_works(fake: FakeMagento) -> None:
    """With 2FA off, admin mode fetches a token once and reads with it."""
    fake.store.two_factor_enabled = False
    config = MagentoConfig(base_url=fake.base_url, auth_mode="admin", username="admin",
                           password="admin123")
    with MagentoClient(config) as client:
        assert client.order(1).entity_id == 1 and client.order(2).entity_id == 2
    assert sum(1 for r in fake.requests if r.path.endswith("/admin/token")) == 1


@pytest.mark.slow
def test_fake_magento_command_prints_credentials_and_serves(tmp_path: Path) -> None:
    """The foreground fake prints one JSON line whose URL and credentials work."""
    process = subprocess.Popen(
        [sys.executable, "-m", "qbwc_service.cli", "--data-dir", str(tmp_path), "fake-magento",
         "--orders", "6", "--seed", "4"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = json.loads(process.stdout.readline())
        assert set(line) == {"base_url", "store_code", "consumer_key", "consumer_secret",
                             "access_token", "access_token_secret"}
        config = MagentoConfig.from_mapping(line)
        with MagentoClient(config) as client:
            assert len(list(client.orders())) == 6
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_check_refuses_a_non_us_quickbooks_edition(tmp_path: Path, fake: FakeMagento) -> None:
    """Once QuickBooks reported a UK edition for the company, check names VAT/GST and fails."""
    from qbwc_service.db import Database
    from qbwc_service.db.models import Company

    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    database.upgrade()
    with database.session() as session:
        session.add(Company(name="acme", file_id="{0}", qb_country="UK"))
    database.dispose()
    code, output = _check(tmp_path, _table(fake))
    assert code == 1 and "UK edition" in output and "VAT/GST" in output
    assert "Traceback" not in output
