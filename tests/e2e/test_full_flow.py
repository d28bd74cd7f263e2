"""Fake Magento → pull → queue → SOAP over HTTP → simulated Web Connector → simulated
QuickBooks, clean and with faults on both sides: every Magento invoice and credit memo
posted exactly once, QuickBooks' totals equal Magento's to the cent, every request
XSD-valid (when the schemas are beside the clone), reconciliation without variance.
"""

from __future__ import annotations

import copy
import json
import shutil
import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from magento_client.client import MagentoClient
from magento_client.exceptions import MagentoError
from magento_client.fake import FakeMagento, FakeStore
from magento_client.fake.billing import ship_invoiced
from qbwc_service.app import make_app
from qbwc_service.context import AppContext
from qbwc_service.db.models import Attempt, Mapping, MessageSet
from qbwc_service.qbxml import XsdValidator
from qbwc_service.qbxml.render import render_message_set
from qbwc_service.reconcile.compare import Comparison
from qbwc_service.sandbox import QbFaults, QuickBooksSimulator, SessionSummary, report
from qbwc_service.server import ServerThread
from qbwc_service.services.reconciliation import reconcile_documents as reconcile
from qbwc_service.sync.enqueue import SyncReport, get_company
from qbwc_service.sync.runner import pull_and_enqueue
from tests.conftest import REFERENCE, reference_path

from .harness import (
    COMPANY,
    Books,
    Installation,
    Ledger,
    drain,
    failures,
    make_installation,
    merchant_setup,
    request_statuses,
)

pytestmark = pytest.mark.slow

ORDERS = 60
SEED = 5
MAGENTO_FAULTS = "429=0.08,500=0.05,slow=0.03,truncate=0.03,slow_seconds=0.2,retry_after=0"
QUICKBOOKS_FAULTS = "busy=0.06,lose_response=0.12"
TXN_KINDS = {"invoice": ("Invoice", "SalesReceipt"), "creditmemo": ("CreditMemo",)}
SITES = {"default": "Main Warehouse", "east": "East Warehouse"}  # the config's site map


def _xsd_dir() -> Path | None:
    folder = REFERENCE / "qbxml" / "xsd"
    return folder if folder.is_dir() else None


@dataclass
class Flow:
    """One whole run and everything the assertions read afterwards."""

    installation: Installation
    store: FakeStore
    company_db: Path
    pulls: list[SyncReport]
    sessions: list[SessionSummary]
    magento_documents: list[Any]

    @property
    def ctx(self) -> AppContext:
        return self.installation.ctx

    def mappings(self, entity_type: str) -> dict[str, Mapping]:
        with self.ctx.db.session() as session:
            rows = session.scalars(select(Mapping).where(
                Mapping.company_id == self.installation.company_id,
                Mapping.entity_type == entity_type)).all()
            session.expunge_all()
        return {row.magento_id: row for row in rows}


def _pull(ctx: AppContext, client: MagentoClient, attempts: int = 12) -> list[SyncReport]:
    """Pull like the scheduler: a run the Magento faults break is simply run again."""
    reports: list[SyncReport] = []
    for _ in range(attempts):
        try:
            reports.append(pull_and_enqueue(ctx, COMPANY, client=client))
        except (MagentoError, ValueError, OSError):
            continue
        if not reports[-1].errors:
            return reports
    raise AssertionError(f"the pull never completed: {[r.errors[:3] for r in reports]}")


