"""Set-up commands: init, company add/list, user add, qwc."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from qbwc_service.cli import cli, main


def _run(data: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(data), *args], input=stdin)
    return result.exit_code, result.output


def test_init_creates_config_and_schema(tmp_path: Path) -> None:
    """init writes a config file and the database in the data folder."""
    code, output = _run(tmp_path / "data", "init")
    assert code == 0, output
    assert (tmp_path / "data" / "config.toml").is_file()
    assert (tmp_path / "data" / "qbwc.sqlite3").is_file()


def test_company_user_and_qwc(tmp_path: Path) -> None:
    """A company and a user make a .qwc with the chosen interval; duplicates are refused."""
    data = tmp_path / "data"
    assert _run(data, "company", "add", "Smith Trading", "--company-file", "C:\\Smith.QBW",
                "--every-minutes", "10")[0] == 0
    code, output = _run(data, "company", "add", "Smith Trading")
    assert code != 0 and "already exists" in output
    assert _run(data, "user", "add", "Smith Trading", "smith-qbwc", "--password-stdin",
                stdin="a long passphrase\n")[0] == 0
    code, qwc = _run(data, "qwc", "Smith Trading")
    assert code == 0, qwc
    root = etree.fromstring(qwc.encode())
    assert root.findtext("UserName") == "smith-qbwc"
    assert root.findtext("Scheduler/RunEveryNMinutes") == "10"
    listing = _run(data, "company", "list")[1]
    assert "Smith Trading" in listing and "every 10 min" in listing


def test_qwc_refuses_a_plain_http_public_host(tmp_path: Path) -> None:
    """qwc --url with plain http on a real host name explains the Web Connector's rule."""
    data = tmp_path / "data"
    _run(data, "company", "add", "Shop")
    _run(data, "user", "add", "Shop", "shop-qbwc", "--password-stdin", stdin="long enough pw\n")
    code, output = _run(data, "qwc", "Shop", "--url", "http://qb.example.com")
    assert code != 0 and "https" in output


def test_user_add_refuses_short_passwords_and_unknown_companies(tmp_path: Path) -> None:
    """Short passwords and unknown companies are refused with a reason."""
    data = tmp_path / "data"
    _run(data, "company", "add", "Shop")
    code, output = _run(data, "user", "add", "Shop", "u1", "--password-stdin", stdin="short\n")
    assert code != 0 and "at least 8" in output
    code, output = _run(data, "user", "add", "Nope", "u2", "--password-stdin", stdin="long enough pw\n")
    assert code != 0 and "no company named" in output


def test_qwc_without_a_user_says_what_to_do(tmp_path: Path) -> None:
    """A company without a Web Connector user gets the command that adds one."""
    data = tmp_path / "data"
    _run(data, "company", "add", "Shop")
    code, output = _run(data, "qwc", "Shop")
    assert code != 0 and "user add Shop" in output


def test_main_returns_exit_codes(tmp_path: Path) -> None:
    """main() turns a refused command into a non-zero exit code instead of a traceback."""
    assert main(["--data-dir", str(tmp_path / "d"), "qwc", "Nobody"]) != 0
    assert main(["--data-dir", str(tmp_path / "d"), "company", "list"]) == 0
