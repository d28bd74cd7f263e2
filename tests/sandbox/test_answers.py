"""The simulated QuickBooks answers the way real QuickBooks does (protocol and shapes).

Real shapes checked here: comments are not content; valid requests the simulator does not
model get a per-request status in both checking modes; references to lists it keeps only as
seeded names are resolved or refused with 3140; status messages put two spaces after a full
stop before "QuickBooks error message:" (real 3120/3140/3210 captures quoted in
qbwc_service/sandbox/quickbooks/company.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from lxml import etree

from qbwc_service.sandbox.quickbooks import (
    CLOSED_PERIOD_STATUS,
    QbHresultError,
    QuickBooksSimulator,
)
from tests.conftest import reference_path
from tests.sandbox.conftest import (
    add_customer,
    add_item,
    fixture_text,
    message,
    responses,
    status,
)

Make = Callable[..., QuickBooksSimulator]


@pytest.fixture(params=["built-in", "xsd"])
def either(request: pytest.FixtureRequest, make_simulator: Make) -> QuickBooksSimulator:
    """A simulator checking with the built-in grammar, then with the reference XSDs."""
    xsd_dir: Path | None = None
    if request.param == "xsd":
        xsd_dir = reference_path("qbxml", "xsd")
    return make_simulator(xsd_dir=xsd_dir)


def _invoice(after_date: str = "", before_date: str = "",
             customer: str = "Ada Lovelace") -> str:
    """An InvoiceAdd with header elements put where the schema orders them."""
    return message(
        f"<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>{customer}</FullName></CustomerRef>"
        f"{before_date}<TxnDate>2026-11-02</TxnDate>{after_date}"
        "<InvoiceLineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef>"
        "<Quantity>1</Quantity></InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")


def test_comments_anywhere_are_ignored(either: QuickBooksSimulator) -> None:
    """A comment beside QBXMLMsgsRq, among request children or inside a value is no content."""
    text = message("<!-- before --><CustomerAddRq><CustomerAdd><!-- note -->"
                   "<Name>Ada <!-- mid -->Lovelace</Name></CustomerAdd></CustomerAddRq>")
    text = text.replace("<QBXML>", "<QBXML><!-- top -->")
    rs = responses(either.process(text))
    assert [status(r) for r in rs] == [0]
    assert rs[0].findtext("CustomerRet/Name") == "Ada Lovelace"


def test_unmodelled_requests_get_a_per_request_status(either: QuickBooksSimulator) -> None:
    """EstimateAdd, PurchaseOrderQuery and DepositAdd are valid qbXML: never a stream refusal."""
    rs = responses(either.process(fixture_text("unmodelled_requests.xml")))
    by_id = {r.get("requestID"): r for r in rs}
    assert [r.tag for r in rs] == ["EstimateAddRs", "PurchaseOrderQueryRs", "DepositAddRs",
                                   "CustomerQueryRs"]
    for request_id, tag in (("e1", "EstimateAddRq"), ("p1", "PurchaseOrderQueryRq"),
                            ("k1", "DepositAddRq")):
        answer = by_id[request_id]
        assert status(answer) == 1030 and answer.get("statusSeverity") == "Error"
        assert answer.get("statusMessage") == (
            f"{tag} is valid qbXML that this simulated QuickBooks does not model; "
            "real QuickBooks would process it.")
        assert len(answer) == 0
    assert status(by_id["c1"]) in (0, 1)


def test_both_modes_answer_unmodelled_requests_alike(make_simulator: Make,
                                                      tmp_path: Path) -> None:
    plain = make_simulator()
    checked = QuickBooksSimulator(tmp_path / "other.sqlite3",
                                  xsd_dir=reference_path("qbxml", "xsd"))
    try:
        text = fixture_text("unmodelled_requests.xml")
        shape = [(r.tag, r.get("statusCode"), r.get("statusMessage"))
                 for r in responses(plain.process(text))]
        assert shape == [(r.tag, r.get("statusCode"), r.get("statusMessage"))
                         for r in responses(checked.process(text))]
    finally:
        checked.close()


def test_a_name_qbxml_does_not_define_still_refuses_the_stream(
        either: QuickBooksSimulator) -> None:
    with pytest.raises(QbHresultError) as caught:
        either.process(message("<EstimateFrobnicateRq/>"))
    assert caught.value.hresult == "0x80040400"


@pytest.mark.parametrize(("header", "label", "name"), [
    ("<TermsRef><FullName>Net 45</FullName></TermsRef>", "Terms", "Net 45"),
    ("<SalesRepRef><FullName>JD</FullName></SalesRepRef>", "Sales Rep", "JD"),
    ("<ShipMethodRef><FullName>Pigeon</FullName></ShipMethodRef>", "Ship Method", "Pigeon"),
    ("<TemplateRef><FullName>Fancy</FullName></TemplateRef>", "Template", "Fancy"),
])
def test_unresolved_references_to_name_lists_are_3140(simulator: QuickBooksSimulator,
                                                      header: str, label: str,
                                                      name: str) -> None:
    add_customer(simulator)
    add_item(simulator)
    before = header.startswith("<TemplateRef>")
    text = _invoice(before_date=header) if before else _invoice(after_date=header)
    rs = responses(simulator.process(text))[0]
    assert status(rs) == 3140
    assert rs.get("statusMessage") == (
        f'There is an invalid reference to QuickBooks {label} "{name}" in the Invoice.  '
        "QuickBooks error message: Invalid argument.  The specified record does not exist "
        "in the list.")


def test_seeded_names_resolve_with_their_list_ids(simulator: QuickBooksSimulator) -> None:
    """A new company file has terms, ship methods and customer messages; they resolve."""
    add_customer(simulator)
    add_item(simulator)
    rs = responses(simulator.process(_invoice(
        "<TermsRef><FullName>net 30</FullName></TermsRef><ShipMethodRef><FullName>UPS"
        "</FullName></ShipMethodRef><CustomerMsgRef><FullName>Thank you for your business."
        "</FullName></CustomerMsgRef>")))[0]
    assert status(rs) == 0, rs.get("statusMessage")
    ret = rs.find("InvoiceRet")
    assert ret is not None
    assert ret.findtext("TermsRef/FullName") == "Net 30"
    assert (ret.findtext("TermsRef/ListID") or "").count("-") == 1
    assert ret.findtext("ShipMethodRef/FullName") == "UPS"
    assert ret.findtext("CustomerMsgRef/FullName") == "Thank you for your business."


def test_mod_of_a_missing_record_is_3120_in_quickbooks_words(
        simulator: QuickBooksSimulator) -> None:
    rs = responses(simulator.process(message(
        "<CustomerModRq><CustomerMod><ListID>8000001B-1405768916</ListID>"
        "<EditSequence>1</EditSequence><Name>X</Name></CustomerMod></CustomerModRq>")))[0]
    assert status(rs) == 3120
    assert rs.get("statusMessage") == (
        'Object "8000001B-1405768916" specified in the request cannot be found.  QuickBooks '
        "error message: Invalid argument.  The specified record does not exist in the list.")


def test_iterator_pages_carry_remaining_count_and_id_but_no_ret_count(
        simulator: QuickBooksSimulator) -> None:
    for name in ("Ann", "Bea", "Cid"):
        add_customer(simulator, name)
    first = responses(simulator.process(message(
        '<CustomerQueryRq requestID="q1" iterator="Start"><MaxReturned>2</MaxReturned>'
        "</CustomerQueryRq>")))[0]
    assert status(first) == 0 and len(first.findall("CustomerRet")) == 2
    assert "retCount" not in first.attrib
    assert first.get("iteratorRemainingCount") == "1"
    assert (first.get("iteratorID") or "").startswith("{")


# -- answer shapes: normalised echoes, defaults, and the order of the reference sample data ---
_SAMPLE: dict[str, list[str]] = {}


def _sample_order(ret_tag: str) -> list[str]:
    """Child names of ``ret_tag`` in qbxmlops140_intuit_sample_data.xml, in order."""
    if not _SAMPLE:
        path = reference_path("qbxml", "qbxmlops140_intuit_sample_data.xml")
        parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True,
                                 huge_tree=False)
        root = etree.parse(str(path), parser).getroot()
        for node in root.iter():
            if isinstance(node.tag, str) and node.tag.endswith("Ret") and \
                    node.tag not in _SAMPLE:
                _SAMPLE[node.tag] = [str(c.tag) for c in node if isinstance(c.tag, str)]
    return _SAMPLE[ret_tag]


def assert_sample_shape(ret: etree._Element) -> None:
    """Every child is one the sample Ret has, in the sample's order, once unless repeatable."""
    order = _sample_order(str(ret.tag))
    positions = [order.index(str(child.tag)) for child in ret]
    assert positions == sorted(positions), [child.tag for child in ret]
    for child in ret:
        if str(child.tag).endswith("Ret") and str(child.tag) in _SAMPLE:
            assert_sample_shape(child)


