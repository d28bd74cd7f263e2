"""Fixtures for the simulated QuickBooks and Web Connector tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from lxml import etree

from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.sandbox import report
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "sandbox"


def message(body: str, version: str = "13.0", on_error: str = "stopOnError",
            attributes: str = "") -> str:
    """A request message set around ``body`` (already XML)."""
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="{version}"?>\n'
            f'<QBXML><QBXMLMsgsRq onError="{on_error}"{attributes}>{body}</QBXMLMsgsRq></QBXML>')


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def responses(text: str) -> list[etree._Element]:
    """The Rs elements of a response message set."""
    root = parse_xml(text)
    msgs = root.find("QBXMLMsgsRs")
    assert msgs is not None
    return list(msgs)


def status(rs: etree._Element) -> int:
    return int(rs.get("statusCode", "-1"))


def answer_to(simulator: QuickBooksSimulator, body: str) -> etree._Element:
    """The one response QuickBooks gives to the request ``body`` (already XML)."""
    return responses(simulator.process(message(body)))[0]


def accepted(simulator: QuickBooksSimulator, body: str) -> etree._Element:
    """The Ret of a request QuickBooks must accept (status 0)."""
    rs = answer_to(simulator, body)
    assert status(rs) == 0, rs.get("statusMessage")
    return rs[0]


def balances(company_db: Path) -> dict[str, Decimal]:
    """Trial balance by account, debit positive, and that it balances."""
    books = report(company_db)
    assert books["trial_balance"]["balanced"], books["trial_balance"]
    return {row["account"]: Decimal(row["debit"]) - Decimal(row["credit"])
            for row in books["trial_balance"]["accounts"]}


def assert_xml_equal(actual: etree._Element, expected: etree._Element) -> None:
    """Structural comparison: tags, attributes, stripped text (``*`` matches any), children."""
    assert actual.tag == expected.tag, f"{actual.tag} != {expected.tag}"
    assert dict(actual.attrib) == dict(expected.attrib), actual.tag
    wanted_text = (expected.text or "").strip()
    if wanted_text != "*":
        assert (actual.text or "").strip() == wanted_text, actual.tag
    got = [c for c in actual if isinstance(c.tag, str)]
    want = [c for c in expected if isinstance(c.tag, str)]
    assert [c.tag for c in got] == [c.tag for c in want], actual.tag
    for child_got, child_want in zip(got, want, strict=True):
        assert_xml_equal(child_got, child_want)


@pytest.fixture
def company_db(tmp_path: Path) -> Path:
    return tmp_path / "company.sqlite3"


@pytest.fixture
def make_simulator(company_db: Path) -> Iterator[Callable[..., QuickBooksSimulator]]:
    made: list[QuickBooksSimulator] = []

    def _make(**options: object) -> QuickBooksSimulator:
        simulator = QuickBooksSimulator(company_db, **options)  # type: ignore[arg-type]
        made.append(simulator)
        return simulator

    yield _make
    for simulator in made:
        simulator.close()


@pytest.fixture
def simulator(make_simulator: Callable[..., QuickBooksSimulator]) -> QuickBooksSimulator:
    return make_simulator()


CUSTOMER_ADD = ("<CustomerAddRq requestID=\"c1\"><CustomerAdd><Name>{name}</Name>"
                "<FirstName>Ada</FirstName><LastName>Lovelace</LastName></CustomerAdd>"
                "</CustomerAddRq>")
ITEM_ADD = ("<ItemInventoryAddRq requestID=\"i1\"><ItemInventoryAdd><Name>{name}</Name>"
            "<SalesTaxCodeRef><FullName>Tax</FullName></SalesTaxCodeRef>"
            "<SalesDesc>Widget</SalesDesc><SalesPrice>{price}</SalesPrice>"
            "<IncomeAccountRef><FullName>Sales</FullName></IncomeAccountRef>"
            "<PurchaseCost>4.00</PurchaseCost>"
            "<COGSAccountRef><FullName>Cost of Goods Sold</FullName></COGSAccountRef>"
            "<AssetAccountRef><FullName>Inventory Asset</FullName></AssetAccountRef>"
            "</ItemInventoryAdd></ItemInventoryAddRq>")


def add_customer(simulator: QuickBooksSimulator, name: str = "Ada Lovelace") -> etree._Element:
    rs = responses(simulator.process(message(CUSTOMER_ADD.format(name=escape(name)))))[0]
    assert status(rs) == 0, rs.get("statusMessage")
    return rs[0]


def add_item(simulator: QuickBooksSimulator, name: str = "WIDGET-1",
             price: str = "10.00") -> etree._Element:
    rs = responses(simulator.process(message(ITEM_ADD.format(name=name, price=price))))[0]
    assert status(rs) == 0, rs.get("statusMessage")
    return rs[0]


def adjust(simulator: QuickBooksSimulator, item: str, site: str, difference: str) -> None:
    body = ("<InventoryAdjustmentAddRq><InventoryAdjustmentAdd><AccountRef><FullName>"
            "Inventory Adjustments</FullName></AccountRef><TxnDate>2024-01-02</TxnDate>"
            f"<InventorySiteRef><FullName>{site}</FullName></InventorySiteRef>"
            f"<InventoryAdjustmentLineAdd><ItemRef><FullName>{item}</FullName></ItemRef>"
            f"<QuantityAdjustment><QuantityDifference>{difference}</QuantityDifference>"
            "</QuantityAdjustment></InventoryAdjustmentLineAdd></InventoryAdjustmentAdd>"
            "</InventoryAdjustmentAddRq>")
    rs = responses(simulator.process(message(body)))[0]
    assert status(rs) == 0, rs.get("statusMessage")


def site_quantities(simulator: QuickBooksSimulator, item: str) -> dict[str, str]:
    body = ("<ItemSitesQueryRq><ItemSiteFilter><ItemFilter><FullName>"
            f"{item}</FullName></ItemFilter></ItemSiteFilter></ItemSitesQueryRq>")
    rs = responses(simulator.process(message(body)))[0]
    return {ret.findtext("InventorySiteRef/FullName") or "": ret.findtext("QuantityOnHand") or ""
            for ret in rs}
