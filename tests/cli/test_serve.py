"""`serve` and `qwc`: a busy port fails before anything is printed; the addresses printed are true."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner
from lxml import etree

from qbwc_service.cli import cli

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _command(*args: str) -> list[str]:
    return [sys.executable, "-c", "import sys; from qbwc_service.cli import main; sys.exit(main())",
            *args]


def _env() -> dict[str, str]:
    return {key: value for key, value in os.environ.items()
            if not key.startswith("QBWC_SERVICE_")}


def test_serve_on_a_busy_port_says_so_in_one_line(tmp_path: Path) -> None:
    """Exit 1, nothing on stdout, one error line on stderr, no traceback."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(_command("--data-dir", str(tmp_path / "d"), "serve", "--port", str(port),
                                       "--no-scheduler"),
                              capture_output=True, text=True, timeout=120, env=_env(), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [f"Error: cannot listen on 127.0.0.1:{port}: the port is already in use by "
                      "another program; stop it or choose another port with --port"]
    assert all(line.startswith("Error:") for line in done.stderr.splitlines())


def _serve_two_lines(tmp_path: Path, *args: str) -> tuple[list[str], str]:
    process = subprocess.Popen(_command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, env=_env(), cwd=tmp_path)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline().rstrip("\n"), process.stdout.readline().rstrip("\n")]
        time.sleep(0.5)  # anything logged right after start-up would show now
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    return lines, stderr


def test_serve_prints_where_it_listens_and_the_public_url_separately(tmp_path: Path) -> None:
    """--port overrides the config: the listening line says that port, the public URL its own."""
    port = _free_port()
    config = tmp_path / "config.toml"
    config.write_text('[service]\npublic_url = "https://qb.example.com"\n', encoding="utf-8")
    lines, stderr = _serve_two_lines(tmp_path, "--config", str(config), "serve", "--port",
                                     str(port), "--no-scheduler")
    assert lines == [
        f"Listening on http://127.0.0.1:{port}: Web Connector endpoint "
        f"http://127.0.0.1:{port}/qbwc, console http://127.0.0.1:{port}/",
        "Public URL: https://qb.example.com/qbwc (in .qwc files), console https://qb.example.com/",
    ]
    # At the default log level nothing else precedes or follows the two lines.
    assert stderr.strip() == ""


def test_serve_without_public_url_warns_that_qwc_reads_the_config(tmp_path: Path) -> None:
    """A --port different from the config's is pointed out, with the --url that matches it."""
    port = _free_port()
    lines, _ = _serve_two_lines(tmp_path, "--data-dir", str(tmp_path / "d"), "serve", "--port",
                                str(port), "--no-scheduler")
    assert lines[1] == (
        f"No public_url set: the Web Connector on this machine uses http://localhost:{port}/qbwc; "
        f"`qbwc-service qwc` writes http://localhost:8000/qbwc unless given "
        f"--url http://localhost:{port}")


def test_qwc_without_public_url_uses_the_configured_port(tmp_path: Path) -> None:
    """The .qwc's AppURL follows the configured port (file or environment), not a fixed 8000."""
    data = tmp_path / "d"
    data.mkdir()
    (data / "config.toml").write_text("[service]\nport = 18123\n", encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(cli, ["--data-dir", str(data), "company", "add", "Shop"]).exit_code == 0
    assert runner.invoke(cli, ["--data-dir", str(data), "user", "add", "Shop", "shop-qbwc",
                               "--password-stdin"], input="long enough pw\n").exit_code == 0
    result = runner.invoke(cli, ["--data-dir", str(data), "qwc", "Shop"])
    assert result.exit_code == 0, result.output
    root = etree.fromstring(result.output.encode())
    assert root.findtext("AppURL") == "http://localhost:18123/qbwc"
    result = runner.invoke(cli, ["--data-dir", str(data), "qwc", "Shop"],
                           env={"QBWC_SERVICE_PORT": "18200"})
    assert etree.fromstring(result.output.encode()).findtext("AppURL") == "http://localhost:18200/qbwc"
