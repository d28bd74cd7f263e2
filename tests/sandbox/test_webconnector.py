"""The simulated Web Connector against a scripted stub server: call order and every branch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.sandbox.quickbooks import (
    HRESULT_NOT_RUNNING,
    HRESULT_PARSE_ERROR,
    PARSE_ERROR_MESSAGE,
    QbConnectionError,
    QbFaults,
    QuickBooksSimulator,
)
from qbwc_service.sandbox.webconnector import WebConnector
from tests.conftest import reference_path
from tests.sandbox.conftest import CUSTOMER_ADD, fixture_text, message
from tests.sandbox.stub_server import StubServer, serve

GOOD_REQUEST = message(CUSTOMER_ADD.format(name="Stub Customer"))


@pytest.fixture
def simulator(tmp_path: Path) -> Iterator[QuickBooksSimulator]:
    sim = QuickBooksSimulator(tmp_path / "wc.sqlite3")
    yield sim
    sim.close()


def _script(**overrides: list) -> dict[str, list]:
    script: dict[str, list] = {
        "serverVersion": ["1.0.0"], "clientVersion": [""],
        "authenticate": [["TICKET-1", ""]], "sendRequestXML": [GOOD_REQUEST, ""],
        "receiveResponseXML": [100], "getLastError": ["No more work"],
        "connectionError": ["done"], "closeConnection": ["OK"],
    }
    script.update(overrides)
    return script


def _connector(stub: StubServer, simulator: QuickBooksSimulator, **options) -> WebConnector:
    sleeps: list[float] = []
    connector = WebConnector(stub.url, "shop", "secret", simulator, noop_pause_seconds=0.01,
                             sleep=sleeps.append, **options)
    connector.sleeps = sleeps  # type: ignore[attr-defined]
    return connector


def test_happy_path_call_order_and_hcp(simulator: QuickBooksSimulator) -> None:
    """serverVersion, clientVersion, authenticate, send (with HCP), receive, close."""
    with serve(StubServer(_script())) as stub:
        summary = _connector(stub, simulator).run_session()
    assert stub.names() == ["serverVersion", "clientVersion", "authenticate", "sendRequestXML",
                            "receiveResponseXML", "closeConnection"]
    assert summary.outcome == "done" and summary.ticket == "TICKET-1"
    send = stub.calls[3].params
    hcp = parse_xml(send["strHCPResponse"])
    assert hcp.find("QBXMLMsgsRs/HostQueryRs").get("requestID") == "0"  # type: ignore[union-attr]
    assert (send["qbXMLMajorVers"], send["qbXMLMinorVers"], send["qbXMLCountry"]) == \
        ("16", "0", "US")
    receive = stub.calls[4].params
    rs = parse_xml(receive["response"]).find("QBXMLMsgsRs/CustomerAddRs")
    assert rs is not None and rs.get("statusCode") == "0"
    assert receive.get("hresult", "") == "" and receive.get("message", "") == ""
    assert summary.statuses == {0: 1} and summary.close_message == "OK"


def test_percent_loop_sends_empty_hcp_after_the_first_call(
        simulator: QuickBooksSimulator) -> None:
    """0..99 asks for more: the next sendRequestXML carries an empty strHCPResponse."""
    second = message(CUSTOMER_ADD.format(name="Second"))
    with serve(StubServer(_script(sendRequestXML=[GOOD_REQUEST, second],
                                  receiveResponseXML=[50, 100]))) as stub:
        summary = _connector(stub, simulator).run_session()
    sends = [c for c in stub.calls if c.operation == "sendRequestXML"]
    assert len(sends) == 2 and sends[0].params["strHCPResponse"] and \
        sends[1].params["strHCPResponse"] == ""
    assert summary.message_sets == 2 and stub.names()[-1] == "closeConnection"


def test_version_calls_use_the_real_wire_form(simulator: QuickBooksSimulator) -> None:
    """Calls missing from the 6-operation WSDL go out quoted, utf-8, default namespace."""
    with serve(StubServer(_script())) as stub:
        _connector(stub, simulator).run_session()
    for call in stub.calls[:2]:
        assert call.headers["Soapaction"] == f'"http://developer.intuit.com/{call.operation}"'
        assert call.headers["Content-Type"] == "text/xml; charset=utf-8"
        body = call.body.decode("utf-8")
        assert "\n" not in body and body.startswith('<?xml version="1.0" encoding="utf-8"?>')
        assert f'<{call.operation} xmlns="http://developer.intuit.com/"' in body
    assert stub.calls[1].params == {"strVersion": "2.3.0.36"}


@pytest.mark.parametrize("word", ["none", "nvu", "busy", "NONE"])
def test_authenticate_stop_words_close_the_connection(simulator: QuickBooksSimulator,
                                                      word: str) -> None:
    """none/nvu/busy (any case): closeConnection right away, nothing sent to QuickBooks."""
    with serve(StubServer(_script(authenticate=[["T", word]]))) as stub:
        summary = _connector(stub, simulator).run_session()
    assert stub.names()[2:] == ["authenticate", "closeConnection"]
    assert summary.outcome == word.lower()


def test_client_version_error_stops_before_authenticate(simulator: QuickBooksSimulator) -> None:
    """E: from clientVersion ends the run; W: is a warning and the run goes on."""
    with serve(StubServer(_script(clientVersion=["E:Please upgrade"]))) as stub:
        summary = _connector(stub, simulator).run_session()
    assert "authenticate" not in stub.names()
    assert summary.outcome == "client_version_refused" and summary.last_error == "Please upgrade"
    with serve(StubServer(_script(clientVersion=["W:Old version"]))) as stub:
        summary = _connector(stub, simulator).run_session()
    assert "authenticate" in stub.names() and summary.outcome == "done"


def test_noop_pauses_then_asks_again(simulator: QuickBooksSimulator) -> None:
    """"" then getLastError "NoOp": pause, then sendRequestXML again."""
    with serve(StubServer(_script(sendRequestXML=["", GOOD_REQUEST],
                                  getLastError=["NoOp"]))) as stub:
        connector = _connector(stub, simulator)
        summary = connector.run_session()
    assert stub.names()[3:] == ["sendRequestXML", "getLastError", "sendRequestXML",
                                "receiveResponseXML", "closeConnection"]
    assert connector.sleeps == [0.01]  # type: ignore[attr-defined]
    assert summary.message_sets == 1


def test_empty_request_with_message_closes(simulator: QuickBooksSimulator) -> None:
    """"" then a getLastError message: the message is kept and the connection closed."""
    with serve(StubServer(_script(sendRequestXML=[""],
                                  getLastError=["Nothing to do today"]))) as stub:
        summary = _connector(stub, simulator).run_session()
    assert stub.names()[3:] == ["sendRequestXML", "getLastError", "closeConnection"]
    assert summary.last_error == "Nothing to do today"


def test_negative_percent_asks_last_error_then_closes(simulator: QuickBooksSimulator) -> None:
    """A negative receiveResponseXML result: getLastError, then closeConnection."""
    with serve(StubServer(_script(receiveResponseXML=[-101],
                                  getLastError=["Mapping failed"]))) as stub:
        summary = _connector(stub, simulator).run_session()
    assert stub.names()[-3:] == ["receiveResponseXML", "getLastError", "closeConnection"]
    assert summary.outcome == "error" and summary.last_error == "Mapping failed"


def test_hresult_is_reported_with_an_empty_response(simulator: QuickBooksSimulator) -> None:
    """A stream QuickBooks refuses reaches the server as hresult + message, empty response."""
    bad = fixture_text("item_inventory_add_out_of_order.xml")
    with serve(StubServer(_script(sendRequestXML=[bad]))) as stub:
        summary = _connector(stub, simulator).run_session()
    receive = next(c for c in stub.calls if c.operation == "receiveResponseXML").params
    assert receive.get("response", "") == ""
    assert receive["hresult"] == HRESULT_PARSE_ERROR and receive["message"] == PARSE_ERROR_MESSAGE
    assert summary.hresults == [HRESULT_PARSE_ERROR]


def test_connection_error_done_stops(tmp_path: Path) -> None:
    """QuickBooks not running: connectionError with 0x80040408; "done" ends the run."""
    sim = QuickBooksSimulator(tmp_path / "down.sqlite3", faults=QbFaults.parse("not_running=1"))
    with serve(StubServer(_script())) as stub:
        summary = _connector(stub, sim).run_session()
    sim.close()
    assert stub.names()[2:] == ["authenticate", "connectionError"]
    assert stub.calls[3].params["hresult"] == HRESULT_NOT_RUNNING
    assert summary.outcome == "connection_error"


def test_connection_error_path_retries_once(simulator: QuickBooksSimulator,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """A company path from connectionError is tried once more; success carries on."""
    refusals = [QbConnectionError(HRESULT_NOT_RUNNING, "Could not start QuickBooks.")]

    def open_once() -> None:
        if refusals:
            raise refusals.pop()

    monkeypatch.setattr(simulator, "open_connection", open_once)
    with serve(StubServer(_script(connectionError=[r"C:\Books\Other.QBW"]))) as stub:
        summary = _connector(stub, simulator).run_session()
    assert stub.names()[3:5] == ["connectionError", "sendRequestXML"]
    send = next(c for c in stub.calls if c.operation == "sendRequestXML").params
    assert send["strCompanyFileName"] == r"C:\Books\Other.QBW"
    assert summary.outcome == "done"


def test_connection_error_retry_is_bounded(tmp_path: Path) -> None:
    """A server that keeps returning a path gets at most one retry."""
    sim = QuickBooksSimulator(tmp_path / "down.sqlite3", faults=QbFaults.parse("permission=1"))
    with serve(StubServer(_script(connectionError=[""]))) as stub:
        summary = _connector(stub, sim).run_session()
    sim.close()
    assert stub.names().count("connectionError") == 2
    assert "sendRequestXML" not in stub.names() and summary.outcome == "connection_error"


def test_lost_response_drops_the_run_and_next_run_reauthenticates(tmp_path: Path) -> None:
    """A lost response: no receiveResponseXML, no close; the next run authenticates again."""
    sim = QuickBooksSimulator(tmp_path / "lossy.sqlite3", faults=QbFaults.parse("lose_response=1"))
    with serve(StubServer(_script(sendRequestXML=[GOOD_REQUEST]))) as stub:
        result = _connector(stub, sim).run(sessions=2)
    sim.close()
    assert [s.outcome for s in result.sessions] == ["lost_response", "lost_response"]
    assert "receiveResponseXML" not in stub.names() and "closeConnection" not in stub.names()
    assert stub.names().count("authenticate") == 2
    assert result.sessions[0].message_sets == 1  # QuickBooks did process it


def test_postpone_and_min_run_every_shape_the_schedule(simulator: QuickBooksSimulator) -> None:
    """authenticate [2] postpones the run, [3] raises the gap between runs."""
    with serve(StubServer(_script(authenticate=[["T", "", "30", "120"]]))) as stub:
        connector = _connector(stub, simulator)
        result = connector.run(sessions=2, every_seconds=5)
    assert [s.outcome for s in result.sessions] == ["postponed", "postponed"]
    assert "sendRequestXML" not in stub.names()
    assert connector.sleeps == [120.0]  # type: ignore[attr-defined]
    assert result.sessions[0].min_run_every_seconds == 120


def test_file_id_is_stamped_into_the_hcp(simulator: QuickBooksSimulator) -> None:
    """With an OwnerID/FileID the first HCP carries the FileID data extension."""
    with serve(StubServer(_script())) as stub:
        _connector(stub, simulator, owner_id="{11111111-2222-3333-4444-555555555555}",
                   file_id="{66666666-7777-8888-9999-000000000000}").run_session()
    hcp = parse_xml(stub.calls[3].params["strHCPResponse"])
    assert hcp.findtext(".//CompanyRet/DataExtRet/DataExtValue") == \
        "{66666666-7777-8888-9999-000000000000}"


def test_official_wsdl_drives_the_same_conversation(simulator: QuickBooksSimulator) -> None:
    """Built from Intuit's WSDL file the client makes the same calls."""
    wsdl = reference_path("qbwc", "QBWebConnectorSvc.wsdl")
    with serve(StubServer(_script())) as stub:
        summary = _connector(stub, simulator, wsdl=wsdl).run_session()
    assert stub.names() == ["serverVersion", "clientVersion", "authenticate", "sendRequestXML",
                            "receiveResponseXML", "closeConnection"]
    assert summary.outcome == "done"


def test_server_without_server_version_is_still_served(simulator: QuickBooksSimulator) -> None:
    """A fault on serverVersion is ignored, as the real Web Connector logs and goes on."""
    script = _script()
    del script["serverVersion"]
    with serve(StubServer(script)) as stub:
        summary = _connector(stub, simulator).run_session()
    assert summary.outcome == "done" and summary.server_version is None
