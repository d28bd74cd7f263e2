"""Finding 9: `sync` exited with a traceback when Magento answered 429.

Against the fake store over HTTP: a 429 is retried after its Retry-After; when the
retries run out the command fails with one clear line and no traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from magento_client.fake import FakeMagento
from qbwc_service.cli import cli
from qbwc_service.db import Database
from qbwc_service.db.models import Company, Request


@pytest.fixture()
def store() -> Iterator[FakeMagento]:
    with FakeMagento(orders=3, seed=5) as server:
        yield server


def _config(tmp_path: Path, store: FakeMagento) -> Path:
    settings = store.config()
    path = tmp_path / "config.toml"
    path.write_text(
        "[companies.acme.magento]\n"
        f'base_url = "{settings.base_url}"\nconsumer_key = "{settings.consumer_key}"\n'
        f'consumer_secret = "{settings.consumer_secret}"\naccess_token = "{settings.access_token}"\n'
        f'access_token_secret = "{settings.access_token_secret}"\nmax_retries = 2\n'
        "[companies.acme.mapping]\nguest_customers = \"shared\"\n", encoding="utf-8")
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    database.upgrade()
    with database.session() as session:
        session.add(Company(name="acme", file_id="{00000000-0000-0000-0000-0000000000AC}"))
    database.dispose()
    return path


def test_sync_retries_a_429_after_retry_after_and_then_succeeds(
        tmp_path: Path, store: FakeMagento) -> None:
    config = _config(tmp_path, store)
    store.faults.force("429")
    result = CliRunner().invoke(cli, ["--config", str(config), "sync", "acme",
                                      "--entity", "orders", "--since", "2020-01-01"])
    assert result.exit_code == 0, result.output
    assert [r.status for r in store.requests][:2] == [429, 200]


def test_sync_fails_in_one_line_when_the_retries_run_out(tmp_path: Path, store: FakeMagento) -> None:
    config = _config(tmp_path, store)
    store.faults.force(*["429"] * 12)  # every call, store configuration included
    result = CliRunner().invoke(cli, ["--config", str(config), "sync", "acme",
                                      "--entity", "orders", "--since", "2020-01-01"])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and result.exception is not None
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert lines == ["Error: Magento refused further requests (429 Too Many Requests) after 3 "
                     "attempts; it asked to wait 1 s. Nothing is lost: run sync again later; it "
                     "resumes from its watermark."]
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    with database.session() as session:
        assert session.query(Request).count() == 0
    database.dispose()