def _run_flow(root: Path, *, magento_faults: str | None, quickbooks_faults: str) -> Flow:
    store = FakeStore.generate(orders=ORDERS, seed=SEED)
    fake = FakeMagento(store, faults=magento_faults, seed=SEED)
    magento_url = fake.start()
    credentials = "\n".join(f"{key} = {json.dumps(value)}"
                            for key, value in store.credentials.as_dict().items())
    installation = make_installation(
        root / "install", service={"batch_start": 10, "batch_max": 40},
        extra_toml=f'[companies.{json.dumps(COMPANY)}.magento]\n'
                   f"base_url = {json.dumps(magento_url)}\n{credentials}\n"
                   # Lines take stock out of the site of the MSI source that shipped
                   # them: the default source is the main site, the eastern one the east.
                   f'[companies.{json.dumps(COMPANY)}.mapping.sites]\n'
                   'default = "Main Warehouse"\neast = "East Warehouse"\n')
    simulator = merchant_setup(QuickBooksSimulator(
        root / "company.sqlite3", release="enterprise-2023", xsd_dir=_xsd_dir(),
        faults=QbFaults.parse(quickbooks_faults), seed=SEED))
    server = ServerThread(make_app(installation.ctx)).start()
    try:
        client = MagentoClient(fake.config())
        pulls = _pull(installation.ctx, client)
        url = f"{server.url}/qbwc"
        sessions = drain(installation.ctx, installation.company_id,
                         lambda: installation.connector(url, simulator).run_session(),
                         max_sessions=60)
        # The faults are off for reading back: the assertions need Magento's documents.
        fake.faults.spec = replace(fake.faults.spec, rates={})
        documents = [*client.iter_updated("invoices", datetime(1970, 1, 1, tzinfo=UTC)),
                     *client.iter_updated("creditmemos", datetime(1970, 1, 1, tzinfo=UTC))]
        # Empty 0.00 invoices are skipped by the sales rule; reconciliation does not know
        # that rule yet and would call them "not yet posted".
        documents = [document for document in documents if not _empty(document)]
    finally:
        server.stop()
        simulator.close()
        fake.stop()
    return Flow(installation, store, root / "company.sqlite3", pulls, sessions, documents)


@pytest.fixture(scope="module", params=["clean", "faults"])
def flow(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
         ) -> Iterator[Flow]:
    faulty = request.param == "faults"
    result = _run_flow(tmp_path_factory.mktemp(f"flow-{request.param}"),
                       magento_faults=MAGENTO_FAULTS if faulty else None,
                       quickbooks_faults=QUICKBOOKS_FAULTS if faulty else "")
    yield result
    result.installation.ctx.db.dispose()


def _empty(document: Any) -> bool:
    """A 0.00 document without items: the sales rule skips it (nothing to post)."""
    if isinstance(document, dict):
        return not Decimal(str(document.get("base_grand_total") or 0)) and not document["items"]
    return not document.base_grand_total and not document.items


def _posted_documents(store: FakeStore, kind: str) -> dict[str, dict[str, Any]]:
    """Magento documents of ``kind`` the books must hold (canceled and empty ones excluded)."""
    documents = store.invoices if kind == "invoice" else store.creditmemos
    canceled = 3  # Magento's STATE_CANCELED for invoices and credit memos
    return {str(doc["entity_id"]): doc for doc in documents.values()
            if int(doc.get("state") or 0) != canceled and not _empty(doc)}


def test_every_request_succeeded(flow: Flow) -> None:
    """The queue drains with every request succeeded and none failed or stuck."""
    statuses = request_statuses(flow.ctx, flow.installation.company_id)
    assert failures(flow.ctx, flow.installation.company_id) == []
    assert set(statuses) == {"succeeded"}
    assert statuses["succeeded"] > ORDERS


@pytest.mark.parametrize("kind", ["invoice", "creditmemo"])
def test_each_magento_document_posted_exactly_once(flow: Flow, kind: str) -> None:
    """Each Magento invoice/credit memo maps to one QuickBooks transaction, no extras."""
    expected = _posted_documents(flow.store, kind)
    assert expected, f"the generated store has no {kind}s"
    mappings = flow.mappings(kind)
    assert sorted(mappings) == sorted(expected)
    books = Books.read(flow.company_db)
    held = Counter(txn_id for txn_id in _txn_ids(flow.company_db, TXN_KINDS[kind]))
    mapped = Counter(mapping.qb_id for mapping in mappings.values())
    assert mapped == held, "QuickBooks holds transactions no Magento document maps to"
    assert sum(sum(books.refs(k).values()) for k in TXN_KINDS[kind]) == len(expected)


def _txn_ids(company_db: Path, kinds: tuple[str, ...]) -> list[str]:
    connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
    try:
        marks = ",".join("?" for _ in kinds)
        return [str(txn_id) for (txn_id,) in connection.execute(
            f"SELECT txn_id FROM txn WHERE kind IN ({marks})", kinds)]
    finally:
        connection.close()


