"""The end-to-end dataset covers every case of the README's "how Magento becomes
QuickBooks" table, and what the simulated QuickBooks does not model yet is pinned."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from magento_client.fake import FakeStore
from qbwc_service.sandbox import QuickBooksSimulator
from tests.sandbox.conftest import add_item, message, responses, status

from .harness import Ledger
from .test_full_flow import ORDERS, SEED


def _d(value: object) -> Decimal:
    return Decimal(str(value or 0))


def test_the_flow_dataset_covers_the_readme_table() -> None:
    """The store the full flow posts holds each case the posting rules distinguish."""
    store = FakeStore.generate(orders=ORDERS, seed=SEED)
    orders = list(store.orders.values())
    invoices = list(store.invoices.values())
    memos = list(store.creditmemos.values())
    rows = [row for order in orders for row in order["items"]]
    ext = [order.get("extension_attributes") or {} for order in orders]
    cases = {
        "foreign currency": any(o["order_currency_code"] != o["base_currency_code"]
                                and _d(o["base_to_order_rate"]) != 1 for o in orders),
        "several tax rates on one order": any(len(e.get("applied_taxes") or []) > 1
                                              for e in ext),
        "tax on shipping": any(_d(o["base_shipping_tax_amount"]) for o in orders),
        "tax-inclusive prices": any(_d(r.get("base_discount_tax_compensation_amount"))
                                    for r in rows),
        "shipping discount": any(_d(o.get("base_shipping_discount_amount")) for o in orders),
        "fixed bundle": any(r["product_type"] == "bundle" and _d(r.get("base_row_total")) != 0
                            for r in rows),
        "dynamic bundle": any(r["product_type"] == "simple" and any(
            p["item_id"] == r.get("parent_item_id") and p["product_type"] == "bundle"
            for p in rows) and _d(r.get("base_row_total")) for r in rows),
        "configurable": any(r["product_type"] == "configurable" for r in rows),
        "virtual items": any(r["product_type"] in ("virtual", "downloadable") for r in rows),
        "partial invoices": any(len(store.invoices_of(o["entity_id"])) > 1 for o in orders),
        "online refund": any(m.get("transaction_id") for m in memos),
        "offline refund": any(not m.get("transaction_id") for m in memos),
        "refund returned to stock": any((i.get("extension_attributes") or {}).get(
            "back_to_stock") for m in memos for i in m["items"]),
        "refund not returned to stock": any(not (i.get("extension_attributes") or {}).get(
            "back_to_stock") for m in memos for i in m["items"]),
        "adjustment refund and fee": any(_d(m["base_adjustment_positive"])
                                         and _d(m["base_adjustment_negative"]) for m in memos),
        "payment on a later day": any(i["created_at"][:10] != i["updated_at"][:10]
                                      for i in invoices if i["state"] == 2),
        "non-Latin names": any(not o["customer_lastname"].isascii() for o in orders),
        "0.00 invoice": any(not _d(i["base_grand_total"]) and not i["items"] for i in invoices),
        "shipments from two sources": {s["extension_attributes"]["source_code"]
                                       for s in store.shipments.values()} >= {"default", "east"},
    }
    assert [case for case, present in cases.items() if not present] == []


def test_a_foreign_currency_invoice_books_home_currency_amounts(tmp_path: Path) -> None:
    """An invoice of 100.00 in the customer's currency at ExchangeRate 1.1 puts 110.00 in
    home currency on Accounts Receivable and income, as QuickBooks converts it.

    QuickBooks takes an ExchangeRate only with multicurrency on and for a customer in a
    foreign currency, and keeps that customer's receivables on an A/R account of its
    currency: the company, the customer and the account read here say so."""
    company_db = tmp_path / "company.sqlite3"
    simulator = QuickBooksSimulator(company_db, home_currency="US Dollar")
    try:
        customer = ("<CustomerAddRq><CustomerAdd><Name>Élise Martin</Name><CurrencyRef>"
                    "<FullName>Euro</FullName></CurrencyRef></CustomerAdd></CustomerAddRq>")
        assert status(responses(simulator.process(message(customer)))[0]) == 0
        add_item(simulator, "WIDGET-1")
        body = ("<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Élise Martin</FullName>"
                "</CustomerRef><TxnDate>2024-05-02</TxnDate><RefNumber>EU-1</RefNumber>"
                "<ExchangeRate>1.1</ExchangeRate><InvoiceLineAdd><ItemRef><FullName>WIDGET-1"
                "</FullName></ItemRef><Desc>Widget</Desc><Amount>100.00</Amount>"
                "<SalesTaxCodeRef><FullName>Non</FullName></SalesTaxCodeRef>"
                "</InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")
        answer = responses(simulator.process(message(body)))[0]
        assert status(answer) == 0, answer.get("statusMessage")
    finally:
        simulator.close()
    ledger = Ledger.read(company_db)
    assert ledger.balances["Accounts Receivable - EUR"] == Decimal("110.00")
    assert ledger.total("AccountsReceivable") == Decimal("110.00")
    assert ledger.total("Income") == Decimal("110.00")