def test_customer_echo_is_normalised_with_job_status(simulator: QuickBooksSimulator) -> None:
    rs = responses(simulator.process(message(
        "<CustomerAddRq><CustomerAdd><Name>  Ada Lovelace </Name><IsActive>1</IsActive>"
        "<CompanyName/><FirstName> Ada</FirstName><BillAddress><Addr1/><City>London</City>"
        "</BillAddress><ShipAddress><Addr1> </Addr1></ShipAddress><Phone></Phone>"
        "</CustomerAdd></CustomerAddRq>")))[0]
    ret = rs.find("CustomerRet")
    assert ret is not None and status(rs) == 0
    assert ret.findtext("Name") == "Ada Lovelace"
    assert ret.findtext("IsActive") == "true"
    assert ret.findtext("FirstName") == "Ada"
    assert ret.find("CompanyName") is None and ret.find("Phone") is None
    assert ret.find("ShipAddress") is None
    assert [c.tag for c in ret.find("BillAddress")] == ["City"]  # type: ignore[union-attr]
    assert ret.findtext("JobStatus") == "None"
    assert_sample_shape(ret)


def test_empty_element_in_a_mod_clears_the_field(simulator: QuickBooksSimulator) -> None:
    added = responses(simulator.process(message(
        "<CustomerAddRq><CustomerAdd><Name>Ann</Name><Phone>555</Phone></CustomerAdd>"
        "</CustomerAddRq>")))[0].find("CustomerRet")
    assert added is not None
    modded = responses(simulator.process(message(
        f"<CustomerModRq><CustomerMod><ListID>{added.findtext('ListID')}</ListID>"
        f"<EditSequence>{added.findtext('EditSequence')}</EditSequence><IsActive>0</IsActive>"
        "<Phone/></CustomerMod></CustomerModRq>")))[0].find("CustomerRet")
    assert modded is not None
    assert modded.find("Phone") is None and modded.findtext("IsActive") == "false"