def _txn_totals(company_db: Path) -> dict[str, Decimal]:
    connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
    try:
        return {str(txn_id): Decimal(str(total))
                for txn_id, total in connection.execute("SELECT txn_id, total FROM txn")}
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["invoice", "creditmemo"])
def test_quickbooks_totals_equal_magento_to_the_cent(flow: Flow, kind: str) -> None:
    """QuickBooks' total per document equals Magento's base grand total, cent for cent."""
    totals = _txn_totals(flow.company_db)
    mappings = flow.mappings(kind)
    wrong = {}
    for magento_id, document in _posted_documents(flow.store, kind).items():
        magento_total = Decimal(str(document["base_grand_total"])).quantize(Decimal("0.01"))
        held = totals.get(mappings[magento_id].qb_id or "")
        if held != magento_total:
            wrong[document["increment_id"]] = (str(magento_total), str(held))
    assert wrong == {}


def test_no_duplicate_magento_reference_in_the_books(flow: Flow) -> None:
    """No transaction memo names the same Magento document twice (the strict identity)."""
    books = Books.read(flow.company_db)
    for kind in ("Invoice", "SalesReceipt", "CreditMemo", "ReceivePayment"):
        memos = books.memos(kind)
        assert {memo: n for memo, n in memos.items() if memo and n > 1} == {}, kind


def test_sandbox_report_lists_no_duplicates(flow: Flow) -> None:
    """The sandbox report's duplicate list (RefNumber or Magento reference) is empty."""
    assert report(flow.company_db)["duplicates"] == []


def test_every_request_in_the_log_is_xsd_valid(flow: Flow) -> None:
    """Each attempt's request, wrapped as a message set, validates against Intuit's XSD."""
    xsd_dir = reference_path("qbxml", "xsd")
    with flow.ctx.db.session() as session:
        rows = session.execute(
            select(Attempt.request_xml, MessageSet.qbxml_version)
            .join(MessageSet, MessageSet.message_set_id == Attempt.message_set_id)).all()
    assert rows
    validators: dict[str, XsdValidator] = {}
    invalid = []
    for request_xml, version in rows:
        assert request_xml is not None, "the request log lost a request body"
        if version not in validators:
            validators[version] = XsdValidator(xsd_dir, version)
        validator = validators[version]
        errors = validator.validate(render_message_set([request_xml], version=version))
        if errors:
            invalid.append((request_xml[:200], errors[:2]))
    assert invalid == []


def _reconciliation(flow: Flow) -> Comparison:
    days = [document.created_at.date() for document in flow.magento_documents]
    with flow.ctx.db.session() as session:
        company = get_company(session, COMPANY)
        return reconcile(session, company, min(days) - timedelta(days=1),
                         max(days) + timedelta(days=1),
                         magento_documents=flow.magento_documents,
                         quickbooks_txns=_txn_totals(flow.company_db))


def test_reconciliation_reports_zero_variance(flow: Flow) -> None:
    """Reconciling Magento against the QuickBooks company finds no variance at all."""
    result = _reconciliation(flow)
    assert [(v.magento_ref, v.reason, v.detail) for v in result.variances] == []
    assert result.balanced
    invoiced = sum((day.magento["invoiced"] for day in result.days), Decimal(0))
    assert invoiced == sum((day.quickbooks["invoiced"] for day in result.days), Decimal(0))
    assert invoiced > 0


def test_faults_really_happened(flow: Flow, request: pytest.FixtureRequest) -> None:
    """The fault run did lose responses and see busy errors (else it proves nothing)."""
    lost = sum(s.outcome == "lost_response" for s in flow.sessions)
    busy = sum(s.statuses.get(code, 0) for s in flow.sessions for code in (3175, 3176, 3180))
    if "faults" in request.node.callspec.id:
        assert lost >= 1 and busy >= 1
    else:
        assert lost == 0 and busy == 0


# -- the books, account by account (the simulated QuickBooks keeps a double-entry ledger) --

def _account(books: dict[str, Any], name: str) -> Decimal:
    """An account's balance on the trial balance, credit balances negative."""
    for row in books["trial_balance"]["accounts"]:
        if row["account"] == name:
            return Decimal(row["debit"]) - Decimal(row["credit"])
    return Decimal(0)


def _sum(documents: Any, field: str) -> Decimal:
    return sum((Decimal(str(doc.get(field) or 0)) for doc in documents), Decimal(0))


