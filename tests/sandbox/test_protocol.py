"""Message-set behaviour: onError, error recovery, iterators, HCP, faults, report."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.sandbox.quickbooks import (
    HRESULT_NOT_RUNNING,
    HRESULT_PERMISSION_DENIED,
    QbConnectionError,
    QbFaults,
    QuickBooksSimulator,
    report,
)
from tests.sandbox.conftest import CUSTOMER_ADD, add_customer, message, responses, status

Make = Callable[..., QuickBooksSimulator]

_BAD_THEN_GOOD = ('<CustomerAddRq requestID="1"><CustomerAdd><Name>Dup</Name></CustomerAdd>'
                  '</CustomerAddRq><CustomerAddRq requestID="2"><CustomerAdd><Name>Dup</Name>'
                  '</CustomerAdd></CustomerAddRq><CustomerAddRq requestID="3"><CustomerAdd>'
                  "<Name>Other</Name></CustomerAdd></CustomerAddRq>")


def _names(simulator: QuickBooksSimulator) -> set[str]:
    rs = responses(simulator.process(message("<CustomerQueryRq />")))[0]
    return {ret.findtext("Name") or "" for ret in rs}


def test_stop_on_error_leaves_the_rest_unanswered(simulator: QuickBooksSimulator) -> None:
    """stopOnError: processing stops at the first error; later requests get no Rs."""
    rs = responses(simulator.process(message(_BAD_THEN_GOOD, on_error="stopOnError")))
    assert [(r.get("requestID"), status(r)) for r in rs] == [("1", 0), ("2", 3100)]
    assert _names(simulator) == {"Dup"}


def test_continue_on_error_answers_everything(simulator: QuickBooksSimulator) -> None:
    """continueOnError: every request is processed and answered in order."""
    rs = responses(simulator.process(message(_BAD_THEN_GOOD, on_error="continueOnError")))
    assert [status(r) for r in rs] == [0, 3100, 0]
    assert _names(simulator) == {"Dup", "Other"}


def test_request_id_longer_than_50_is_1060(simulator: QuickBooksSimulator) -> None:
    """A requestID over 50 characters is refused with 1060 and not executed."""
    long_id = "x" * 51
    rs = responses(simulator.process(message(
        f'<CustomerAddRq requestID="{long_id}"><CustomerAdd><Name>A</Name></CustomerAdd>'
        "</CustomerAddRq>")))[0]
    assert status(rs) == 1060 and rs.get("requestID") == long_id
    assert _names(simulator) == set()


def test_error_recovery_saves_and_replays(simulator: QuickBooksSimulator) -> None:
    """newMessageSetID saves the responses; a status check returns them; resend is not re-run."""
    sent = message(CUSTOMER_ADD.format(name="Grace"), attributes=' newMessageSetID="ms-1"')
    first = parse_xml(simulator.process(sent)).find("QBXMLMsgsRs")
    assert first is not None
    assert first.get("newMessageSetID") == "ms-1" and first.get("messageSetStatusCode") == "0"
    again = parse_xml(simulator.process(sent)).find("QBXMLMsgsRs")
    assert again is not None and status(again[0]) == 0  # the saved answer, not a 3100
    check = parse_xml(simulator.process(message(
        "", attributes=' oldMessageSetID="ms-1" newMessageSetID="ms-1"'))).find("QBXMLMsgsRs")
    assert check is not None and check.get("messageSetStatusCode") == "0"
    assert check[0].findtext("CustomerRet/ListID") == first[0].findtext("CustomerRet/ListID")
    assert _names(simulator) == {"Grace"}


def test_error_recovery_unknown_and_clear(simulator: QuickBooksSimulator) -> None:
    """Unknown IDs answer 9002 (no saved state); clearing answers 0, then 600."""
    unknown = parse_xml(simulator.process(message(
        "", attributes=' oldMessageSetID="nope" newMessageSetID="nope"'))).find("QBXMLMsgsRs")
    assert unknown is not None and unknown.get("messageSetStatusCode") == "9002"
    assert len(unknown) == 0
    simulator.process(message(CUSTOMER_ADD.format(name="Hedy"),
                              attributes=' newMessageSetID="ms-2"'))
    codes = []
    for _ in range(2):
        cleared = parse_xml(simulator.process(message("", attributes=' oldMessageSetID="ms-2"')))
        codes.append(cleared.find("QBXMLMsgsRs").get("messageSetStatusCode"))  # type: ignore[union-attr]
    assert codes == ["0", "600"]


def test_iterator_pages_and_remaining_count(simulator: QuickBooksSimulator) -> None:
    """iterator=Start/Continue pages through with MaxReturned and iteratorRemainingCount."""
    for number in range(5):
        add_customer(simulator, f"Customer {number}")
    first = responses(simulator.process(message(
        '<CustomerQueryRq iterator="Start"><MaxReturned>2</MaxReturned></CustomerQueryRq>')))[0]
    iterator_id = first.get("iteratorID") or ""
    assert iterator_id.startswith("{") and first.get("iteratorRemainingCount") == "3"
    seen = [r.findtext("Name") for r in first]
    while True:
        page = responses(simulator.process(message(
            f'<CustomerQueryRq iterator="Continue" iteratorID="{iterator_id}">'
            "<MaxReturned>2</MaxReturned></CustomerQueryRq>")))[0]
        seen += [r.findtext("Name") for r in page]
        if page.get("iteratorRemainingCount") == "0":
            break
    assert seen == [f"Customer {n}" for n in range(5)]


def test_iterator_expires_after_other_requests(make_simulator: Make) -> None:
    """An iterator left alone for more than the allowed number of requests answers 3391."""
    simulator = make_simulator(iterator_max_requests=2)
    for number in range(3):
        add_customer(simulator, f"C{number}")
    first = responses(simulator.process(message(
        '<CustomerQueryRq iterator="Start"><MaxReturned>1</MaxReturned></CustomerQueryRq>')))[0]
    for _ in range(3):
        simulator.process(message("<AccountQueryRq><FullName>Sales</FullName></AccountQueryRq>"))
    rs = responses(simulator.process(message(
        f'<CustomerQueryRq iterator="Continue" iteratorID="{first.get("iteratorID")}">'
        "<MaxReturned>1</MaxReturned></CustomerQueryRq>")))[0]
    assert status(rs) == 3391
    assert rs.get("statusMessage") == f'The iteratorID "{first.get("iteratorID")}" is not valid.'


def test_iterator_expires_when_idle_or_session_ends(make_simulator: Make) -> None:
    """Idle time beyond the limit, or the end of the session, invalidates an iterator."""
    now = [1_700_000_000.0]
    simulator = make_simulator(clock=lambda: now[0], iterator_idle_seconds=10)
    for number in range(3):
        add_customer(simulator, f"C{number}")
    start = '<CustomerQueryRq iterator="Start"><MaxReturned>1</MaxReturned></CustomerQueryRq>'
    cont = ('<CustomerQueryRq iterator="Continue" iteratorID="{id}"><MaxReturned>1'
            "</MaxReturned></CustomerQueryRq>")
    first = responses(simulator.process(message(start)))[0]
    now[0] += 11
    assert status(responses(simulator.process(message(
        cont.format(id=first.get("iteratorID")))))[0]) == 3391
    second = responses(simulator.process(message(start)))[0]
    simulator.end_session()
    assert status(responses(simulator.process(message(
        cont.format(id=second.get("iteratorID")))))[0]) == 3391


def test_hcp_response_shape_and_file_id(make_simulator: Make) -> None:
    """The HCP holds Host (0), Company (1, FileID once stamped) and Preferences (2)."""
    simulator = make_simulator(release="enterprise-2014", multi_site=False)
    simulator.stamp_file_id("{6B063959-81B0-4f0b-9E54-1A9B4A81C7F2}",
                            "{A0A44FB9-7E2C-4b3f-8B1E-9C4D6F2A1B3C}")
    rs = responses(simulator.hcp_response())
    assert [(r.tag, r.get("requestID")) for r in rs] == [
        ("HostQueryRs", "0"), ("CompanyQueryRs", "1"), ("PreferencesQueryRs", "2")]
    host = rs[0][0]
    assert host.findtext("ProductName") == "QuickBooks Enterprise Solutions 14.0"
    assert host.findall("SupportedQBXMLVersion")[-1].text == "13.0"
    ext = rs[1][0].find("DataExtRet")
    assert ext is not None and ext.findtext("DataExtName") == "FileID"
    assert ext.findtext("DataExtValue") == "{A0A44FB9-7E2C-4b3f-8B1E-9C4D6F2A1B3C}"
    prefs = rs[2][0]
    assert prefs.findtext(".//IsMultiLocationInventoryEnabled") == "false"
    assert prefs.findtext(".//DefaultTaxableSalesTaxCodeRef/FullName") == "Tax"
    assert prefs.findtext(".//DefaultNonTaxableSalesTaxCodeRef/FullName") == "Non"


def test_hcp_validates_against_the_16_schema(simulator: QuickBooksSimulator) -> None:
    """The HCP document is a valid QBXMLMsgsRs for the 16.0 XSD."""
    from lxml import etree

    from tests.conftest import reference_path

    schema = etree.XMLSchema(etree.parse(str(reference_path("qbxml", "xsd", "16.0",
                                                            "qbxmlops160.xsd"))))
    assert schema.validate(etree.ElementTree(parse_xml(simulator.hcp_response()))), \
        schema.error_log.last_error


def test_busy_faults_are_deterministic_under_a_seed(make_simulator: Make, tmp_path) -> None:
    """busy=1 answers writes with 3175/3176/3180; the same seed gives the same codes."""
    codes = []
    for run in range(2):
        simulator = QuickBooksSimulator(tmp_path / f"busy{run}.sqlite3",
                                        faults=QbFaults.parse("busy=1"), seed=7)
        rs = responses(simulator.process(message("".join(
            CUSTOMER_ADD.format(name=f"N{n}") for n in range(4)), on_error="continueOnError")))
        codes.append([status(r) for r in rs])
        simulator.close()
    assert codes[0] == codes[1]
    assert set(codes[0]) <= {3175, 3176, 3180}


def test_connection_faults_and_lost_responses(tmp_path) -> None:
    """not_running / permission raise QbConnectionError with their HRESULTs; losses roll."""
    for spec, hresult in (("not_running=1", HRESULT_NOT_RUNNING),
                          ("permission=1", HRESULT_PERMISSION_DENIED)):
        simulator = QuickBooksSimulator(tmp_path / f"{hresult}.sqlite3",
                                        faults=QbFaults.parse(spec))
        with pytest.raises(QbConnectionError) as caught:
            simulator.open_connection()
        assert caught.value.hresult == hresult
        simulator.close()
    lossy = QuickBooksSimulator(tmp_path / "lossy.sqlite3",
                                faults=QbFaults.parse("lose_response=0.5"), seed=3)
    rolls = [lossy.response_lost() for _ in range(40)]
    lossy.close()
    assert True in rolls and False in rolls


def test_fault_spec_rejects_unknown_names() -> None:
    """A misspelt fault name or a rate outside 0..1 is an error, not silently ignored."""
    with pytest.raises(ValueError):
        QbFaults.parse("bussy=0.1")
    with pytest.raises(ValueError):
        QbFaults.parse("busy=2")


def test_report_counts_and_duplicates(simulator: QuickBooksSimulator) -> None:
    """report() counts records, lists duplicates by RefNumber and Magento memo, totals by day."""
    from tests.sandbox.conftest import add_item

    add_customer(simulator)
    add_item(simulator)
    sale = ("<SalesReceiptAddRq><SalesReceiptAdd><CustomerRef><FullName>Ada Lovelace</FullName>"
            "</CustomerRef><TxnDate>2024-05-01</TxnDate><RefNumber>{ref}</RefNumber>"
            "<Memo>Magento order {order}</Memo><SalesReceiptLineAdd><ItemRef><FullName>WIDGET-1"
            "</FullName></ItemRef><Quantity>1</Quantity><SalesTaxCodeRef><FullName>Non"
            "</FullName></SalesTaxCodeRef></SalesReceiptLineAdd></SalesReceiptAdd>"
            "</SalesReceiptAddRq>")
    clean = report(simulator.company_db)
    assert clean["duplicates"] == []
    simulator.process(message(sale.format(ref="R-1", order="000000007")))
    simulator.process(message(sale.format(ref="R-2", order="000000007")))
    simulator.process(message(sale.format(ref="R-2", order="000000008")))
    summary = report(simulator.company_db)
    assert summary["transactions"] == {"SalesReceipt": 3}
    assert summary["lists"]["Customer"] == 1
    found = {(d["field"], d["value"], len(d["txn_ids"])) for d in summary["duplicates"]}
    assert found == {("RefNumber", "R-2", 2), ("Memo", "000000007", 2)}
    assert summary["totals_by_day"] == {"2024-05-01": {"SalesReceipt": "30.00"}}


def test_response_data_include_none_strips_records(simulator: QuickBooksSimulator) -> None:
    """responseData=includeNone returns statuses only."""
    rs = responses(simulator.process(message(CUSTOMER_ADD.format(name="Quiet"),
                                             attributes=' responseData="includeNone"')))[0]
    assert status(rs) == 0 and len(rs) == 0