def test_inventory_item_defaults_purchase_cost_and_tax_code(
        simulator: QuickBooksSimulator) -> None:
    rs = responses(simulator.process(message(
        "<ItemInventoryAddRq><ItemInventoryAdd><Name>BARE</Name>"
        "<IncomeAccountRef><FullName>Sales</FullName></IncomeAccountRef>"
        "<COGSAccountRef><FullName>Cost of Goods Sold</FullName></COGSAccountRef>"
        "<AssetAccountRef><FullName>Inventory Asset</FullName></AssetAccountRef>"
        "</ItemInventoryAdd></ItemInventoryAddRq>")))[0]
    ret = rs.find("ItemInventoryRet")
    assert ret is not None and status(rs) == 0
    assert ret.findtext("PurchaseCost") == "0.00"
    assert ret.findtext("SalesTaxCodeRef/FullName") == "Tax"
    assert ret.findtext("SalesTaxCodeRef/ListID")
    assert_sample_shape(ret)


def test_invoice_carries_quickbooks_defaults_in_sample_order(
        simulator: QuickBooksSimulator) -> None:
    add_customer(simulator)
    add_item(simulator)
    rs = responses(simulator.process(_invoice(
        "<IsPending>0</IsPending><TermsRef><FullName>Net 15</FullName></TermsRef>"
        "<Memo/>")))[0]
    ret = rs.find("InvoiceRet")
    assert ret is not None and status(rs) == 0, rs.get("statusMessage")
    assert ret.findtext("TemplateRef/FullName") == "Intuit Product Invoice"
    assert ret.findtext("DueDate") == "2026-11-17"  # TxnDate + Net 15
    assert ret.findtext("ShipDate") == "2026-11-02"
    assert ret.findtext("IsPending") == "false"
    assert ret.findtext("IsToBePrinted") == "true"
    assert ret.findtext("CustomerSalesTaxCodeRef/FullName") == "Tax"
    assert ret.find("Memo") is None
    assert_sample_shape(ret)


