"""`company set` / `company show`: IT changes a company's schedule and version after set-up."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select
from werkzeug.test import Client

from qbwc_service.cli import cli
from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import AuditEvent, Company
from qbwc_service.settings import load_settings

from .wc_envelopes import envelope, headers, result, strings

PASSWORD = "a long passphrase"


def _run(data: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result_ = CliRunner().invoke(cli, ["--data-dir", str(data), *args], input=stdin)
    return result_.exit_code, result_.output


@pytest.fixture
def data(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "data"
    assert _run(folder, "company", "add", "Smith Trading", "--every-minutes", "10")[0] == 0
    assert _run(folder, "user", "add", "Smith Trading", "smith-qbwc", "--password-stdin",
                stdin=PASSWORD + "\n")[0] == 0
    yield folder


def _authenticate(folder: Path) -> list[str | None]:
    from qbwc_service.app import SoapEndpoint
    from qbwc_service.handlers import Registry
    from qbwc_service.qbwc.runs import Runs
    from qbwc_service.qbwc.soap import make_soap_app

    settings = load_settings(None, environ={}, data_dir=folder)
    database = Database(settings.resolved_database_url)
    try:
        ctx = AppContext(settings, _database=database)
        soap = make_soap_app(Runs(ctx, handlers=Registry()), public_url=settings.soap_url)
        client = Client(SoapEndpoint(soap, settings.support_url))
        reply = client.post("/qbwc", headers=headers("authenticate"), data=envelope(
            "authenticate", strUserName="smith-qbwc", strPassword=PASSWORD))
        assert reply.status_code == 200
        return strings(result(reply.get_data(), "authenticate"))
    finally:
        database.dispose()


def test_changed_interval_reaches_authenticate_and_qwc(data: Path) -> None:
    """The next authenticate and a new .qwc carry the interval set after the company was added."""
    assert _authenticate(data)[3] == "600"
    code, output = _run(data, "company", "set", "Smith Trading", "--every-minutes", "30")
    assert code == 0, output
    assert "every 30 min" in output
    assert _authenticate(data)[3] == "1800"
    code, qwc = _run(data, "qwc", "Smith Trading")
    assert code == 0, qwc
    assert etree.fromstring(qwc.encode()).findtext("Scheduler/RunEveryNMinutes") == "30"


def test_set_changes_only_what_is_given_and_show_reports_it(data: Path) -> None:
    """Version, approval and closing-date policy change; the interval stays; show says so."""
    code, output = _run(data, "company", "set", "Smith Trading", "--qbxml-version", "13.0",
                        "--approval-required", "--closing-date-policy", "post_on_open_date")
    assert code == 0, output
    code, shown = _run(data, "company", "show", "Smith Trading")
    assert code == 0, shown
    assert "qbXML version:        13.0" in shown
    assert "every 10 min" in shown
    assert "Approval required:    yes" in shown
    assert "post_on_open_date (from the company)" in shown
    assert "smith-qbwc" in shown
    assert _run(data, "company", "set", "Smith Trading", "--no-approval-required")[0] == 0
    assert "Approval required:    no" in _run(data, "company", "show", "Smith Trading")[1]


def test_new_companies_negotiate_automatically(data: Path) -> None:
    """A company added without --qbxml-version is 'auto'."""
    code, shown = _run(data, "company", "show", "Smith Trading")
    assert code == 0, shown
    assert "qbXML version:        auto" in shown
    assert "hold (from the config file)" in shown


def test_changes_are_recorded_in_the_audit_trail(data: Path) -> None:
    """Each change names who made it and the values before and after."""
    assert _run(data, "company", "set", "Smith Trading", "--every-minutes", "45")[0] == 0
    database = Database(load_settings(None, environ={}, data_dir=data).resolved_database_url)
    try:
        with database.session() as session:
            event = session.scalars(select(AuditEvent).where(AuditEvent.action == "company.set")).one()
            assert event.actor.startswith("cli")
            assert event.before == {"every_minutes": 10}
            assert event.after == {"every_minutes": 45}
    finally:
        database.dispose()


def test_rename_keeps_the_users_and_refuses_a_taken_name(data: Path) -> None:
    """A rename keeps the company's users; a name already in use is refused with exit 1."""
    assert _run(data, "company", "add", "Other")[0] == 0
    code, output = _run(data, "company", "set", "Smith Trading", "--rename", "Other")
    assert code == 1 and "already exists" in output
    code, output = _run(data, "company", "set", "Smith Trading", "--rename", "Smith Ltd")
    assert code == 0, output
    assert "smith-qbwc" in _run(data, "company", "show", "Smith Ltd")[1]
    code, output = _run(data, "company", "show", "Smith Trading")
    assert code == 1 and "no company named 'Smith Trading'" in output


