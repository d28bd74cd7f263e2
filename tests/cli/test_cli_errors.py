"""The command line: --version, help with defaults, and exit statuses without tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from qbwc_service import __version__
from qbwc_service.cli import cli, main


def _main(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    """--version prints the product and version and exits 0."""
    code, output = _main(["--version"], capsys)
    assert code == 0
    assert output.strip() == f"qbwc-service {__version__}"


def test_bad_usage_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown option or a missing argument is exit status 2."""
    code, output = _main(["--data-dir", str(tmp_path), "serve", "--prot", "80"], capsys)
    assert code == 2 and "No such option '--prot'" in output
    code, output = _main(["--data-dir", str(tmp_path), "company", "set"], capsys)
    assert code == 2 and "Missing argument 'COMPANY'" in output


def test_failed_operation_exits_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A refused operation is one Error line and exit status 1."""
    main(["--data-dir", str(tmp_path), "company", "add", "Shop"])
    capsys.readouterr()
    code, output = _main(["--data-dir", str(tmp_path), "qwc", "Nobody"], capsys)
    assert code == 1
    assert output.strip() == "Error: no company named 'Nobody'; see `qbwc-service company list`"


def test_an_unexpected_error_is_one_line_without_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """A fault of ours is still one line (exit 1); the traceback only with DEBUG logging."""
    from qbwc_service.services import companies

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database exploded: secret-ish detail")

    monkeypatch.setattr(companies, "list_companies", broken)
    main(["--data-dir", str(tmp_path), "company", "add", "Shop"])
    capsys.readouterr()
    code, output = _main(["--data-dir", str(tmp_path), "company", "list"], capsys)
    assert code == 1
    assert output.strip() == ("Error: unexpected RuntimeError; run again with "
                              "QBWC_SERVICE_LOG_LEVEL=DEBUG for details")
    monkeypatch.setenv("QBWC_SERVICE_LOG_LEVEL", "DEBUG")
    code, output = _main(["--data-dir", str(tmp_path), "company", "list"], capsys)
    assert code == 1 and "Traceback" in output


def test_a_command_exit_status_survives_main(tmp_path: Path) -> None:
    """A command's own exit status (simulate's 1) is the process's exit status."""
    done = subprocess.run(
        [sys.executable, "-c", "import sys; from qbwc_service.cli import main; sys.exit(main())",
         "--data-dir", str(tmp_path / "d"), "simulate", "--url", "http://127.0.0.1:9/qbwc",
         "--username", "u", "--password", "p", "--company-db", str(tmp_path / "c.sqlite3")],
        capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr


def _options(command: click.Command) -> dict[str, click.Option]:
    return {p.name or "": p for p in command.params if isinstance(p, click.Option)}


def _walk(command: click.Command, path: tuple[str, ...] = ()) -> list[tuple[str, click.Option]]:
    found = [(" ".join(path), option) for option in _options(command).values()]
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            found += _walk(sub, (*path, name))
    return found


def test_every_option_has_help_and_shows_its_default() -> None:
    """No option is left without help; a non-trivial default is shown or named in the help."""
    lacking = []
    for path, option in _walk(cli):
        if path.startswith("sandbox exec"):
            continue  # owned by the simulator's own change
        if not option.help:
            lacking.append(f"{path} {option.opts[0]}: no help")
        default = option.default
        trivial = default is None or default is False or default == "" or option.is_flag \
            or not isinstance(default, str | int | float)
        if not trivial and not option.show_default and "default" not in (option.help or "").lower():
            lacking.append(f"{path} {option.opts[0]}: default {default!r} hidden")
    assert lacking == []


def test_help_shows_defaults_in_the_terminal() -> None:
    """What the help prints: the interval default, the export format default."""
    runner = CliRunner()

    def help_text(*args: str) -> str:
        return " ".join(runner.invoke(cli, [*args, "--help"]).output.split())

    company_add = help_text("company", "add")
    assert "[default: 15" in company_add and "[default: auto]" in company_add
    export = help_text("log", "export")
    assert "[default: jsonl]" in export
    qwc = help_text("qwc")
    assert "default: standard output" in qwc
