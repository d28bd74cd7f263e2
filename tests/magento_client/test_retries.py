"""Retries: which failures are retried, how long to wait, when to stop, and never for creates."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from magento_client.client import MagentoClient
from magento_client.documents import SourceItem
from magento_client.exceptions import (
    MagentoBadResponse,
    MagentoRateLimited,
    MagentoServerError,
    MagentoTimeout,
    MagentoTransportError,
)
from magento_client.fake import FakeMagento
from magento_client.transport import parse_retry_after
from tests.magento_client.conftest import SleepRecorder


def _statuses(fake: FakeMagento, path_end: str) -> list[int]:
    return [r.status for r in fake.requests if r.path.endswith(path_end)]


def test_429_waits_for_retry_after_then_succeeds(fake: FakeMagento, client: MagentoClient,
                                                 sleeps: SleepRecorder) -> None:
    """A 429 is retried after exactly the Retry-After seconds the server asked for."""
    fake.faults.force("429")
    assert client.order(2).entity_id == 2
    assert sleeps.calls == [1.0]
    assert _statuses(fake, "/V1/orders/2") == [429, 200]


def test_5xx_backs_off_exponentially(fake: FakeMagento, client: MagentoClient,
                                     sleeps: SleepRecorder) -> None:
    """500, 502, 503 are retried with doubling waits from backoff_seconds."""
    fake.faults.force("500", "502", "503")
    assert client.order(3).entity_id == 3
    assert sleeps.calls == [0.5, 1.0, 2.0]


def test_retries_stop_at_max_retries(fake: FakeMagento, sleeps: SleepRecorder) -> None:
    """After max_retries the last error is raised, carrying the number of attempts."""
    fake.faults.force("503", "503", "503", "503")
    with MagentoClient(fake.config(max_retries=2), sleep=sleeps) as client:
        with pytest.raises(MagentoServerError) as caught:
            client.order(1)
    assert caught.value.attempts == 3 and caught.value.status == 503
    assert len(sleeps.calls) == 2


def test_a_retry_after_beyond_the_cap_ends_the_retries(fake: FakeMagento,
                                                       sleeps: SleepRecorder) -> None:
    """Asked to wait longer than max_backoff_seconds, the client stops instead of asking
    again sooner than allowed (which only earns another 429), and says how long."""
    fake.faults = type(fake.faults)(type(fake.faults.spec).parse("retry_after=3600"))
    fake.faults.force("429")
    with MagentoClient(fake.config(max_backoff_seconds=5), sleep=sleeps) as client:
        with pytest.raises(MagentoRateLimited) as caught:
            client.order(1)
    assert sleeps.calls == [] and caught.value.retry_after == 3600.0


def test_rate_limit_error_exposes_retry_after(fake: FakeMagento, sleeps: SleepRecorder) -> None:
    """With retries off, a 429 surfaces as MagentoRateLimited with retry_after set."""
    fake.faults.force("429")
    with MagentoClient(fake.config(max_retries=0), sleep=sleeps) as client:
        with pytest.raises(MagentoRateLimited) as caught:
            client.order(1)
    assert caught.value.retry_after == 1.0 and caught.value.message == "Too Many Requests"


def test_truncated_json_is_retried(fake: FakeMagento, client: MagentoClient) -> None:
    """A body cut short by a proxy is a transport error and the read is repeated."""
    fake.faults.force("truncate")
    assert client.order(4).entity_id == 4
    assert [r.fault for r in fake.requests][-2:] == ["truncate", None]


def test_truncated_json_without_retries_raises_bad_response(fake: FakeMagento) -> None:
    """With no retries left the truncated answer raises MagentoBadResponse."""
    fake.faults.force("truncate")
    with MagentoClient(fake.config(max_retries=0)) as client, pytest.raises(MagentoBadResponse):
        client.order(4)


def test_slow_answer_times_out_and_is_retried(fake: FakeMagento, sleeps: SleepRecorder) -> None:
    """A response slower than the read timeout is abandoned and tried again."""
    fake.faults = type(fake.faults)(type(fake.faults.spec).parse("slow_seconds=0.6"))
    fake.faults.force("slow")
    with MagentoClient(fake.config(timeout=0.2, max_retries=1), sleep=sleeps) as client:
        assert client.order(5).entity_id == 5
    assert len(sleeps.calls) == 1


def test_slow_answer_without_retries_raises_timeout(fake: FakeMagento) -> None:
    """The timeout surfaces as MagentoTimeout when no retry is allowed."""
    fake.faults = type(fake.faults)(type(fake.faults.spec).parse("slow_seconds=0.6"))
    fake.faults.force("slow")
    with MagentoClient(fake.config(timeout=0.2, max_retries=0)) as client:
        with pytest.raises(MagentoTimeout):
            client.order(5)


def test_creates_are_never_retried(fake: FakeMagento, client: MagentoClient,
                                   sleeps: SleepRecorder) -> None:
    """A 503 on POST /V1/order/{id}/invoice is raised at once: one request, no wait."""
    order_id = next(o["entity_id"] for o in fake.store.orders.values()
                    if not fake.store.invoices_of(o["entity_id"]) and o["state"] == "new")
    fake.faults.force("503")
    with pytest.raises(MagentoServerError) as caught:
        client.post(f"/V1/order/{order_id}/invoice", {"capture": False, "notify": False})
    assert caught.value.attempts == 1 and sleeps.calls == []
    assert _statuses(fake, f"/V1/order/{order_id}/invoice") == [503]
    assert fake.store.invoices_of(order_id) == []


def test_source_item_writes_are_retried(fake: FakeMagento, client: MagentoClient,
                                        sleeps: SleepRecorder) -> None:
    """Absolute source quantities are idempotent, so a 502 on the write is retried."""
    fake.faults.force("502")
    client.save_source_items([SourceItem("SIMPLE-001", "default", Decimal("7"), 1)])
    assert _statuses(fake, "/V1/inventory/source-items") == [502, 200]
    assert fake.store.source_items[("SIMPLE-001", "default")]["quantity"] == Decimal("7")


def test_connection_refused_is_retried_then_raised(sleeps: SleepRecorder) -> None:
    """Nobody listening: transport errors are retried up to the limit, then raised."""
    fake = FakeMagento(orders=1, seed=1)
    base = fake.start()
    fake.stop()
    config = fake.config(base_url=base, max_retries=2)
    with MagentoClient(config, sleep=sleeps) as client, pytest.raises(MagentoTransportError) as caught:
        client.order(1)
    assert caught.value.attempts == 3 and len(sleeps.calls) == 2


def test_parse_retry_after_forms() -> None:
    """Retry-After as seconds or as an HTTP date; garbage is ignored."""
    assert parse_retry_after("7") == 7.0
    now = datetime(2026, 1, 1, 0, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
