"""Fake Magento → sync → SOAP → simulated Web Connector → simulated QuickBooks, then a
reconciliation run through the same Web Connector; then the company is changed behind
the service's back with ``sandbox exec`` and the next run names each change.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree
from sqlalchemy import select

from magento_client.client import MagentoClient
from magento_client.fake import FakeMagento, FakeStore
from qbwc_service.app import make_app
from qbwc_service.cli import cli
from qbwc_service.db.models import Mapping
from qbwc_service.sandbox import QuickBooksSimulator
from qbwc_service.server import ServerThread
from qbwc_service.services.reconciliation import read_run, reconcile_company
from qbwc_service.sync.runner import pull_and_enqueue
from tests.e2e.harness import COMPANY, Installation, drain, make_installation, merchant_setup

pytestmark = pytest.mark.slow

ORDERS = 12
SEED = 11


@dataclass
class Demo:
    installation: Installation
    company_db: Path
    client: MagentoClient
    url: str
    simulator: QuickBooksSimulator

    def web_connector(self) -> None:
        ctx = self.installation.ctx
        drain(ctx, self.installation.company_id,
              lambda: self.installation.connector(self.url, self.simulator).run_session())

    def reconcile(self, first: date, last: date) -> dict[str, Any]:
        """Start a run, let the Web Connector carry its queries, read the stored result."""
        ctx = self.installation.ctx
        started = reconcile_company(ctx, COMPANY, first, last, refresh=True,
                                    client_factory=lambda name: self.client)
        assert started.report["status"] == "waiting"
        self.web_connector()
        done = read_run(ctx, started.run.id)
        assert done is not None and done["status"] == "complete", done and done["message"]
        return done

    def mapping(self, entity_type: str) -> Mapping:
        with self.installation.ctx.db.session() as session:
            row = session.scalars(select(Mapping).where(
                Mapping.entity_type == entity_type, Mapping.qb_id.is_not(None))
                .order_by(Mapping.magento_ref)).first()
            assert row is not None
            session.expunge(row)
            return row


def _demo(root: Path, reconciliation_toml: str) -> Iterator[Demo]:
    store = FakeStore.generate(orders=ORDERS, seed=SEED)
    fake = FakeMagento(store, seed=SEED)
    magento_url = fake.start()
    credentials = "\n".join(f"{key} = {json.dumps(value)}"
                            for key, value in store.credentials.as_dict().items())
    installation = make_installation(
        root / "install", extra_toml=f'[companies.{json.dumps(COMPANY)}.magento]\n'
        f"base_url = {json.dumps(magento_url)}\n{credentials}\n"
        f"[companies.{json.dumps(COMPANY)}.reconciliation]\n{reconciliation_toml}\n")
    company_db = root / "company.sqlite3"
    simulator = merchant_setup(QuickBooksSimulator(company_db, release="enterprise-2023"))
    server = ServerThread(make_app(installation.ctx)).start()
    try:
        client = MagentoClient(fake.config())
        pull_and_enqueue(installation.ctx, COMPANY, client=client)
        demo = Demo(installation, company_db, client, f"{server.url}/qbwc", simulator)
        demo.web_connector()
        yield demo
    finally:
        server.stop()
        simulator.close()
        fake.stop()
        installation.ctx.db.dispose()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """A clean demo-style run; reconciliation reads back with every query (the default)."""
    yield from _demo(tmp_path_factory.mktemp("reconcile-e2e"), "")


def _period(demo: Demo) -> tuple[date, date]:
    with demo.installation.ctx.db.session() as session:
        days = [d for d in session.scalars(select(Mapping.txn_date).where(
            Mapping.txn_date.is_not(None)))]
    return min(days) - timedelta(days=1), max(days) + timedelta(days=1)


def _exec(demo: Demo, body: str) -> etree._Element:
    """One request to the simulated company file through ``sandbox exec``."""
    text = ('<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML>'
            f'<QBXMLMsgsRq onError="stopOnError">{body}</QBXMLMsgsRq></QBXML>')
    result = CliRunner().invoke(cli, ["--config", str(demo.installation.config), "sandbox",
                                      "exec", "--company-db", str(demo.company_db), "-"],
                                input=text)
    assert result.exit_code == 0 and result.output.startswith("<?xml"), result.output
    answer = etree.fromstring(result.output.encode())
    rs = answer.find("QBXMLMsgsRs")[0]  # type: ignore[index]
    assert rs.get("statusCode") == "0", etree.tostring(rs)
    return rs


def _doc_findings(report: dict[str, Any]) -> list[tuple[str, str | None]]:
    return sorted((v["reason"], v["magento_ref"]) for v in report["variances"])


def test_clean_demo_reconciles_with_zero_variances(demo: Demo) -> None:
    """After a clean run, the run completes through the Web Connector with no variance."""
    first, last = _period(demo)
    report = demo.reconcile(first, last)
    assert report["status"] == "complete"
    assert _doc_findings(report) == []
    assert report["reported"] == [] or {r["reason"] for r in report["reported"]} == {
        "account_differs"}
    assert report["documents"] > 0


def test_an_invoice_entered_by_hand_for_the_same_order_is_a_duplicate(demo: Demo) -> None:
    """A second invoice with the same RefNumber, entered in QuickBooks: only that is new."""
    first, last = _period(demo)
    before = _doc_findings(demo.reconcile(first, last))
    invoice = demo.mapping("invoice")
    original = _exec(demo, f'<InvoiceQueryRq requestID="1"><TxnID>{invoice.qb_id}</TxnID>'
                           "<IncludeLineItems>true</IncludeLineItems></InvoiceQueryRq>")
    ret = original.find("InvoiceRet")
    assert ret is not None
    customer = ret.findtext("CustomerRef/FullName")
    item = ret.findtext("InvoiceLineRet/ItemRef/FullName")
    _exec(demo, '<InvoiceAddRq requestID="1"><InvoiceAdd>'
                f"<CustomerRef><FullName>{customer}</FullName></CustomerRef>"
                f"<TxnDate>{ret.findtext('TxnDate')}</TxnDate>"
                f"<RefNumber>{ret.findtext('RefNumber')}</RefNumber>"
                "<Memo>keyed in again by hand</Memo>"
                f"<InvoiceLineAdd><ItemRef><FullName>{item}</FullName></ItemRef>"
                "<Quantity>1</Quantity><Rate>10.00</Rate></InvoiceLineAdd>"
                "</InvoiceAdd></InvoiceAddRq>")
    after = demo.reconcile(first, last)
    new = sorted(set(_doc_findings(after)) - set(before))
    assert new == [("duplicate_in_quickbooks", invoice.magento_ref)]
    duplicate = next(v for v in after["variances"] if v["reason"] == "duplicate_in_quickbooks")
    assert duplicate["quickbooks_ref"].startswith(f"Invoice {ret.findtext('RefNumber')}")


def _invoice_ret(demo: Demo, txn_id: str) -> etree._Element:
    ret = _exec(demo, f'<InvoiceQueryRq requestID="1"><TxnID>{txn_id}</TxnID>'
                      "<IncludeLineItems>true</IncludeLineItems></InvoiceQueryRq>"
                ).find("InvoiceRet")
    assert ret is not None
    return ret


def _add_by_hand(demo: Demo, original: etree._Element) -> None:
    _exec(demo, '<InvoiceAddRq requestID="1"><InvoiceAdd><CustomerRef><FullName>'
                f"{original.findtext('CustomerRef/FullName')}</FullName></CustomerRef>"
                f"<RefNumber>{original.findtext('RefNumber')}</RefNumber>"
                "<InvoiceLineAdd><ItemRef><FullName>"
                f"{original.findtext('InvoiceLineRet/ItemRef/FullName')}</FullName>"
                "</ItemRef><Quantity>1</Quantity><Rate>10.00</Rate></InvoiceLineAdd>"
                "</InvoiceAdd></InvoiceAddRq>")


def _posted(demo: Demo) -> tuple[list[Mapping], list[Mapping]]:
    """(invoices posted as invoices, payments), each in Magento order."""
    with demo.installation.ctx.db.session() as session:
        invoices = list(session.scalars(select(Mapping).where(
            Mapping.entity_type == "invoice", Mapping.qb_type == "InvoiceRet",
            Mapping.qb_id.is_not(None)).order_by(Mapping.magento_ref)))
        payments = list(session.scalars(select(Mapping).where(
            Mapping.entity_type == "payment", Mapping.qb_id.is_not(None))
            .order_by(Mapping.magento_ref)))
        session.expunge_all()
    return invoices, payments


def test_deletions_and_a_duplicate_behind_the_services_back_are_each_named(demo: Demo) -> None:
    """Delete an invoice, delete a payment, key an invoice in twice: three reasons, no more."""
    first, last = _period(demo)
    before = Counter(_doc_findings(demo.reconcile(first, last)))
    invoices, payments = _posted(demo)
    assert payments and len(invoices) >= 4
    payment = payments[-1]
    deleted, doubled = [m for m in invoices[1:] if m.magento_id != payment.magento_id][:2]
    _exec(demo, f'<TxnDelRq requestID="1"><TxnDelType>ReceivePayment</TxnDelType>'
                f"<TxnID>{payment.qb_id}</TxnID></TxnDelRq>")
    _exec(demo, f'<TxnDelRq requestID="1"><TxnDelType>Invoice</TxnDelType>'
                f"<TxnID>{deleted.qb_id}</TxnID></TxnDelRq>")
    _add_by_hand(demo, _invoice_ret(demo, doubled.qb_id or ""))
    report = demo.reconcile(first, last)
    after = Counter(_doc_findings(report))
    assert sorted((after - before).elements()) == sorted([
        ("missing_in_quickbooks", deleted.magento_ref),
        ("missing_in_quickbooks", payment.magento_ref),
        ("duplicate_in_quickbooks", doubled.magento_ref)])
    assert before - after == Counter()
    missing = next(v for v in report["variances"] if v["reason"] == "missing_in_quickbooks"
                   and v["magento_ref"] == deleted.magento_ref)
    assert "was deleted in QuickBooks on" in missing["detail"]  # TxnDeletedQuery says when


def test_an_amount_changed_in_quickbooks_names_quickbooks(demo: Demo) -> None:
    """An invoice's amount edited in QuickBooks: amount_differs, changed on QuickBooks' side."""
    first, last = _period(demo)
    before = Counter(_doc_findings(demo.reconcile(first, last)))
    invoices, _ = _posted(demo)
    changed = invoices[-1]
    ret = _invoice_ret(demo, changed.qb_id or "")
    lines = "".join(
        f"<InvoiceLineMod><TxnLineID>{line.findtext('TxnLineID')}</TxnLineID>"
        + (f"<Amount>{Decimal(line.findtext('Amount') or 0) + 1:.2f}</Amount>"
           if index == 0 else "") + "</InvoiceLineMod>"
        for index, line in enumerate(ret.findall("InvoiceLineRet")))
    _exec(demo, f'<InvoiceModRq requestID="1"><InvoiceMod><TxnID>{changed.qb_id}</TxnID>'
                f"<EditSequence>{ret.findtext('EditSequence')}</EditSequence>{lines}"
                "</InvoiceMod></InvoiceModRq>")
    report = demo.reconcile(first, last)
    after = Counter(_doc_findings(report))
    assert sorted((after - before).elements()) == [("amount_differs", changed.magento_ref)]
    line = next(v for v in report["variances"] if v["reason"] == "amount_differs"
                and v["magento_ref"] == changed.magento_ref)
    assert line["changed"] == "quickbooks"
