"""Long pulls show progress: `demo` reports its first pull as it goes (`sync`: tests/sync)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qbwc_service.commands.progress import PullProgress


def test_pull_progress_prints_while_going_and_when_done() -> None:
    """A line every few seconds per entity, one at the end; first_only stays quiet afterwards."""
    lines: list[str] = []
    now = [0.0]
    progress = PullProgress("Magento pull", every_seconds=2.0, first_only=True,
                            echo=lines.append, clock=lambda: now[0])
    for done in range(1, 6):
        progress("orders", done, None)
        now[0] += 1.0
    progress("orders", 5, 5)
    progress("orders", 1, None)
    progress("orders", 1, 1)
    assert lines == ["Magento pull: orders: 3 read so far…", "Magento pull: orders: 5 read so far…",
                     "Magento pull: orders: 5 read"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
def test_demo_reports_its_first_pull_before_the_banner(tmp_path: Path) -> None:
    """The first pull is announced and each kind's count printed before "demo is running"."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("QBWC_SERVICE_")}
    process = subprocess.Popen(
        [sys.executable, "-c", "import sys; from qbwc_service.cli import main; sys.exit(main())",
         "--data-dir", str(tmp_path / "demo"), "demo", "--orders", "12", "--port",
         str(_free_port()), "--no-web-connector"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    lines: list[str] = []
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line.rstrip("\n"))
            if "demo is running" in line:
                break
    finally:
        process.terminate()
        process.communicate(timeout=60)
    assert lines[0] == "Pulling 12 orders from the fake Magento store and queueing them for QuickBooks…"
    assert "First pull from Magento: orders: 12 read" in lines
    assert any("demo is running" in line for line in lines)


def test_serve_scheduler_hands_progress_to_every_pull(tmp_path: Path) -> None:
    """The pulls serve schedules carry the progress printer (each kind printed on its first run)."""
    from qbwc_service.context import AppContext
    from qbwc_service.services.serving import start_scheduler
    from qbwc_service.settings import load_settings

    config = tmp_path / "config.toml"
    config.write_text('[companies.Shop.magento]\nbase_url = "http://127.0.0.1:9"\n',
                      encoding="utf-8")
    ctx = AppContext(load_settings(config, environ={}))
    progress = PullProgress("Magento pull", first_only=True)
    scheduler = start_scheduler(ctx, progress=progress)
    try:
        jobs = [job for job in scheduler.get_jobs() if job.id.startswith("sync:")]
        assert {job.id for job in jobs} == {"sync:Shop:orders", "sync:Shop:products",
                                            "sync:Shop:inventory"}
        assert all(job.kwargs["progress"] is progress for job in jobs)
    finally:
        scheduler.shutdown(wait=False)
        ctx.db.dispose()
