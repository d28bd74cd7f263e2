"""Pull N orders from the fake Magento (OAuth-signed, page size 100): orders/s and RSS growth.

The fake runs in its own process so the figures are the client's: signing, HTTP, JSON with
Decimal money, typed documents with item trees.

    .venv/bin/python -m bench.magento_pull [--orders 10000] [--page-size 100]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import time
from typing import Any

from magento_client.client import MagentoClient
from magento_client.config import MagentoConfig

__all__ = ["main"]


def _serve(orders: int, seed: int, queue: Any) -> None:
    from magento_client.fake import FakeMagento, FakeStore

    fake = FakeMagento(FakeStore.generate(orders=orders, seed=seed))

    def ready(base_url: str) -> None:
        queue.put({"base_url": base_url, **fake.store.credentials.as_dict()})

    fake.serve_forever("127.0.0.1", 0, ready=ready)


def _rss_kib() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def pull(config: MagentoConfig, *, keyset: bool) -> tuple[int, float, float, int]:
    """Orders pulled, wall seconds, client CPU seconds, peak-RSS growth in KiB."""
    before = _rss_kib()
    count = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    with MagentoClient(config) as client:
        for order in client.orders(keyset=keyset):
            count += 1 if order.items else 0
    return (count, time.perf_counter() - started, time.process_time() - cpu_started,
            _rss_kib() - before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    server = context.Process(target=_serve, args=(args.orders, args.seed, queue), daemon=True)
    generated = time.perf_counter()
    server.start()
    try:
        details = queue.get(timeout=600)
        print(f"fake store with {args.orders} orders ready in {time.perf_counter() - generated:.1f} s")
        config = MagentoConfig(page_size=args.page_size, **details)
        # A first pass warms the fake's JSON cache, so the timed passes measure the client.
        warm_count, warm_seconds, _, _ = pull(config, keyset=False)
        print(f"cold pass: {warm_count} orders in {warm_seconds:.2f} s "
              f"({warm_count / warm_seconds:,.0f} orders/s, server rendering JSON)")
        for label, keyset in (("offset", False), ("keyset", True)):
            count, seconds, cpu, growth = pull(config, keyset=keyset)
            print(f"{label} paging: {count} orders in {seconds:.2f} s = {count / seconds:,.0f} orders/s "
                  f"wall, {count / cpu:,.0f} orders/s per client CPU second; peak RSS growth "
                  f"{growth / 1024:.1f} MiB (page size {args.page_size}, OAuth HMAC-SHA256)")
    finally:
        server.terminate()
        server.join(timeout=10)


if __name__ == "__main__":
    main()
