"""`simulate` fails loudly: a wrong URL or password is a sentence and a non-zero exit status."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from qbwc_service.app import make_app
from qbwc_service.cli import cli
from qbwc_service.context import AppContext
from qbwc_service.server import ServerThread
from qbwc_service.settings import load_settings

PASSWORD = "a long passphrase"


def _invoke(data: Path, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data), *args], input=stdin)


@pytest.fixture
def service(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A served data folder with one company and Web Connector user; yields (folder, base URL)."""
    data = tmp_path / "data"
    assert _invoke(data, "company", "add", "Shop").exit_code == 0
    assert _invoke(data, "user", "add", "Shop", "shop-qbwc", "--password-stdin",
                   stdin=PASSWORD + "\n").exit_code == 0
    ctx = AppContext(load_settings(None, environ={}, data_dir=data))
    with ServerThread(make_app(ctx)) as server:
        yield data, f"http://localhost:{server.port}"
    ctx.db.dispose()


def _simulate(data: Path, url: str, password: str = PASSWORD) -> Result:
    return _invoke(data, "simulate", "--url", url, "--username", "shop-qbwc", "--password",
                   password, "--company-db", str(data / "company.sqlite3"))


def test_simulate_a_good_run_exits_zero(service: tuple[Path, str]) -> None:
    """Nothing queued: the run ends with "none" and the exit status is 0."""
    data, base = service
    result = _simulate(data, f"{base}/qbwc")
    assert result.exit_code == 0, result.output
    assert "session 1: none" in result.output


def test_simulate_with_a_wrong_password_exits_one(service: tuple[Path, str]) -> None:
    """The cryptic "nvu" becomes a sentence and exit status 1."""
    data, base = service
    result = _simulate(data, f"{base}/qbwc", password="not the password")
    assert result.exit_code == 1
    assert "Error: session 1: wrong user name or password" in result.output


def test_simulate_against_the_root_url_suggests_the_endpoint(service: tuple[Path, str]) -> None:
    """The service's root URL is not the Web Connector endpoint: say which one is."""
    data, base = service
    result = _simulate(data, f"{base}/")
    assert result.exit_code == 1
    assert f"Error: session 1: no Web Connector service at {base}/ — did you mean {base}/qbwc?" \
        in result.output
    assert "Traceback" not in result.output


def test_simulate_against_nothing_exits_one(tmp_path: Path) -> None:
    """A URL where nothing listens is a failed run, not a summary with exit status 0."""
    result = _invoke(tmp_path / "d", "simulate", "--url", "http://127.0.0.1:9/qbwc", "--username",
                     "u", "--password", "p", "--company-db", str(tmp_path / "c.sqlite3"))
    assert result.exit_code == 1
    assert "Error: session 1: no Web Connector service answered at http://127.0.0.1:9/qbwc" \
        in result.output
