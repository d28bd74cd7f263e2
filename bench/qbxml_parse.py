"""Stream a generated 100,000-item ItemInventoryQueryRs through ``iter_rets``.

    .venv/bin/python -m bench.qbxml_parse [--items 100000]

Prints items per second (untraced run) and the peak Python memory growth while parsing
(a second run under tracemalloc), reading the response from a temporary file.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
from pathlib import Path

from qbwc_service.qbxml import iter_rets

__all__ = ["generate_item_inventory_rs", "main"]

_RET = (
    "<ItemInventoryRet>\n<ListID>{n:08X}-1712340000</ListID>\n"
    "<TimeCreated>2024-01-01T09:00:00-05:00</TimeCreated>\n"
    "<TimeModified>2024-03-06T12:30:00-05:00</TimeModified>\n"
    "<EditSequence>1712424600</EditSequence>\n<Name>SKU-{n}</Name>\n<FullName>SKU-{n}</FullName>\n"
    "<IsActive>true</IsActive>\n<Sublevel>0</Sublevel>\n"
    "<SalesTaxCodeRef>\n<ListID>80000001-1700000000</ListID>\n<FullName>Tax</FullName>\n</SalesTaxCodeRef>\n"
    "<SalesDesc>Hoodie {n} &amp; cap, black</SalesDesc>\n<SalesPrice>19.90</SalesPrice>\n"
    "<IncomeAccountRef>\n<ListID>80000010-1700000000</ListID>\n<FullName>Sales</FullName>\n</IncomeAccountRef>\n"
    "<PurchaseCost>7.25</PurchaseCost>\n"
    "<COGSAccountRef>\n<ListID>80000011-1700000000</ListID>\n<FullName>Cost of Goods Sold</FullName>\n</COGSAccountRef>\n"
    "<AssetAccountRef>\n<ListID>80000012-1700000000</ListID>\n<FullName>Inventory Asset</FullName>\n</AssetAccountRef>\n"
    "<ReorderPoint>5</ReorderPoint>\n<QuantityOnHand>{q}</QuantityOnHand>\n<AverageCost>7.25</AverageCost>\n"
    "<QuantityOnOrder>0</QuantityOnOrder>\n<QuantityOnSalesOrder>0</QuantityOnSalesOrder>\n"
    "</ItemInventoryRet>\n"
)


def generate_item_inventory_rs(items: int, path: Path) -> int:
    """Write an ItemInventoryQueryRs with ``items`` records to ``path``; returns its size."""
    with path.open("wb") as out:
        out.write(
            b'<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n<ItemInventoryQueryRs requestID="1" '
            b'statusCode="0" statusSeverity="Info" statusMessage="Status OK">\n'
        )
        for start in range(0, items, 1000):
            chunk = "".join(
                _RET.format(n=n, q=n % 50) for n in range(start, min(items, start + 1000))
            )
            out.write(chunk.encode())
        out.write(b"</ItemInventoryQueryRs>\n</QBXMLMsgsRs>\n</QBXML>\n")
    return path.stat().st_size


def _parse(path: Path) -> int:
    count = 0
    with path.open("rb") as stream:
        for record in iter_rets(stream, "ItemInventoryRet"):
            count += record.quantity_on_hand is not None
    return count


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "item_inventory_query_rs.xml"
        size = generate_item_inventory_rs(args.items, path)
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start, cpu = time.perf_counter(), time.process_time()
        count = _parse(path)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        print(
            f"iter_rets: {count / elapsed:,.0f} items/s wall, {count / cpu:,.0f}/s CPU "
            f"({count} items, {size / 1e6:.1f} MB)"
        )
        rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"peak RSS growth while parsing (includes libxml2): {rss_growth / 1024:.1f} MB "
            f"(process peak {peak_rss:.0f} MB)"
        )
        tracemalloc.start()
        _parse(path)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"peak Python memory growth while parsing (tracemalloc): {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