def test_sales_receipt_defaults_follow_the_customer_tax_code(
        simulator: QuickBooksSimulator) -> None:
    simulator.process(message(
        "<CustomerAddRq><CustomerAdd><Name>Exempt Co</Name>"
        "<SalesTaxCodeRef><FullName>Non</FullName></SalesTaxCodeRef></CustomerAdd>"
        "</CustomerAddRq>"))
    add_item(simulator)
    rs = responses(simulator.process(message(
        "<SalesReceiptAddRq><SalesReceiptAdd><CustomerRef><FullName>Exempt Co</FullName>"
        "</CustomerRef><TxnDate>2026-11-02</TxnDate><SalesReceiptLineAdd><ItemRef>"
        "<FullName>WIDGET-1</FullName></ItemRef><Quantity>1</Quantity><Rate>10.00</Rate>"
        "</SalesReceiptLineAdd></SalesReceiptAdd></SalesReceiptAddRq>")))[0]
    ret = rs.find("SalesReceiptRet")
    assert ret is not None and status(rs) == 0, rs.get("statusMessage")
    assert ret.findtext("TemplateRef/FullName") == "Custom Sales Receipt"
    assert ret.findtext("DueDate") == "2026-11-02"
    assert ret.findtext("CustomerSalesTaxCodeRef/FullName") == "Non"
    assert ret.findtext("SalesTaxTotal") == "0.00"  # an exempt customer pays no tax
    assert_sample_shape(ret)


def test_overpayment_is_3210_in_quickbooks_words(simulator: QuickBooksSimulator) -> None:
    add_customer(simulator)
    add_item(simulator)
    invoice = responses(simulator.process(_invoice()))[0].find("InvoiceRet")
    assert invoice is not None
    rs = responses(simulator.process(message(
        "<ReceivePaymentAddRq><ReceivePaymentAdd><CustomerRef><FullName>Ada Lovelace"
        "</FullName></CustomerRef><TotalAmount>500.00</TotalAmount><AppliedToTxnAdd>"
        f"<TxnID>{invoice.findtext('TxnID')}</TxnID><PaymentAmount>500.00</PaymentAmount>"
        "</AppliedToTxnAdd></ReceivePaymentAdd></ReceivePaymentAddRq>")))[0]
    assert status(rs) == 3210
    assert rs.get("statusMessage") == (
        'The "AppliedToTxnAdd payment amount" field has an invalid value "500.00".  '
        "QuickBooks error message: You cannot pay more than the amount due.")


def test_closed_period_answer_and_the_services_explanation_agree(make_simulator: Make) -> None:
    """A date on the closing date is QuickBooks' 3171 in its own words (a real capture),
    which the service explains as a closed period, with or without the message."""
    from qbwc_service.qbxml.status import classify

    simulator = make_simulator(closing_date=date(2026, 10, 31))
    add_customer(simulator)
    add_item(simulator)
    rs = responses(simulator.process(_invoice().replace("2026-11-02", "2026-10-31")))[0]
    assert status(rs) == CLOSED_PERIOD_STATUS == 3171
    assert rs.get("statusSeverity") == "Error"
    assert rs.get("statusMessage") == (
        "An attempt was made to modify a Invoice with a date that is on or before the closing "
        "date of the company.  If you are sure you really want to do this, please ask a user "
        "with Admin privileges to remove the password for editing transactions on or before "
        "to closing date (this setting is in the Accounting Company Preferences), then try "
        "again.")
    for info in (classify(status(rs)), classify(status(rs), rs.get("statusMessage") or "")):
        assert info.kind == "permanent"
        assert "closing date" in info.explanation and "multi-location" not in info.explanation


