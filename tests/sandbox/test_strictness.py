"""The simulated QuickBooks refuses what QuickBooks refuses, with or without the XSD."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qbwc_service.sandbox.quickbooks import (
    HRESULT_PARSE_ERROR,
    PARSE_ERROR_MESSAGE,
    QbHresultError,
    QuickBooksSimulator,
)
from tests.conftest import reference_path
from tests.sandbox.conftest import (
    add_customer,
    add_item,
    adjust,
    assert_xml_equal,
    fixture_text,
    message,
    responses,
    status,
)

Make = Callable[..., QuickBooksSimulator]


@pytest.fixture(params=["built-in", "xsd"])
def strict(request: pytest.FixtureRequest, make_simulator: Make) -> QuickBooksSimulator:
    """A simulator checking with the built-in grammar, then with the reference XSDs."""
    xsd_dir: Path | None = None
    if request.param == "xsd":
        xsd_dir = reference_path("qbxml", "xsd")
    return make_simulator(xsd_dir=xsd_dir)


def _refusal(simulator: QuickBooksSimulator, text: str) -> QbHresultError:
    with pytest.raises(QbHresultError) as caught:
        simulator.process(text)
    assert caught.value.hresult == HRESULT_PARSE_ERROR
    assert caught.value.message == PARSE_ERROR_MESSAGE
    return caught.value


@pytest.mark.parametrize("fixture", [
    "item_inventory_add_out_of_order.xml",
    "customer_add_name_too_long.xml",
    "item_inventory_mod_without_edit_sequence.xml",
    "invoice_add_refnumber_too_long.xml",
    "item_inventory_add_max_on_12.xml",
    "inventory_site_query_on_8.xml",
])
def test_bad_message_sets_are_refused_as_hresult(strict: QuickBooksSimulator,
                                                 fixture: str) -> None:
    """Out-of-order, over-long, missing EditSequence and version-gated sets get 0x80040400."""
    _refusal(strict, fixture_text(fixture))


def test_refusal_leaves_the_company_untouched(strict: QuickBooksSimulator) -> None:
    """A refused stream executes nothing, not even its valid requests."""
    text = fixture_text("item_inventory_add_out_of_order.xml").replace(
        '<ItemInventoryAddRq requestID="7-1">',
        '<CustomerAddRq><CustomerAdd><Name>Early Bird</Name></CustomerAdd></CustomerAddRq>'
        '<ItemInventoryAddRq requestID="7-1">')
    _refusal(strict, text)
    rs = responses(strict.process(message("<CustomerQueryRq><FullName>Early Bird</FullName>"
                                          "</CustomerQueryRq>")))[0]
    assert status(rs) == 1


def test_good_invoice_is_answered_in_quickbooks_shape(strict: QuickBooksSimulator) -> None:
    """A real-shaped InvoiceAdd returns the InvoiceRet QuickBooks writes (structure, totals)."""
    add_customer(strict)
    add_item(strict)
    text = strict.process(fixture_text("invoice_add.xml"))
    assert text.startswith('<?xml version="1.0" ?>')
    from qbwc_service.qbxml.xmlsafe import parse_xml

    assert_xml_equal(parse_xml(text), parse_xml(fixture_text("invoice_add_rs.xml")))


def test_multi_site_set_validates_and_runs(strict: QuickBooksSimulator) -> None:
    """The qbxml.md §11 multi-site message set is accepted on 13.0 and every request succeeds
    (the main site holds the three units the set transfers: QuickBooks moves no more)."""
    add_item(strict)
    adjust(strict, "WIDGET-1", "Main Warehouse", "3")
    codes = [status(rs) for rs in responses(strict.process(fixture_text("multi_site_set.xml")))]
    assert codes == [0, 0, 0, 0]


def test_version_newer_than_release_is_refused(make_simulator: Make) -> None:
    """Enterprise 2014 speaks qbXML 13.0 at most; a 16.0 message set is refused."""
    simulator = make_simulator(release="enterprise-2014")
    error = _refusal(simulator, message("<CustomerQueryRq />", version="16.0"))
    assert "16.0" in error.detail


def test_element_newer_than_declared_version_is_refused(make_simulator: Make) -> None:
    """A 12.0 element (Cc on CustomerAdd) in an 11.0 message set is refused."""
    simulator = make_simulator()
    body = ("<CustomerAddRq><CustomerAdd><Name>Ann</Name><Email>a@example.com</Email>"
            "<Cc>b@example.com</Cc></CustomerAdd></CustomerAddRq>")
    error = _refusal(simulator, message(body, version="11.0"))
    assert "Cc" in error.detail
    assert status(responses(simulator.process(message(body, version="12.0")))[0]) == 0


def test_unknown_element_is_refused_without_xsd(simulator: QuickBooksSimulator) -> None:
    """The built-in grammar rejects elements it does not know, as the XSD would."""
    body = "<CustomerAddRq><CustomerAdd><Name>Ann</Name><Nickname>A</Nickname></CustomerAdd></CustomerAddRq>"
    assert "Nickname" in _refusal(simulator, message(body)).detail


def test_characters_outside_latin1_are_refused(simulator: QuickBooksSimulator) -> None:
    """QuickBooks accepts ISO-8859-1 only; a Polish ł refuses the stream."""
    body = "<CustomerAddRq><CustomerAdd><Name>Łukasz</Name></CustomerAdd></CustomerAddRq>"
    _refusal(simulator, message(body))


def test_rollback_on_error_and_missing_pi_are_refused(simulator: QuickBooksSimulator) -> None:
    """rollbackOnError is not valid, and the qbxml processing instruction is required."""
    _refusal(simulator, message("<CustomerQueryRq />", on_error="rollbackOnError"))
    _refusal(simulator, "<QBXML><QBXMLMsgsRq onError=\"stopOnError\"><CustomerQueryRq />"
                        "</QBXMLMsgsRq></QBXML>")


def test_iterator_on_non_iterating_query_is_refused(simulator: QuickBooksSimulator) -> None:
    """AccountQuery has no iterator; asking for one is a parse error."""
    _refusal(simulator, message('<AccountQueryRq iterator="Start" />'))


_CUSTOMER_REF = "<CustomerRef><FullName>Ada Lovelace</FullName></CustomerRef>"
_JOURNAL_LINE = ("<Journal{side}Line><AccountRef><FullName>{account}</FullName></AccountRef>"
                 "<Amount>{amount}</Amount></Journal{side}Line>")


def _journal(*lines: tuple[str, str, str], extra: str = "") -> str:
    return ("<JournalEntryAddRq><JournalEntryAdd><TxnDate>2024-05-02</TxnDate>" + extra +
            "".join(_JOURNAL_LINE.format(side=side, account=account, amount=amount)
                    for side, account, amount in lines) +
            "</JournalEntryAdd></JournalEntryAddRq>")


@pytest.mark.parametrize("body", [
    f"<SalesReceiptAddRq><SalesReceiptAdd>{_CUSTOMER_REF}</SalesReceiptAdd></SalesReceiptAddRq>",
    f"<CreditMemoAddRq><CreditMemoAdd>{_CUSTOMER_REF}</CreditMemoAdd></CreditMemoAddRq>",
    _journal(),
    _journal(("Debit", "Checking", "1.00"), ("Credit", "Sales", "1.00"),
             extra="<IsHomeCurrencyAdjustment>true</IsHomeCurrencyAdjustment>"
                   "<ExchangeRate>1.1</ExchangeRate>"),
    "<InvoiceQueryRq><EntityFilter><ListID>80000001-1</ListID><FullName>Ada</FullName>"
    "</EntityFilter></InvoiceQueryRq>",
    "<InvoiceQueryRq><EntityFilter></EntityFilter></InvoiceQueryRq>",
    "<TransactionQueryRq><TransactionAccountFilter><AccountTypeFilter>Bank</AccountTypeFilter>"
    "<FullName>Checking</FullName></TransactionAccountFilter></TransactionQueryRq>",
    "<TransactionQueryRq><RefNumber>1</RefNumber><RefNumberCaseSensitive>1"
    "</RefNumberCaseSensitive></TransactionQueryRq>",
    "<InvoiceQueryRq><TxnDateRangeFilter><FromTxnDate>2024-01-01</FromTxnDate>"
    "<DateMacro>ThisMonth</DateMacro></TxnDateRangeFilter></InvoiceQueryRq>",
], ids=["sales-receipt-without-lines", "credit-memo-without-lines", "journal-without-lines",
        "home-currency-adjustment-with-rate", "entity-filter-listid-and-fullname",
        "empty-entity-filter", "account-type-beside-name", "refnumber-beside-case-sensitive",
        "dates-beside-date-macro"])
def test_what_the_xsd_refuses_is_refused_with_and_without_it(strict: QuickBooksSimulator,
                                                            body: str) -> None:
    """Required lines, one alternative of a choice, one branch of a choice between groups:
    the built-in grammar refuses these as the XSD does (0x80040400)."""
    _refusal(strict, message(body, version="13.0"))


def test_lines_of_a_repeating_choice_may_alternate(strict: QuickBooksSimulator) -> None:
    """Credit, debit, credit in a journal entry and line, group line, line on an invoice:
    the XSD's repeating choices take their alternatives in any order."""
    add_customer(strict)
    add_item(strict)
    accepted = [
        ("group", "<ItemGroupAddRq><ItemGroupAdd><Name>SET</Name><ItemGroupLine><ItemRef>"
                "<FullName>WIDGET-1</FullName></ItemRef><Quantity>2</Quantity></ItemGroupLine>"
                "</ItemGroupAdd></ItemGroupAddRq>"),
        ("journal", _journal(("Credit", "Sales", "1.00"), ("Debit", "Checking", "3.00"),
                             ("Credit", "Sales", "2.00"))),
        ("invoice", f"<InvoiceAddRq><InvoiceAdd>{_CUSTOMER_REF}<TxnDate>2024-05-02</TxnDate>"
                    "<InvoiceLineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef>"
                    "<Quantity>1</Quantity></InvoiceLineAdd><InvoiceLineGroupAdd>"
                    "<ItemGroupRef><FullName>SET</FullName></ItemGroupRef>"
                    "</InvoiceLineGroupAdd><InvoiceLineAdd><ItemRef><FullName>WIDGET-1"
                    "</FullName></ItemRef><Quantity>1</Quantity></InvoiceLineAdd>"
                    "</InvoiceAdd></InvoiceAddRq>"),
    ]
    for label, body in accepted:
        rs = responses(strict.process(message(body)))[0]
        assert status(rs) == 0, (label, rs.get("statusMessage"))
    invoice = rs[0]
    assert [child.tag for child in invoice if str(child.tag).startswith("InvoiceLine")] == [
        "InvoiceLineRet", "InvoiceLineGroupRet", "InvoiceLineRet"]