def _magento_sum(flow: Flow, kind: str, field: str) -> Decimal:
    return _sum(_posted_documents(flow.store, kind).values(), field)


def test_books_balance(flow: Flow) -> None:
    """Debits equal credits on the trial balance; assets equal liabilities plus equity."""
    books = report(flow.company_db)
    assert books["trial_balance"]["balanced"], books["trial_balance"]
    assert books["balance_sheet"]["balanced"], books["balance_sheet"]


def test_collected_tax_is_owed_to_the_tax_agency(flow: Flow) -> None:
    """Sales Tax Payable holds Magento's tax invoiced less tax refunded, to the cent."""
    owed = _magento_sum(flow, "invoice", "base_tax_amount") - \
        _magento_sum(flow, "creditmemo", "base_tax_amount")
    assert owed > 0
    assert -_account(report(flow.company_db), "Sales Tax Payable") == owed


def test_refunds_leave_receivables_and_the_bank(flow: Flow) -> None:
    """Every refunded credit memo is used up: no customer is left with an open credit."""
    assert _magento_sum(flow, "creditmemo", "base_grand_total") > 0
    assert report(flow.company_db)["customers_with_credit"] == []


def test_income_equals_net_sales(flow: Flow) -> None:
    """Income accounts hold Magento's sales net of tax: invoiced less refunded (shipping,
    discounts and refund adjustments included), to the cent."""
    net_sales = (_magento_sum(flow, "invoice", "base_grand_total")
                 - _magento_sum(flow, "invoice", "base_tax_amount")
                 - _magento_sum(flow, "creditmemo", "base_grand_total")
                 + _magento_sum(flow, "creditmemo", "base_tax_amount"))
    assert net_sales > 0
    assert Ledger.read(flow.company_db).total("Income") == net_sales


def test_no_customer_keeps_a_credit_magento_refunded(flow: Flow) -> None:
    """Every credit memo Magento refunded in money is used up in QuickBooks (refunded
    or applied): nothing is left as a customer credit."""
    ledger = Ledger.read(flow.company_db)
    memos = flow.mappings("creditmemo")
    assert memos
    left = {magento_id: ledger.credit_left.get(mapping.qb_name or "")
            for magento_id, mapping in memos.items()}
    assert {magento_id: amount for magento_id, amount in left.items() if amount != 0} == {}


def test_deposits_move_by_payments_less_refunds(flow: Flow) -> None:
    """Undeposited Funds and the bank hold what Magento captured less what it paid back."""
    invoices = [d for d in _posted_documents(flow.store, "invoice").values()
                if int(d["state"]) == 2]
    memos = [d for d in _posted_documents(flow.store, "creditmemo").values()
             if int(d["state"]) == 2]
    ledger = Ledger.read(flow.company_db)
    cash = sum((ledger.balances.get(name, Decimal(0))
                for name in ("Undeposited Funds", "Checking", "Merchant Account")), Decimal(0))
    assert cash == _sum(invoices, "base_grand_total") - _sum(memos, "base_grand_total")


def _stock_units(order: dict[str, Any], rows: list[dict[str, Any]]) -> Iterator[tuple[str, Any]]:
    """(SKU, units) that leave or return to the shelf for document rows: simple rows,
    configurable rows on their chosen variant, bundle parts (never the bundle itself)."""
    by_id = {row["item_id"]: row for row in order["items"]}
    for row in rows:
        ordered = by_id[row["order_item_id"]]
        if ordered.get("is_virtual") or ordered["product_type"] in (
                "virtual", "downloadable", "bundle", "grouped"):
            continue
        parent = by_id.get(ordered.get("parent_item_id"))
        if parent is not None and parent["product_type"] == "configurable":
            continue
        yield ordered["sku"], row


