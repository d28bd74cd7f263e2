"""Finding 9: a receiveResponseXML over 2 MiB was refused ("Request too long").

A 20 MB ItemInventoryQueryRs (a big catalogue's quantities) goes through the real HTTP
server, spyne and the queue, measured by ``bench.receive_large``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from bench.receive_large import BOUND_MB, receive_large


@pytest.fixture(scope="module")
def figures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, float]:
    if not sys.platform.startswith("linux"):
        pytest.skip("peak RSS is read from /proc (Linux only)")
    return receive_large(20.0, Path(tmp_path_factory.mktemp("large")))


def test_a_twenty_megabyte_answer_is_accepted_and_applied(figures: dict[str, float]) -> None:
    assert figures["size_mb"] > 20
    assert figures["result"] == 100  # done: nothing else queued
    assert figures["items"] > 17_000  # every ItemInventoryRet stored as a quantity


@pytest.mark.xfail(strict=True, reason=(
    "the queue applies an answer from a whole parsed tree (qbxml.parse_response, ~280 MB for "
    "20 MB of ItemInventoryRet) and keeps the raw Rs text; streaming it through iter_rets "
    "into the handler is not built yet"))
def test_a_twenty_megabyte_answer_stays_within_the_streaming_bound(
        figures: dict[str, float]) -> None:
    assert figures["growth_mb"] < BOUND_MB
