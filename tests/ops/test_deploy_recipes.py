"""The deployment recipes agree with the code: entry point, limits, paths, migrations."""

from __future__ import annotations

import re
import runpy
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect

from qbwc_service import app as app_module
from qbwc_service.db import Database
from qbwc_service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _gunicorn_config() -> dict[str, Any]:
    return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))


def test_gunicorn_entry_point_names_the_app_factory() -> None:
    """gunicorn calls qbwc_service.app:wsgi_app_from_env(), which exists and is callable."""
    config = _gunicorn_config()
    module, _, call = config["wsgi_app"].partition(":")
    assert module == "qbwc_service.app" and call.endswith("()")
    assert callable(getattr(app_module, call.removesuffix("()")))
    assert config["timeout"] >= 300
    assert config["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_gunicorn_on_starting_migrates_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The master's start hook brings an empty database to the current schema."""
    monkeypatch.delenv("QBWC_SERVICE_CONFIG", raising=False)
    monkeypatch.setenv("QBWC_SERVICE_DATA_DIR", str(tmp_path))
    _gunicorn_config()["on_starting"](None)
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    try:
        assert {"requests", "companies", "alembic_version"} <= set(
            inspect(database.engine).get_table_names()
        )
    finally:
        database.dispose()


def test_nginx_body_limit_matches_the_service_default() -> None:
    """client_max_body_size equals max_body_bytes, and the forwarded headers are set."""
    site = (DEPLOY / "nginx-qbwc.conf").read_text()
    [megabytes] = re.findall(r"client_max_body_size (\d+)m;", site)
    assert int(megabytes) * 1024 * 1024 == Settings().max_body_bytes
    for directive in ("proxy_request_buffering on", "X-Forwarded-Proto $scheme",
                      "X-Forwarded-Host $host", "proxy_set_header Host $host",
                      "proxy_read_timeout 300s"):
        assert directive in site


def test_systemd_unit_and_dockerfile_point_at_files_that_exist() -> None:
    """ExecStart's config and every COPY source are real paths in this repository."""
    unit = (DEPLOY / "qbwc-service.service").read_text()
    [config] = re.findall(r"gunicorn -c (\S+)", unit)
    assert (ROOT / Path(config).relative_to("/opt/qbwc-service")).is_file()
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for source in re.findall(r"^COPY (.+) \S+$", dockerfile, re.MULTILINE):
        for name in source.split():
            assert (ROOT / name).exists(), name
    compose = (DEPLOY / "compose.yaml").read_text()
    assert "dockerfile: deploy/Dockerfile" in compose
    assert "condition: service_healthy" in compose