def test_stock_follows_magento_bundle_parts_included(flow: Flow) -> None:
    """Each item's quantity in QuickBooks is minus the units invoiced plus the refunded
    units Magento returned to stock: every part of every invoiced bundle is relieved, and
    refunds not returned to stock stay out."""
    expected: Counter[str] = Counter()
    parts: set[str] = set()
    for invoice in _posted_documents(flow.store, "invoice").values():
        order = flow.store.orders[invoice["order_id"]]
        for sku, row in _stock_units(order, invoice["items"]):
            expected[sku] -= Decimal(str(row["qty"]))
            parent = next((r for r in order["items"]
                           if r["item_id"] == next(o for o in order["items"]
                                                   if o["item_id"] == row["order_item_id"]
                                                   ).get("parent_item_id")), None)
            if parent is not None and parent["product_type"] == "bundle":
                parts.add(sku)
    for memo in _posted_documents(flow.store, "creditmemo").values():
        order = flow.store.orders[memo["order_id"]]
        for sku, row in _stock_units(order, memo["items"]):
            if (row.get("extension_attributes") or {}).get("back_to_stock"):
                expected[sku] += Decimal(str(row["qty"]))
    names = {sku: mapping.qb_name for sku, mapping in flow.mappings("item").items()}
    ledger = Ledger.read(flow.company_db)
    held = {sku: ledger.on_hand.get(names[sku] or "", Decimal(0)) for sku in expected}
    assert parts, "the dataset should invoice bundles"
    assert held == dict(expected)
    # At Magento's cost: what left the shelf is cost of goods sold (write-offs included),
    # what came back is in the inventory asset again.
    costs = {product.sku: product.cost for product in flow.store.catalog}
    sold_at_cost = -sum((units * (costs.get(sku) or 0) for sku, units in expected.items()),
                        Decimal(0))
    assert sold_at_cost > 0
    assert ledger.total("CostOfGoodsSold") == sold_at_cost
    assert ledger.balances.get("Inventory Asset", Decimal(0)) == -sold_at_cost


def _count_stock(company_db: Path, quantity: int) -> None:
    """A merchant's stock count in QuickBooks: every inventory item at ``quantity`` on
    both sites, so pushed quantities are not all clamped at zero."""
    from qbwc_service.qbxml.render import render_request

    connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
    try:
        items = [str(name) for (name,) in connection.execute(
            "SELECT full_name FROM list_record WHERE kind = 'ItemInventory'")]
    finally:
        connection.close()
    requests = [render_request("InventoryAdjustmentAdd", {
        "AccountRef": {"FullName": "Opening Balance Equity"}, "RefNumber": "COUNT",
        "InventorySiteRef": {"FullName": site},
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": {"FullName": name},
             "QuantityAdjustment": {"NewQuantity": Decimal(quantity)}} for name in items]},
        version="13.0", request_id=str(number))
        for number, site in enumerate(SITES.values(), start=1)]
    simulator = QuickBooksSimulator(company_db, release="enterprise-2023")
    try:
        answer = simulator.process(render_message_set(requests, version="13.0"))
    finally:
        simulator.close()
    assert answer.count('statusCode="0"') == len(requests), answer[:500]


class _Writer:
    def __init__(self) -> None:
        self.items: list[Any] = []

    def save_source_items(self, items: Any, *, batch_size: int | None = None) -> int:
        self.items += list(items)
        return 1


def _source_of(shipments: list[dict[str, Any]], order: dict[str, Any],
               order_item_id: int) -> str:
    """Where a row's stock moved: the source of the first of ``shipments`` listing the
    row (or its parent, for a bundle part), the default source while it has not shipped."""
    parent = next(r for r in order["items"] if r["item_id"] == order_item_id).get("parent_item_id")
    for wanted in (order_item_id, parent):
        for shipment in shipments:
            if any(row["order_item_id"] == wanted for row in shipment["items"]):
                return str(shipment["extension_attributes"]["source_code"])
    return "default"


def test_the_dataset_ships_from_two_sources(flow: Flow) -> None:
    """Orders ship from the default and the eastern source, some from both."""
    sources = {s["extension_attributes"]["source_code"] for s in flow.store.shipments.values()}
    assert sources == {"default", "east"}
    assert any(len({s["extension_attributes"]["source_code"]
                    for s in flow.store.shipments_of(order_id)}) == 2
               for order_id in flow.store.orders)


