"""The one-command demo: it serves, pulls, posts, writes demo.json, and resumes."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from pathlib import Path

import pytest
import requests
from lxml import etree

from qbwc_service.sandbox import report
from qbwc_service.sandbox.demo import TAX_AGENCY, Demo
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from tests.e2e.harness import free_port

pytestmark = pytest.mark.slow


def _settled(demo: Demo) -> bool:
    assert demo.ctx is not None
    with demo.ctx.db.engine.connect() as connection:
        return connection.exec_driver_sql(
            "SELECT 1 FROM requests WHERE status IN ('queued', 'sent') LIMIT 1").first() is None


def _run_until_posted(data_dir: Path, port: int, *, timeout: float = 120.0) -> dict[str, object]:
    demo = Demo(data_dir, port=port, orders=12, seed=4, poll_seconds=1.0)
    facts = demo.prepare()
    demo.start()
    try:
        deadline = time.monotonic() + timeout
        counts: dict[str, object] = {}
        while time.monotonic() < deadline:
            time.sleep(0.5)
            if not Path(facts.company_db).exists():
                continue
            counts = report(Path(facts.company_db))
            transactions = counts.get("transactions") or {}
            if isinstance(transactions, dict) and transactions.get("Invoice", 0) > 0 and \
                    _settled(demo):
                break
        else:
            raise AssertionError(f"the demo did not post within {timeout} s: {counts}")
        assert requests.get(f"http://localhost:{port}/support", timeout=5).status_code == 200
        assert requests.get(f"http://localhost:{port}/qbwc", timeout=5).status_code == 200
        return counts
    finally:
        demo.stop()


def _sales_tax_agencies(company_db: Path) -> dict[str, str | None]:
    """Each sales tax item of a rate above zero in the company file -> its tax agency."""
    simulator = QuickBooksSimulator(company_db, release="enterprise-2023")
    try:
        rets = [etree.fromstring(row.ret_xml)
                for row in simulator.store.lists_of(("ItemSalesTax",))]
    finally:
        simulator.close()
    return {str(ret.findtext("Name")): ret.findtext("TaxVendorRef/FullName") for ret in rets
            if Decimal(ret.findtext("TaxRate") or "0") != 0}


def test_demo_posts_and_resumes(tmp_path: Path) -> None:
    """First run posts the fake store's documents; a second run resumes without duplicates."""
    data_dir = tmp_path / "demo"
    first = _run_until_posted(data_dir, free_port())
    facts = json.loads((data_dir / "demo.json").read_text())
    assert {"url", "company", "username", "password", "magento_url", "config"} <= set(facts)
    assert Path(facts["config"]).is_file() and (data_dir / "demo.qwc").is_file()
    invoices = first["transactions"]["Invoice"]  # type: ignore[index]
    assert invoices > 0 and first["duplicates"] == []
    second = _run_until_posted(data_dir, free_port())
    again = json.loads((data_dir / "demo.json").read_text())
    assert again["password"] == facts["password"] and again["company"] == facts["company"]
    assert second["duplicates"] == []
    assert second["transactions"]["Invoice"] == invoices  # type: ignore[index]
    # Every sales tax item the service created for a Magento rate owes the demo's agency
    # (a new company file's own items, such as its "State Tax", are the merchant's).
    owed = _sales_tax_agencies(Path(facts["company_db"]))
    for name in _sales_tax_agencies(tmp_path / "new-company.sqlite3"):
        owed.pop(name, None)
    assert owed and set(owed.values()) == {TAX_AGENCY}, owed
    # The books it posted balance: debits equal credits, assets equal liabilities + equity.
    for books in (first, second):
        assert books["trial_balance"]["balanced"], books["trial_balance"]  # type: ignore[index]
        assert books["balance_sheet"]["balanced"], books["balance_sheet"]  # type: ignore[index]
