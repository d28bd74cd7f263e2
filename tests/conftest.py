"""Shared fixtures: databases, the reference folder, and a guard against the internet."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
# The shared reference folder beside the clone: an extra oracle when present, never required.
REFERENCE = ROOT.parent / "shared" / "reference"
PG_URL = os.environ.get("QBWC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")

_real_connect = socket.socket.connect


def _loopback_only(self: socket.socket, address: Any) -> object:
    if isinstance(address, tuple) and self.family in (socket.AF_INET, socket.AF_INET6):
        host = str(address[0])
        if not (host.startswith("127.") or host in ("::1", "localhost")):
            raise RuntimeError(f"tests may not touch the network: connect to {host}")
    return _real_connect(self, address)


@pytest.fixture(autouse=True)
def _no_internet(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test: sockets may reach 127.0.0.1 only."""
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(autouse=True)
def _cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Still argon2id, with test-sized cost so the suite does not spend minutes hashing."""
    from argon2 import PasswordHasher

    import qbwc_service.qbwc.auth as auth

    monkeypatch.setattr(auth, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def reference_path(*parts: str) -> Path:
    """A file under ../shared/reference, or skip the calling test with the reason."""
    path = REFERENCE.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material {path} is absent (../shared is not beside this clone)")
    return path


@pytest.fixture
def reference() -> type:
    class _Ref:
        path = staticmethod(reference_path)

    return _Ref


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(None, environ={}, data_dir=tmp_path / "data")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'test.sqlite3'}")
    database.upgrade()
    yield database
    database.dispose()


@pytest.fixture
def app_context(settings: Settings, db: Database) -> AppContext:
    return AppContext(settings, _database=db)


def _postgres_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL schema for one test; skipped only off CI when no server answers."""
    if not _postgres_reachable():
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but PostgreSQL at 127.0.0.1:5432 is not reachable")
        pytest.skip("PostgreSQL is not reachable at 127.0.0.1:5432")
    import sqlalchemy as sa

    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    try:
        yield url
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_db(pg_url: str) -> Iterator[Database]:
    database = Database(pg_url)
    database.upgrade()
    yield database
    database.dispose()