def test_each_line_moves_stock_at_the_site_of_its_source(flow: Flow) -> None:
    """Each item's quantity at each site is minus the units invoiced from the source that
    site stands for (the shipment's source, the default source before shipment) plus the
    refunded units returned to stock there."""
    store = flow.store
    expected: Counter[tuple[str, str]] = Counter()
    for invoice in _posted_documents(store, "invoice").values():
        order = store.orders[invoice["order_id"]]
        for sku, row in _stock_units(order, invoice["items"]):
            shipments = store.shipments_of(order["entity_id"])
            site = SITES[_source_of(shipments, order, row["order_item_id"])]
            expected[(sku, site)] -= Decimal(str(row["qty"]))
    for memo in _posted_documents(store, "creditmemo").values():
        order = store.orders[memo["order_id"]]
        for sku, row in _stock_units(order, memo["items"]):
            if (row.get("extension_attributes") or {}).get("back_to_stock"):
                shipments = store.shipments_of(order["entity_id"])
                site = SITES[_source_of(shipments, order, row["order_item_id"])]
                expected[(sku, site)] += Decimal(str(row["qty"]))
    names = {sku: mapping.qb_name for sku, mapping in flow.mappings("item").items()}
    ledger = Ledger.read(flow.company_db)
    held = {(sku, site): ledger.at_site.get((names[sku] or "", site), Decimal(0))
            for sku, site in expected}
    assert {site for _sku, site in expected if expected[(_sku, site)]} == set(SITES.values())
    assert held == {key: units for key, units in expected.items()}


def test_quantity_pushed_is_quickbooks_less_units_not_yet_deducted(
        flow: Flow, tmp_path: Path) -> None:
    """After a fresh ItemSitesQuery, each SKU pushed to each source is QuickBooks' quantity
    at the mapped site less what Magento shipped from that source (net of returns) beyond
    what QuickBooks deducted at that site (net of returns), all documents being posted."""
    from magento_client.documents import CreditMemo, Invoice, Order, Shipment
    from qbwc_service.sync.inventory import enqueue_inventory_query, push_inventory

    # A copy of the company file: the other books tests read the one the flow posted to.
    company_db = tmp_path / "counted.sqlite3"
    shutil.copyfile(flow.company_db, company_db)
    _count_stock(company_db, 1000)
    ctx, company_id = flow.ctx, flow.installation.company_id
    with ctx.db.session() as session:
        enqueue_inventory_query(session, get_company(session, COMPANY))
    simulator = QuickBooksSimulator(company_db, release="enterprise-2023")
    server = ServerThread(make_app(ctx)).start()
    try:
        drain(ctx, company_id, lambda: flow.installation.connector(
            f"{server.url}/qbwc", simulator).run_session())
    finally:
        server.stop()
        simulator.close()
    store = flow.store
    # One order ships from the eastern source only now, after its invoice was posted at
    # the main site (the default source's, as nothing had shipped): each side must count
    # its units where they really left.
    orders = {oid: copy.deepcopy(order) for oid, order in store.orders.items()}
    late_order = next(order for order in orders.values() if any(
        Decimal(row["qty_invoiced"]) > Decimal(row["qty_shipped"]) and not row.get("is_virtual")
        and row["product_type"] == "simple" and "parent_item_id" not in row
        for row in order["items"]) and not store.shipments_of(order["entity_id"]))
    late = ship_invoiced(late_order, datetime(2026, 3, 1, tzinfo=UTC), entity_id=9999,
                         increment_id="999999999", source_code="east")
    assert late is not None
    shipments = [*store.shipments.values(), late]
    writer = _Writer()
    pushed = push_inventory(
        ctx, COMPANY, writer,
        orders=[Order.from_json(o) for o in orders.values()],
        invoices=[Invoice.from_json(i) for i in _posted_documents(store, "invoice").values()],
        creditmemos=[CreditMemo.from_json(m)
                     for m in _posted_documents(store, "creditmemo").values()],
        shipments=[Shipment.from_json(s) for s in shipments])
    # Magento's side, from the raw documents: units each source shipped less shipped units
    # returned; QuickBooks' side: units invoiced less units returned to stock, at the site
    # of the source that had shipped them when they were posted.
    def magento_source(order: dict[str, Any], item_id: int) -> str:
        return _source_of([s for s in shipments if s["order_id"] == order["entity_id"]],
                          order, item_id)

    def posted_source(order: dict[str, Any], item_id: int) -> str:
        return _source_of(store.shipments_of(order["entity_id"]), order, item_id)

    pending: Counter[tuple[str, str]] = Counter()
    returned: Counter[tuple[int, int]] = Counter()
    for memo in _posted_documents(store, "creditmemo").values():
        order = orders[memo["order_id"]]
        for sku, row in _stock_units(order, memo["items"]):
            if (row.get("extension_attributes") or {}).get("back_to_stock"):
                pending[(sku, posted_source(order, row["order_item_id"]))] += Decimal(
                    str(row["qty"]))
                returned[(order["entity_id"], row["order_item_id"])] += Decimal(str(row["qty"]))
    for invoice in _posted_documents(store, "invoice").values():
        order = orders[invoice["order_id"]]
        for sku, row in _stock_units(order, invoice["items"]):
            pending[(sku, posted_source(order, row["order_item_id"]))] -= Decimal(
                str(row["qty"]))
    for order in orders.values():
        for sku, row in _stock_units(order, [{"order_item_id": r["item_id"], **r}
                                             for r in order["items"]]):
            shipped = Decimal(str(row.get("qty_shipped") or 0))
            back = min(returned[(order["entity_id"], row["item_id"])], shipped)
            if shipped:
                pending[(sku, magento_source(order, row["item_id"]))] += shipped - back
    names = {mapping.qb_name: sku for sku, mapping in flow.mappings("item").items()}
    sources = {site: source for source, site in SITES.items()}
    expected = {(names[name], sources[site]): max(quantity - pending[(names[name],
                                                                      sources[site])], Decimal(0))
                for (name, site), quantity in Ledger.read(company_db).at_site.items()
                if name in names and site in sources}
    got = {(item.sku, item.source_code): item.quantity for item in writer.items}
    assert got == expected
    for source in SITES:
        assert any(pending[(sku, source)] for sku, src in got if src == source), \
            f"the dataset should leave units to net at {source}"
    # Stock at sites no Magento source maps to is reported, not pushed.
    assert all("is not mapped to a Magento source" in line for line in pushed.skipped)


