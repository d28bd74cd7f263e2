"""`user` and `web-user`: list, disable, enable, remove, unlock and password, each audited."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from qbwc_service.cli import cli
from qbwc_service.db import Database
from qbwc_service.db.models import AuditEvent, QbwcUser, WcRun, WebUser
from qbwc_service.settings import load_settings

PASSWORD = "a long passphrase"
NEW_PASSWORD = "another long passphrase"


def _run(data: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(data), *args], input=stdin)
    return result.exit_code, result.output


@pytest.fixture
def data(tmp_path: Path) -> Path:
    folder = tmp_path / "data"
    assert _run(folder, "company", "add", "Shop")[0] == 0
    assert _run(folder, "user", "add", "Shop", "shop-qbwc", "--password-stdin",
                stdin=PASSWORD + "\n")[0] == 0
    assert _run(folder, "web-user", "add", "carol", "--role", "bookkeeper", "--password-stdin",
                stdin=PASSWORD + "\n")[0] == 0
    return folder


@pytest.fixture
def database(data: Path) -> Iterator[Database]:
    db = Database(load_settings(None, environ={}, data_dir=data).resolved_database_url)
    yield db
    db.dispose()


def _login(data: Path, password: str = PASSWORD) -> str:
    """What authenticate answers in position 1 over the real SOAP endpoint."""
    from werkzeug.test import Client

    from qbwc_service.app import SoapEndpoint
    from qbwc_service.context import AppContext
    from qbwc_service.handlers import Registry
    from qbwc_service.qbwc.runs import Runs
    from qbwc_service.qbwc.soap import make_soap_app
    from tests.protocol.wc_envelopes import envelope, headers, result, strings

    settings = load_settings(None, environ={}, data_dir=data)
    db = Database(settings.resolved_database_url)
    try:
        soap = make_soap_app(Runs(AppContext(settings, _database=db), handlers=Registry()),
                             public_url=settings.soap_url)
        reply = Client(SoapEndpoint(soap, settings.support_url)).post(
            "/qbwc", headers=headers("authenticate"),
            data=envelope("authenticate", strUserName="shop-qbwc", strPassword=password))
        return strings(result(reply.get_data(), "authenticate"))[1] or ""
    finally:
        db.dispose()


def test_user_list_shows_company_and_state(data: Path) -> None:
    """Each Web Connector user with its company and whether it is active."""
    code, output = _run(data, "user", "list")
    assert code == 0, output
    assert "shop-qbwc" in output and "Shop" in output and "active" in output


def test_disable_refuses_login_and_enable_restores_it(data: Path) -> None:
    """A disabled Web Connector user gets "nvu" even with the right password."""
    assert _login(data) == "none"
    code, output = _run(data, "user", "disable", "shop-qbwc")
    assert code == 0 and "Web Connector user 'shop-qbwc' disabled." in output
    assert "disabled" in _run(data, "user", "list")[1]
    assert _login(data) == "nvu"
    assert _run(data, "user", "enable", "shop-qbwc")[0] == 0
    assert _login(data) == "none"


def test_unlock_ends_a_lockout(data: Path, database: Database) -> None:
    """A user throttled after wrong passwords waits ("busy"), and logs in again once unlocked."""
    for _ in range(5):
        assert _login(data, "wrong password") == "nvu"
    assert _login(data) == "busy"  # the right password waits out the delay, it is not "wrong"
    code, output = _run(data, "user", "unlock", "shop-qbwc")
    assert code == 0 and "unlocked" in output
    assert _login(data) == "none"


def test_password_reset(data: Path) -> None:
    """The new password works and the old one no longer does; short ones are refused (exit 2)."""
    code, output = _run(data, "user", "password", "shop-qbwc", "--password-stdin",
                        stdin=NEW_PASSWORD + "\n")
    assert code == 0 and "has a new password" in output
    assert _login(data, NEW_PASSWORD) == "none"
    assert _login(data, PASSWORD) == "nvu"
    code, output = _run(data, "user", "password", "shop-qbwc", "--password-stdin", stdin="short\n")
    assert code == 2 and "at least 8 characters" in output


def test_remove_refuses_a_user_with_runs_in_the_log(data: Path, database: Database) -> None:
    """A user whose runs are in the log is kept (disable it instead); one without runs goes."""
    assert _login(data) == "none"  # one run in the log
    code, output = _run(data, "user", "remove", "shop-qbwc")
    assert code == 1 and "disable it instead" in output
    assert _run(data, "user", "add", "Shop", "spare", "--password-stdin", stdin=PASSWORD + "\n")[0] == 0
    code, output = _run(data, "user", "remove", "spare")
    assert code == 0 and "removed" in output
    with database.session() as session:
        assert session.scalars(select(QbwcUser.username)).all() == ["shop-qbwc"]
        assert session.scalars(select(WcRun)).first() is not None


def test_unknown_user_is_exit_one(data: Path) -> None:
    """A name that does not exist is a failed operation with the command that lists names."""
    code, output = _run(data, "user", "disable", "nobody")
    assert code == 1 and "no Web Connector user named 'nobody'" in output
    code, output = _run(data, "web-user", "unlock", "nobody")
    assert code == 1 and "no console user named 'nobody'" in output


def test_web_user_verbs_and_audit_trail(data: Path, database: Database) -> None:
    """Console people get the same verbs; every change is in the audit trail, no password."""
    for args in (("disable", "carol"), ("enable", "carol"), ("unlock", "carol")):
        code, output = _run(data, "web-user", *args)
        assert code == 0, output
    assert _run(data, "web-user", "password", "carol", "--password-stdin",
                stdin=NEW_PASSWORD + "\n")[0] == 0
    assert "carol" in _run(data, "web-user", "list")[1]
    assert _run(data, "web-user", "remove", "carol")[0] == 0
    assert _run(data, "user", "disable", "shop-qbwc")[0] == 0
    with database.session() as session:
        assert session.scalars(select(WebUser)).first() is None
        events = session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    actions = [event.action for event in events]
    assert actions[-6:] == ["web-user disable", "web-user enable", "web-user unlock",
                            "web-user password", "web-user remove", "user disable"]
    assert all(event.actor.startswith("cli") for event in events)
    assert all(NEW_PASSWORD not in str(event.after) for event in events)


def test_disabled_console_user_cannot_sign_in(data: Path, database: Database) -> None:
    """The console refuses a disabled person like a wrong password."""
    from qbwc_service.qbwc.auth import AuthOutcome, LoginPolicy
    from qbwc_service.services.console_auth import sign_in

    with database.session() as session:
        outcome = sign_in(session, "carol", PASSWORD, address="127.0.0.1",
                          policy=LoginPolicy()).outcome
    assert outcome is AuthOutcome.OK
    assert _run(data, "web-user", "disable", "carol")[0] == 0
    with database.session() as session:
        outcome = sign_in(session, "carol", PASSWORD, address="127.0.0.1",
                          policy=LoginPolicy()).outcome
    assert outcome is AuthOutcome.BAD_CREDENTIALS


def test_add_without_a_terminal_explains_password_stdin(tmp_path: Path) -> None:
    """No terminal and no --password-stdin: one line and exit 2, no GetPassWarning or traceback."""
    data = tmp_path / "data"
    assert _run(data, "company", "add", "Shop")[0] == 0
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from qbwc_service.cli import main; sys.exit(main())",
         "--data-dir", str(data), "user", "add", "Shop", "u1"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "GetPassWarning" not in done.stderr and "Traceback" not in done.stderr
    assert "use --password-stdin" in done.stderr
