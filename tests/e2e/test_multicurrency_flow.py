"""Multicurrency end to end: a store with a USD base selling in EUR, posted with
``currency_mode = "multicurrency"`` through the real HTTP server and the simulated Web
Connector into a simulated QuickBooks company whose home currency is the US dollar.
Euro documents are booked in euros at the rate the posting rules chose, and the
company's home-currency ledger holds Magento's base amounts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento, FakeStore
from qbwc_service.app import make_app
from qbwc_service.context import AppContext
from qbwc_service.db.models import Mapping, Request, RequestStatus, RequestTransition
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.sandbox import QuickBooksSimulator, report
from qbwc_service.sandbox.quickbooks.lists import create_list
from qbwc_service.sandbox.quickbooks.retxml import element
from qbwc_service.server import ServerThread

from .harness import (
    COMPANY,
    Installation,
    Ledger,
    drain,
    failures,
    make_installation,
    merchant_setup,
    request_statuses,
)
from .test_full_flow import _empty, _pull, _xsd_dir

pytestmark = pytest.mark.slow

ORDERS = 24
SEED = 5
HOME = "US Dollar"
AGENCY = "State Board of Equalization"
CENT = Decimal("0.01")


@dataclass
class Flow:
    installation: Installation
    store: FakeStore
    company_db: Path

    @property
    def ctx(self) -> AppContext:
        return self.installation.ctx


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flow]:
    root = tmp_path_factory.mktemp("multicurrency")
    store = FakeStore.generate(orders=ORDERS, seed=SEED)
    fake = FakeMagento(store, seed=SEED)
    magento_url = fake.start()
    credentials = "\n".join(f"{key} = {json.dumps(value)}"
                            for key, value in store.credentials.as_dict().items())
    company = json.dumps(COMPANY)
    # Cash on delivery is paid at checkout and refunded to the card it came from; cheques
    # are invoiced, paid later and refunded by check.
    installation = make_installation(
        root / "install", service={"batch_start": 10, "batch_max": 40},
        extra_toml=f"[companies.{company}.magento]\nbase_url = {json.dumps(magento_url)}\n"
                   f"{credentials}\n[companies.{company}.mapping]\n"
                   'currency_mode = "multicurrency"\n'
                   f"[companies.{company}.mapping.tax]\nagency = {json.dumps(AGENCY)}\n"
                   f"[companies.{company}.mapping.payment_methods.cashondelivery]\n"
                   'flow = "sales_receipt"\nrefund = "card"\n'
                   f"[companies.{company}.mapping.sites]\n"
                   'default = "Main Warehouse"\neast = "East Warehouse"\n')
    simulator = merchant_setup(QuickBooksSimulator(
        root / "company.sqlite3", xsd_dir=_xsd_dir(), seed=SEED, home_currency=HOME))
    with simulator.store.transaction():
        create_list(simulator.company, "Vendor", element("Seed", children=[
            element("Name", AGENCY)]))
    server = ServerThread(make_app(installation.ctx)).start()
    try:
        _pull(installation.ctx, MagentoClient(fake.config()))
        url = f"{server.url}/qbwc"
        drain(installation.ctx, installation.company_id,
              lambda: installation.connector(url, simulator).run_session())
    finally:
        server.stop()
        simulator.close()
        fake.stop()
    result = Flow(installation, store, root / "company.sqlite3")
    yield result
    installation.ctx.db.dispose()


def _documents(flow: Flow, kind: str) -> list[dict[str, Any]]:
    documents = flow.store.invoices if kind == "invoice" else flow.store.creditmemos
    return [doc for doc in documents.values() if int(doc.get("state") or 0) != 3
            and not _empty(doc)]


def _euro(flow: Flow, document: dict[str, Any]) -> bool:
    return str(flow.store.orders[document["order_id"]]["order_currency_code"]) == "EUR"


def _d(value: object) -> Decimal:
    return Decimal(str(value or 0)).quantize(CENT)


def _sum(documents: list[dict[str, Any]], field: str) -> Decimal:
    return sum((_d(doc.get(field)) for doc in documents), Decimal(0))


def _txns(company_db: Path) -> dict[str, tuple[str, Any]]:
    """TxnID -> (kind, Ret) of every transaction in the company file."""
    connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
    try:
        return {str(txn_id): (str(kind), parse_xml(ret)) for txn_id, kind, ret in
                connection.execute("SELECT txn_id, kind, ret_xml FROM txn")}
    finally:
        connection.close()


def _mapped(flow: Flow, entity_type: str) -> dict[str, str]:
    with flow.ctx.db.session() as session:
        return {row.magento_id: row.qb_id or "" for row in session.scalars(select(Mapping).where(
            Mapping.company_id == flow.installation.company_id,
            Mapping.entity_type == entity_type))}


def test_everything_posts(flow: Flow) -> None:
    """The queue drains with every request succeeded, euro documents included; the only
    requests not sent are currency rounding entries the read-back showed nothing to
    correct, settled as skipped with that reason."""
    assert failures(flow.ctx, flow.installation.company_id) == []
    assert set(request_statuses(flow.ctx, flow.installation.company_id)) <= {"succeeded",
                                                                              "canceled"}
    with flow.ctx.db.session() as session:
        canceled = session.execute(
            select(Request.operation, RequestTransition.reason)
            .join(RequestTransition, RequestTransition.request_id == Request.id)
            .where(Request.company_id == flow.installation.company_id,
                   Request.status == RequestStatus.CANCELED.value,
                   RequestTransition.to_status == RequestStatus.CANCELED.value)).all()
    assert all(operation == "JournalEntryAdd" and (reason or "").startswith("skipped:")
               for operation, reason in canceled), canceled
    kinds = {kind for kind, _ret in _txns(flow.company_db).values()}
    assert {"Invoice", "SalesReceipt", "ReceivePayment", "CreditMemo", "ARRefundCreditCard",
            "Check"} <= kinds


@pytest.mark.parametrize("kind", ["invoice", "creditmemo"])
def test_euro_documents_are_in_euros_at_home_value_of_magento_base(flow: Flow,
                                                                   kind: str) -> None:
    """Each euro invoice and credit memo is a transaction in Euro whose total is Magento's
    order-currency total and whose total in home currency is Magento's base total."""
    txns = _txns(flow.company_db)
    mapped = _mapped(flow, kind)
    euro = [doc for doc in _documents(flow, kind) if _euro(flow, doc)]
    assert euro, f"the dataset should hold euro {kind}s"
    wrong = {}
    for document in euro:
        _kind, ret = txns[mapped[str(document["entity_id"])]]
        total = _d(ret.findtext("TotalAmount") or (
            Decimal(ret.findtext("Subtotal") or 0) + Decimal(ret.findtext("SalesTaxTotal") or 0)))
        rate = Decimal(ret.findtext("ExchangeRate") or "0")
        held = (ret.findtext("CurrencyRef/FullName"), total, _d(total * rate))
        wanted = ("Euro", _d(document["grand_total"]), _d(document["base_grand_total"]))
        if held != wanted:
            wrong[document["increment_id"]] = (held, wanted)
    assert wrong == {}