def test_answers_validate_against_the_response_side_of_the_xsd(
        simulator: QuickBooksSimulator) -> None:
    """Element names, order and required children of the answers, as qbxmlops130.xsd has them."""
    schema = etree.XMLSchema(etree.parse(str(reference_path(
        "qbxml", "xsd", "13.0", "qbxmlops130.xsd"))))
    add_customer(simulator)
    add_item(simulator)
    answers = [
        simulator.process(fixture_text("unmodelled_requests.xml")),
        simulator.process(fixture_text("invoice_add.xml")),
        simulator.process(_invoice("<TermsRef><FullName>Net 30</FullName></TermsRef>")),
        simulator.process(message(
            '<CustomerQueryRq iterator="Start"><MaxReturned>1</MaxReturned></CustomerQueryRq>'
            "<ItemInventoryQueryRq/>")),
        simulator.process(message(
            "<SalesReceiptAddRq><SalesReceiptAdd><CustomerRef><FullName>Ada Lovelace"
            "</FullName></CustomerRef><TxnDate>2026-01-01</TxnDate><SalesReceiptLineAdd>"
            "<ItemRef><FullName>WIDGET-1</FullName></ItemRef><Quantity>1</Quantity>"
            "</SalesReceiptLineAdd></SalesReceiptAdd></SalesReceiptAddRq>")),
        simulator.process(message(
            "<VendorAddRq><VendorAdd><Name>Texas Comptroller</Name></VendorAdd></VendorAddRq>")),
        simulator.hcp_response(),
    ]
    for text in answers:
        document = etree.fromstring(text.encode("utf-8"))
        assert schema.validate(document), schema.error_log.last_error


def test_vendors_are_a_list_a_tax_item_can_owe(either: QuickBooksSimulator) -> None:
    """VendorAdd answers a VendorRet in the XSD's order; a sales tax item owes an existing
    vendor, and an unknown agency is 3140 like any unresolved reference."""
    rs = responses(either.process(message(
        "<VendorAddRq><VendorAdd><Name>Texas Comptroller</Name><IsActive>1</IsActive>"
        "<IsSalesTaxAgency>true</IsSalesTaxAgency></VendorAdd></VendorAddRq>"
        "<VendorQueryRq><FullName>Texas Comptroller</FullName></VendorQueryRq>")))
    assert [status(r) for r in rs] == [0, 0]
    vendor = rs[0].find("VendorRet")
    assert vendor is not None and vendor.findtext("IsActive") == "true"
    assert [child.tag for child in vendor][:6] == ["ListID", "TimeCreated", "TimeModified",
                                                   "EditSequence", "Name", "IsActive"]
    assert vendor.find("FullName") is None  # vendors have no hierarchy
    assert rs[1].findtext("VendorRet/ListID") == vendor.findtext("ListID")
    owed, unknown = responses(either.process(message(
        "<ItemSalesTaxAddRq><ItemSalesTaxAdd><Name>TX State</Name><TaxRate>6.25</TaxRate>"
        "<TaxVendorRef><FullName>Texas Comptroller</FullName></TaxVendorRef>"
        "</ItemSalesTaxAdd></ItemSalesTaxAddRq>"
        "<ItemSalesTaxAddRq><ItemSalesTaxAdd><Name>TX City</Name><TaxRate>2.00</TaxRate>"
        "<TaxVendorRef><FullName>Austin Revenue</FullName></TaxVendorRef>"
        "</ItemSalesTaxAdd></ItemSalesTaxAddRq>")))
    assert status(owed) == 0
    assert owed.findtext("ItemSalesTaxRet/TaxVendorRef/ListID") == vendor.findtext("ListID")
    assert status(unknown) == 3140 and "Austin Revenue" in (unknown.get("statusMessage") or "")