def test_rename_refused_while_the_config_keys_the_old_name(tmp_path: Path) -> None:
    """A company whose Magento table in the config is keyed by name cannot lose it silently."""
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "config.toml").write_text(
        '[companies."Shop".mapping]\nclosing_date_policy = "post_on_open_date"\n', encoding="utf-8")
    assert _run(folder, "company", "add", "Shop")[0] == 0
    assert "post_on_open_date (from the config file)" in _run(folder, "company", "show", "Shop")[1]
    code, output = _run(folder, "company", "set", "Shop", "--rename", "Shop Ltd")
    assert code == 1
    assert '[companies."Shop"]' in output and "first" in output


def test_bad_values_are_usage_errors(data: Path) -> None:
    """Out-of-range intervals, unknown versions and an empty change exit 2 with a reason."""
    code, output = _run(data, "company", "set", "Smith Trading", "--every-minutes", "0")
    assert code == 2 and "--every-minutes" in output
    code, output = _run(data, "company", "set", "Smith Trading", "--qbxml-version", "99.0")
    assert code == 2 and "99.0" in output
    code, output = _run(data, "company", "set", "Smith Trading")
    assert code == 2 and "nothing to change" in output
    code, output = _run(data, "company", "set", "Nobody", "--every-minutes", "5")
    assert code == 1 and "no company named 'Nobody'" in output


def test_demo_seconds_interval_is_replaced_by_a_set_interval(data: Path) -> None:
    """A seconds interval no longer wins over minutes set afterwards."""
    database = Database(load_settings(None, environ={}, data_dir=data).resolved_database_url)
    try:
        with database.session() as session:
            session.scalars(select(Company)).one().every_seconds = 20
        assert _run(data, "company", "set", "Smith Trading", "--every-minutes", "5")[0] == 0
        with database.session() as session:
            company = session.scalars(select(Company)).one()
            assert (company.every_minutes, company.every_seconds) == (5, None)
    finally:
        database.dispose()


def test_auto_speaks_the_highest_version_both_sides_support() -> None:
    """'auto' takes QuickBooks' highest version up to the newest this service writes."""
    from qbwc_service.qbxml import SERVICE_VERSIONS, negotiate_version

    assert negotiate_version("auto", ["12.0", "13.0", "16.0"]) == "16.0"
    assert negotiate_version("auto", ["12.0", "13.0"]) == "13.0"
    assert negotiate_version("auto", ["99.0"]) is None
    assert SERVICE_VERSIONS[-1] == "16.0"


def test_the_companys_closing_date_policy_wins_over_the_config(tmp_path: Path) -> None:
    """What `company set` stored is the policy the sync plans with."""
    from qbwc_service.sync.config import effective_company_config

    folder = tmp_path / "data"
    assert _run(folder, "company", "add", "Shop")[0] == 0
    assert _run(folder, "company", "set", "Shop", "--closing-date-policy", "post_on_open_date")[0] == 0
    settings = load_settings(None, environ={}, data_dir=folder)
    database = Database(settings.resolved_database_url)
    try:
        with database.session() as session:
            company = session.scalars(select(Company)).one()
            assert effective_company_config(settings, company).closing_date_policy == "post_on_open_date"
    finally:
        database.dispose()


@pytest.mark.parametrize(("setting", "spoken"), [("auto", "16.0"), ("13.0", "13.0")])
def test_the_version_spoken_on_the_wire(make_shop, setting: str, spoken: str) -> None:  # type: ignore[no-untyped-def]
    """auto speaks the highest version QuickBooks reports (16.0 here); a pinned one stays."""
    from .test_wire import _enqueue_customers, _login, _send
    from .wc_envelopes import hcp

    shop = make_shop(qbxml_version=setting)
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    assert ticket
    request_xml = _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    assert f'<?qbxml version="{spoken}"?>' in request_xml


def test_a_wrong_mapping_value_is_named_not_a_traceback(tmp_path: Path) -> None:
    """company show with a bad closing_date_policy in the config names it (exit 2)."""
    folder = tmp_path / "data"
    assert _run(folder, "company", "add", "Shop")[0] == 0
    (folder / "config.toml").write_text(
        '[companies."Shop".mapping]\nclosing_date_policy = "later"\n', encoding="utf-8")
    code, output = _run(folder, "company", "show", "Shop")
    assert code == 2
    assert "companies.Shop.mapping.closing_date_policy" in output
    assert "Traceback" not in output