def test_euro_customers_and_receivables_are_in_euros(flow: Flow) -> None:
    """Euro orders have customers in Euro, booked on "Accounts Receivable - EUR"."""
    ledger = Ledger.read(flow.company_db)
    assert ledger.account_types["Accounts Receivable - EUR"] == "AccountsReceivable"
    connection = sqlite3.connect(f"file:{flow.company_db}?mode=ro", uri=True)
    try:
        currencies = {str(name): parse_xml(ret).findtext("CurrencyRef/FullName")
                      for name, ret in connection.execute(
                          "SELECT full_name, ret_xml FROM list_record WHERE kind = 'Customer'")}
    finally:
        connection.close()
    euro_customers = {name for name, currency in currencies.items() if currency == "Euro"}
    assert euro_customers and all(name.endswith(" EUR") for name in euro_customers)


def test_books_balance(flow: Flow) -> None:
    """Debits equal credits; assets equal liabilities plus equity."""
    books = report(flow.company_db)
    assert books["trial_balance"]["balanced"]
    assert books["balance_sheet"]["balanced"]


def test_receivables_and_deposits_hold_magento_base_amounts(flow: Flow) -> None:
    """Every invoice is paid and every credit memo refunded: each A/R account (home and
    euro) is back to zero, and money in less money out (Undeposited Funds, Checking) is
    Magento's base total invoiced less its base total refunded, to the cent."""
    invoices, memos = _documents(flow, "invoice"), _documents(flow, "creditmemo")
    assert all(int(doc["state"]) == 2 for doc in invoices)
    assert all(int(doc["state"]) == 2 for doc in memos)
    ledger = Ledger.read(flow.company_db)
    receivables = {name: amount for name, amount in ledger.balances.items()
                   if ledger.account_types.get(name) == "AccountsReceivable"}
    assert receivables and all(amount == 0 for amount in receivables.values()), receivables
    money = sum((ledger.balances.get(name, Decimal(0))
                 for name in ("Undeposited Funds", "Checking")), Decimal(0))
    assert money == _sum(invoices, "base_grand_total") - _sum(memos, "base_grand_total")


