"""Fault injection: the spec grammar, reproducible draws, and a pull that survives them."""

from __future__ import annotations

import pytest

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento, FakeStore, FaultPlan, FaultSpec
from tests.magento_client.conftest import SleepRecorder


def test_spec_parses_rates_and_knobs() -> None:
    """Rates per fault kind plus slow_seconds, retry_after and seed."""
    spec = FaultSpec.parse("429=0.1,500=0.05,slow=0.02,truncate=0.01,slow_seconds=3,retry_after=0")
    assert spec.rates == {"429": 0.1, "500": 0.05, "slow": 0.02, "truncate": 0.01}
    assert (spec.slow_seconds, spec.retry_after) == (3.0, 0.0) and spec.active
    assert not FaultSpec.parse("").active


@pytest.mark.parametrize("text", ["418=0.1", "429", "429=2", "429=0.6,500=0.6"])
def test_spec_rejects_nonsense(text: str) -> None:
    """Unknown kinds, missing rates, rates outside 0..1 and totals above 1 are refused."""
    with pytest.raises(ValueError):
        FaultSpec.parse(text)


def test_draws_are_reproducible_under_a_seed() -> None:
    """Two plans with the same seed inject the same faults in the same order."""
    spec = FaultSpec.parse("429=0.2,503=0.2,truncate=0.1", seed=3)
    first, second = FaultPlan(spec), FaultPlan(spec)
    sequence = [first.draw() for _ in range(200)]
    assert sequence == [second.draw() for _ in range(200)]
    assert {"429", "503", "truncate", None} == set(sequence)


def test_full_pull_survives_injected_faults(sleeps: SleepRecorder) -> None:
    """With 429s, 5xx and truncated bodies injected, every order still arrives once."""
    spec = FaultSpec.parse("429=0.15,500=0.1,502=0.05,truncate=0.1,retry_after=0", seed=2)
    with FakeMagento(FakeStore.generate(orders=40, seed=8), faults=spec) as fake:
        with MagentoClient(fake.config(page_size=5, max_retries=8), sleep=sleeps) as client:
            ids = [order.entity_id for order in client.orders()]
        assert sorted(ids) == list(range(1, 41))
        assert sum(fake.faults.injected.values()) > 0
        assert len(sleeps.calls) == sum(fake.faults.injected.values())
