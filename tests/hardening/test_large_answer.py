"""A receiveResponseXML of 20 MB: accepted, applied and kept within the streaming bound.

A 20 MB ItemInventoryQueryRs (a big catalogue's quantities) goes through the real HTTP
server, spyne and the queue, measured by ``bench.receive_large``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.receive_large import BOUND_MB, receive_large
from qbwc_service.app import ReadOnce
from qbwc_service.settings import Settings


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    return receive_large(20.0, Path(tmp_path_factory.mktemp("large")))


def test_a_twenty_megabyte_answer_is_accepted_and_applied(figures: dict[str, float]) -> None:
    """Accepted over HTTP, every ItemInventoryRet stored as a quantity, the run done."""
    assert figures["size_mb"] > 20
    assert figures["result"] == 100  # done: nothing else queued
    assert figures["items"] > 17_000  # every ItemInventoryRet stored as a quantity


@pytest.mark.xfail(not sys.platform.startswith("linux"), strict=True, reason=(
    "the benchmark reads the peak RSS from /proc (Linux); elsewhere it does not measure it "
    "yet and reports NaN"))
def test_a_twenty_megabyte_answer_stays_within_the_streaming_bound(
        figures: dict[str, float]) -> None:
    """Peak RSS growth while receiving and applying it stays under the bound."""
    assert figures["growth_mb"] < BOUND_MB


def test_the_request_log_keeps_a_bounded_copy_naming_every_record(
        figures: dict[str, float]) -> None:
    """The request keeps its status and first records, not 20 MB, and says how many there were."""
    assert figures["log_kb"] * 1024 < Settings().response_log_bytes + 1024
    assert figures["log_records"] == figures["items"]


def test_the_endpoint_hands_the_body_over_once() -> None:
    """Read whole, the body is handed over as it is and no longer held; partial reads work."""
    body = b"<soap:Envelope>" + b"x" * 1000 + b"</soap:Envelope>"
    whole = ReadOnce(body)
    assert whole.read(len(body)) is body
    assert whole.read(len(body)) == b""
    parts = ReadOnce(body)
    assert parts.read(15) == b"<soap:Envelope>" and parts.read() == body[15:]