def test_income_tax_and_rounding_add_up_to_magento_base_net_sales(flow: Flow) -> None:
    """Income, Sales Tax Payable and the conversion's rounding in Exchange Gain or Loss
    together are Magento's base net sales to the cent; no payment or refund was booked at
    another rate, so Exchange Gain or Loss holds rounding only (at most half a cent per
    converted line); tax and income each differ from Magento's base figures by no more."""
    invoices, memos = _documents(flow, "invoice"), _documents(flow, "creditmemo")
    ledger = Ledger.read(flow.company_db)
    # Balances as QuickBooks shows them: income and the liability as credits, Exchange
    # Gain or Loss (an expense) as a debit, so a rounding gain is negative there.
    income = ledger.total("Income")
    tax = ledger.balances.get("Sales Tax Payable", Decimal(0))
    rounding = -ledger.balances.get("Exchange Gain or Loss", Decimal(0))
    base_tax = _sum(invoices, "base_tax_amount") - _sum(memos, "base_tax_amount")
    base_net = _sum(invoices, "base_grand_total") - _sum(memos, "base_grand_total") - base_tax
    assert income > 0 and tax > 0
    assert income + tax + rounding == base_net + base_tax
    converted_lines = sum(len(doc["items"]) + 3 for doc in invoices + memos if _euro(flow, doc))
    bound = Decimal("0.005") * converted_lines
    assert abs(rounding) <= bound
    assert abs(tax - base_tax) <= bound and abs(income - base_net) <= bound


def test_income_and_sales_tax_equal_magento_base_figures_to_the_cent(flow: Flow) -> None:
    """Account by account: income is Magento's base net sales and Sales Tax Payable its
    base tax collected less tax refunded, to the cent, all of it owed to the tax agency;
    Exchange Gain or Loss holds only the corrections' balance, which cancels the
    conversions' rounding (no payment or refund was booked at another rate)."""
    invoices, memos = _documents(flow, "invoice"), _documents(flow, "creditmemo")
    ledger = Ledger.read(flow.company_db)
    base_tax = _sum(invoices, "base_tax_amount") - _sum(memos, "base_tax_amount")
    base_net = _sum(invoices, "base_grand_total") - _sum(memos, "base_grand_total") - base_tax
    assert ledger.total("Income") == base_net
    assert ledger.balances.get("Sales Tax Payable", Decimal(0)) == base_tax
    assert ledger.balances.get("Exchange Gain or Loss", Decimal(0)) == 0
    connection = sqlite3.connect(f"file:{flow.company_db}?mode=ro", uri=True)
    try:
        owed = {str(name): -Decimal(str(total)) for name, total in connection.execute(
            "SELECT v.full_name, SUM(CAST(j.amount AS REAL)) FROM journal j "
            "JOIN list_record a ON a.list_id = j.account_id "
            "LEFT JOIN list_record v ON v.list_id = j.entity_id "
            "WHERE a.full_name = 'Sales Tax Payable' GROUP BY v.full_name")}
    finally:
        connection.close()
    assert {name: amount.quantize(CENT) for name, amount in owed.items()} == {AGENCY: base_tax}


def test_rounding_entries_trace_to_their_euro_documents(flow: Flow) -> None:
    """The documents no rate could book exactly got a home-currency journal entry with
    their RefNumber, date and a memo naming them on every line, no A/R line, and the
    request log shows it under the same Magento reference as its document."""
    txns = _txns(flow.company_db)
    entries = [ret for kind, ret in txns.values() if kind == "JournalEntry"]
    assert entries, "the dataset should hold euro documents no single rate books exactly"
    # memo every line should carry -> the document's transaction in QuickBooks
    euro = {f"Currency rounding for Magento {title} {doc['increment_id']}":
            txns[_mapped(flow, kind)[str(doc["entity_id"])]][1]
            for kind, title in (("invoice", "invoice"), ("creditmemo", "credit memo"))
            for doc in _documents(flow, kind) if _euro(flow, doc)}
    for ret in entries:
        lines = [line for line in ret if str(line.tag).startswith("Journal")]
        memos = {line.findtext("Memo") or "" for line in lines}
        assert len(memos) == 1, memos
        document = euro[memos.pop()]
        assert (ret.findtext("RefNumber"), ret.findtext("TxnDate")) == (
            document.findtext("RefNumber"), document.findtext("TxnDate"))
        assert ret.find("CurrencyRef") is None
        assert not any("Receivable" in (line.findtext("AccountRef/FullName") or "")
                       for line in lines)
    with flow.ctx.db.session() as session:
        posted = session.scalars(select(Request).where(
            Request.company_id == flow.installation.company_id,
            Request.operation == "JournalEntryAdd",
            Request.status == RequestStatus.SUCCEEDED.value)).all()
        documents = {row.magento_ref for row in session.scalars(select(Request).where(
            Request.company_id == flow.installation.company_id,
            Request.operation.in_(("InvoiceAdd", "SalesReceiptAdd", "CreditMemoAdd"))))}
        assert len(posted) == len(entries)
        assert all(row.magento_ref in documents for row in posted)