def test_empty_zero_invoices_are_skipped_with_the_reason(flow: Flow) -> None:
    """Magento's 0.00 invoices without items are not posted, and the pull says why."""
    empty = [doc["increment_id"] for doc in flow.store.invoices.values() if _empty(doc)]
    assert empty, "the dataset should hold a 0.00 invoice"
    skipped = " ".join(line for pull in flow.pulls for line in pull.skipped)
    assert all(f"invoice {number}: a 0.00 invoice" in skipped for number in empty)
    assert not set(empty) & {m.magento_ref for m in flow.mappings("invoice").values()}


def _stock_out_on_sales(company_db: Path) -> Counter[str]:
    """Units QuickBooks took out of stock per item on invoices and sales receipts."""
    connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
    try:
        out: Counter[str] = Counter()
        for name, qty in connection.execute(
                "SELECT list_record.full_name, journal.quantity FROM journal JOIN list_record "
                "ON list_record.list_id = journal.item_id WHERE journal.quantity IS NOT NULL "
                "AND journal.txn_kind IN ('Invoice', 'SalesReceipt')"):
            out[str(name)] -= int(Decimal(qty))
        return out
    finally:
        connection.close()


def test_fixed_bundle_components_leave_stock(flow: Flow) -> None:
    """Each simple SKU leaves stock by what Magento invoiced of it, alone or as a bundle
    component (Magento lists a bundle's components as invoice rows of their own)."""
    # By product id: a configurable's own row carries its chosen child's SKU.
    catalog = {product.id: product for product in flow.store.catalog}
    expected: Counter[str] = Counter()
    fixed_bundles = 0
    for document in _posted_documents(flow.store, "invoice").values():
        for item in document["items"]:
            product = catalog.get(int(item["product_id"]))
            if product is None:
                continue
            if product.type_id == "simple":
                expected[product.sku] += int(Decimal(str(item["qty"])))
            fixed_bundles += product.bundle_price_type == "fixed"
    assert fixed_bundles, "no fixed bundle was invoiced"
    moved = _stock_out_on_sales(flow.company_db)
    # SKUs longer than QuickBooks' 31 characters are posted under a short name.
    wrong = {sku: (units, moved[sku]) for sku, units in expected.items()
             if len(sku) <= 31 and moved[sku] != units}
    assert wrong == {}
