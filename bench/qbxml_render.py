"""Render + built-in checks, and full XSD validation, of 10-line InvoiceAdd requests.

.venv/bin/python -m bench.qbxml_render [--count 5000] [--xsd-dir DIR]  (default: the reference XSDs beside the clone, skipped when absent)
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from qbwc_service.qbxml import load_validator, render_message_set, render_request

__all__ = ["invoice", "main"]


def invoice(n: int) -> dict[str, Any]:
    return {
        "CustomerRef": {"FullName": f"Customer {n} & Co"},
        "TxnDate": date(2024, 3, 5),
        "RefNumber": str(100000000 + n),
        "BillAddress": {"Addr1": "12 Rue de l'Église", "City": "Zürich", "PostalCode": "8001"},
        "ShipAddress": {"Addr1": "12 Rue de l'Église", "City": "Zürich", "PostalCode": "8001"},
        "Memo": f"Magento order #{100000000 + n}",
        "InvoiceLineAdd": [
            {
                "ItemRef": {"FullName": f"SKU-{line:04d}"},
                "Desc": f"Hoodie size {line} <XL>",
                "Quantity": Decimal(line + 1),
                "Rate": Decimal("19.995"),
                "InventorySiteRef": {"FullName": "Main Warehouse"},
                "SalesTaxCodeRef": {"FullName": "Tax"},
            }
            for line in range(10)
        ],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=5000)
    parser.add_argument(
        "--xsd-dir",
        default=str(Path(__file__).resolve().parents[2] / "shared" / "reference" / "qbxml" / "xsd"),
    )
    args = parser.parse_args(argv)
    contexts = [invoice(n) for n in range(args.count)]
    render_request("InvoiceAdd", contexts[0], version="13.0", request_id="warm")

    print(
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs; per-second figures use wall and CPU time"
    )
    start, cpu = time.perf_counter(), time.process_time()
    documents = [
        render_message_set(
            [render_request("InvoiceAdd", context, version="13.0", request_id=f"{n}-1")],
            version="13.0",
        )
        for n, context in enumerate(contexts)
    ]
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"render + built-in checks: {args.count / elapsed:,.0f} InvoiceAdd/s wall, "
        f"{args.count / cpu:,.0f}/s CPU (10 lines each, {args.count} requests)"
    )

    validator = load_validator(args.xsd_dir, "13.0")
    if validator is None:
        print(f"XSD validation: skipped, no qbXML 13.0 schema under {args.xsd_dir}")
        return
    start, cpu = time.perf_counter(), time.process_time()
    invalid = sum(1 for document in documents if validator.validate(document))
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(
        f"full XSD validation (13.0): {args.count / elapsed:,.0f} documents/s wall, "
        f"{args.count / cpu:,.0f}/s CPU ({invalid} invalid)"
    )


if __name__ == "__main__":
    main()
