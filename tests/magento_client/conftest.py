"""Fixtures for the Magento client tests: a fake store served on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento, FakeStore

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "magento"


def load_fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class SleepRecorder:
    """Stands in for ``time.sleep`` so retry tests never wait."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture(scope="session")
def shared_store() -> FakeStore:
    """One generated dataset for read-only tests."""
    return FakeStore.generate(orders=48, seed=5)


@pytest.fixture(scope="session")
def shared_fake(shared_store: FakeStore) -> Iterator[FakeMagento]:
    """A read-only fake for the whole session; tests that mutate start their own."""
    with FakeMagento(shared_store) as fake:
        yield fake


@pytest.fixture
def fake() -> Iterator[FakeMagento]:
    """A private fake a test may mutate or inject faults into."""
    with FakeMagento(orders=24, seed=11) as server:
        yield server


@pytest.fixture
def sleeps() -> SleepRecorder:
    return SleepRecorder()


@pytest.fixture
def client(fake: FakeMagento, sleeps: SleepRecorder) -> Iterator[MagentoClient]:
    with MagentoClient(fake.config(page_size=10, timeout=2.0), sleep=sleeps) as magento:
        yield magento


@pytest.fixture
def shared_client(shared_fake: FakeMagento, sleeps: SleepRecorder) -> Iterator[MagentoClient]:
    with MagentoClient(shared_fake.config(page_size=10, timeout=2.0), sleep=sleeps) as magento:
        yield magento
