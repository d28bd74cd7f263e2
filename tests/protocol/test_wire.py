"""Every Web Connector callback, posted as the Web Connector posts it, and every answer."""

from __future__ import annotations

from datetime import timedelta

from lxml import etree

from qbwc_service import queue
from qbwc_service.db.models import QbwcUser, Request, RequestStatus, WcRun
from qbwc_service.qbwc.auth import hash_password, ticket_key

from .conftest import PASSWORD, Shop
from .wc_envelopes import TNS, envelope, hcp, headers, result, strings


def _enqueue_customers(shop: Shop, count: int) -> list[int]:
    ids = []
    with shop.ctx.db.session() as session:
        for n in range(count):
            found = queue.enqueue(
                session, company_id=shop.company_id, operation="CustomerAdd",
                key=f"customer:{n}", payload={"Name": f"Customer {n} & Co"},
                entity_type="customer", magento_id=str(n), magento_ref=f"c{n}",
            )
            ids.append(found.request.id)
    return ids


def _login(shop: Shop) -> list[str | None]:
    return strings(result(shop.call("authenticate", strUserName="qbuser", strPassword=PASSWORD),
                          "authenticate"))


def _send(shop: Shop, ticket: str, hcp_text: str = "") -> str:
    reply = shop.call("sendRequestXML", ticket=ticket, strHCPResponse=hcp_text,
                      strCompanyFileName="C:\\Data\\Smith.QBW", qbXMLCountry="US",
                      qbXMLMajorVers=16, qbXMLMinorVers=0)
    return result(reply, "sendRequestXML").text or ""


def _answer_all(request_xml: str) -> str:
    """What QuickBooks answers to a message set of CustomerAdd requests: all succeeded."""
    root = etree.fromstring(request_xml.encode())
    rows = []
    for n, rq in enumerate(root.iter("CustomerAddRq")):
        name = rq.findtext("CustomerAdd/Name")
        rows.append(
            f'<CustomerAddRs requestID="{rq.get("requestID")}" statusCode="0" statusSeverity="Info"'
            f' statusMessage="Status OK"><CustomerRet><ListID>8000000{n}-1712345678</ListID>'
            "<TimeCreated>2026-11-27T09:00:00-08:00</TimeCreated><TimeModified>2026-11-27T09:00:00-08:00"
            f"</TimeModified><EditSequence>1712345678</EditSequence><Name>{name}</Name>"
            f"<FullName>{name}</FullName><IsActive>true</IsActive><Sublevel>0</Sublevel>"
            "<Balance>0.00</Balance><TotalBalance>0.00</TotalBalance></CustomerRet></CustomerAddRs>"
        )
    body = "".join(rows).replace("&", "&amp;").replace("&amp;amp;", "&amp;")
    return f'<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n{body}\n</QBXMLMsgsRs>\n</QBXML>\n'


def _receive(shop: Shop, ticket: str, response: str = "", hresult: str = "", message: str = "") -> int:
    reply = shop.call("receiveResponseXML", ticket=ticket, response=response, hresult=hresult,
                      message=message)
    return int(result(reply, "receiveResponseXML").text or "")


def test_server_version_with_an_empty_element(shop: Shop) -> None:
    """serverVersion arrives as an empty element and answers the product's version."""
    assert "qbwc-service" in (result(shop.call("serverVersion"), "serverVersion").text or "")
    assert "qbwc-service" in (result(shop.call("getServerVersion", ticket=""), "getServerVersion").text or "")


def test_client_version_answers(make_shop) -> None:  # type: ignore[no-untyped-def]
    """A current Web Connector gets "", an old one W:, E: or O: as configured."""
    shop = make_shop()
    assert (result(shop.call("clientVersion", strVersion="2.3.0.36"), "clientVersion").text or "") == ""
    assert result(shop.call("clientVersion", strVersion="2.0.0.116"), "clientVersion").text.startswith("W:")
    assert (result(shop.call("clientVersion", strVersion=""), "clientVersion").text or "") == ""
    strict = make_shop(web_connector_version_policy="error")
    assert strict.runs.client_version("2.0.0.116").startswith("E:")
    okay = make_shop(web_connector_version_policy="ok")
    assert okay.runs.client_version("2.0.0.116") == "O:2.1.0.30"


def test_authenticate_bad_password_is_nvu(shop: Shop) -> None:
    """A wrong password answers [ticket, "nvu"]."""
    answer = strings(result(shop.call("authenticate", strUserName="qbuser", strPassword="nope"), "authenticate"))
    assert answer[1] == "nvu" and answer[0]


def test_authenticate_with_nothing_queued_is_none(shop: Shop) -> None:
    """With an empty queue the answer is "none" plus the minimum run interval."""
    answer = _login(shop)
    assert answer[1] == "none"
    assert answer[3] == str(15 * 60)
    closing = result(shop.call("closeConnection", ticket=answer[0]), "closeConnection").text
    assert closing == "Nothing to send to QuickBooks."


def test_authenticate_with_work_returns_company_file(make_shop) -> None:  # type: ignore[no-untyped-def]
    """With work queued the answer names the configured company file."""
    shop = make_shop(company_file="C:\\Data\\Smith.QBW")
    _enqueue_customers(shop, 1)
    ticket, company_file, _postpone, min_run = _login(shop)
    assert ticket and company_file == "C:\\Data\\Smith.QBW" and min_run == "900"


def test_second_live_login_is_busy(shop: Shop) -> None:
    """Another Web Connector user for the same company file, while a run is live, gets "busy"."""
    _enqueue_customers(shop, 1)
    with shop.ctx.db.session() as session:
        session.add(QbwcUser(company_id=shop.company_id, username="second-pc",
                             password_hash=hash_password(PASSWORD)))
    first = _login(shop)
    assert first[1] == ""
    second = strings(result(shop.call("authenticate", strUserName="second-pc", strPassword=PASSWORD),
                            "authenticate"))
    assert second[1] == "busy" and second[2] is not None and int(second[2]) > 0


def test_same_user_login_supersedes_a_run_that_lost_its_answer(shop: Shop) -> None:
    """A new login by the same user ends the dead run; its message set is recovered first."""
    _enqueue_customers(shop, 2)
    first = _login(shop)[0]
    assert first
    sent = _send(shop, first, hcp(shop.owner_id, shop.file_id))
    assert sent.count("<CustomerAddRq") == 2
    second = _login(shop)
    assert second[1] == "" and second[0] != first
    recovery = _send(shop, second[0], hcp(shop.owner_id, shop.file_id))
    assert "oldMessageSetID" in recovery and "<CustomerAddRq" not in recovery
    with shop.ctx.db.session() as session:
        assert session.get(WcRun, ticket_key(first)).state == "expired"  # type: ignore[union-attr]


def test_full_run_sends_qbxml_and_drains(shop: Shop) -> None:
    """HCP on the first call, negotiated version, escaped qbXML out, 100 when drained, summary."""
    _enqueue_customers(shop, 3)
    ticket = _login(shop)[0]
    assert ticket
    request_xml = _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    assert '<?qbxml version="13.0"?>' in request_xml
    assert request_xml.count("<CustomerAddRq") == 3
    assert "Customer 0 &amp; Co" in request_xml
    assert _receive(shop, ticket, _answer_all(request_xml)) == 100
    summary = result(shop.call("closeConnection", ticket=ticket), "closeConnection").text or ""
    assert summary.startswith("Sent 3 requests: 3 succeeded, 0 failed")
    assert "/requests?company=" in summary
    with shop.ctx.db.session() as session:
        statuses = {r.status for r in session.query(Request)}
        run = session.get(WcRun, ticket_key(ticket))
        assert run is not None and run.qbxml_version == "13.0"
    assert statuses == {RequestStatus.SUCCEEDED.value}


def test_percent_below_100_while_work_remains(shop: Shop) -> None:
    """receiveResponseXML answers 1–99 while more work is ready."""
    _enqueue_customers(shop, 5)
    ticket = _login(shop)[0]
    with shop.ctx.db.session() as session:
        session.get(WcRun, ticket_key(ticket)).batch_size = 2  # type: ignore[union-attr]
    first = _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    percent = _receive(shop, ticket, _answer_all(first))
    assert 0 < percent < 100
    while percent < 100:
        percent = _receive(shop, ticket, _answer_all(_send(shop, ticket)))
    with shop.ctx.db.session() as session:
        assert session.query(Request).filter_by(status="succeeded").count() == 5


def test_wrong_company_file_stops_the_run(shop: Shop) -> None:
    """A FileID that is not this company's ends the run with an explanation."""
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    assert _send(shop, ticket, hcp(shop.owner_id, "{00000000-0000-0000-0000-000000000000}")) == ""
    message = result(shop.call("getLastError", ticket=ticket), "getLastError").text or ""
    assert "not the one" in message


def test_hresult_is_recorded_and_explained(shop: Shop) -> None:
    """A parse-error hresult fails nothing silently: getLastError explains it in words."""
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    percent = _receive(shop, ticket, "", "0x80040400",
                       "QuickBooks found an error when parsing the provided XML text stream.")
    assert percent >= -1
    message = result(shop.call("getLastError", ticket=ticket), "getLastError").text or ""
    assert message and message != "No errors."
    with shop.ctx.db.session() as session:
        request = session.query(Request).one()
        assert request.status in (RequestStatus.FAILED.value, RequestStatus.QUEUED.value)


def test_connection_error_retries_once_with_the_company_file(make_shop) -> None:  # type: ignore[no-untyped-def]
    """QuickBooks not running: retry once with the configured file, then "done"."""
    shop = make_shop(company_file="C:\\Data\\Smith.QBW")
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    first = result(shop.call("connectionError", ticket=ticket, hresult="0x80040416",
                             message="QuickBooks is not running"), "connectionError").text
    assert first == "C:\\Data\\Smith.QBW"
    second = result(shop.call("connectionError", ticket=ticket, hresult="0x80040416",
                              message="QuickBooks is not running"), "connectionError").text
    assert second == "done"


def test_connection_error_without_retry_is_done(shop: Shop) -> None:
    """An hresult that a retry cannot fix answers "done" and is kept for the user."""
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    answer = result(shop.call("connectionError", ticket=ticket, hresult="0x8004041A",
                              message="permission denied"), "connectionError").text
    assert answer == "done"
    with shop.ctx.db.session() as session:
        run = session.get(WcRun, ticket_key(ticket))
        assert run is not None and run.last_error and run.open_company_id is None


def test_unknown_ticket_gets_benign_answers(shop: Shop) -> None:
    """An unknown ticket never faults: "", -1, "done" and a message."""
    assert _send(shop, "no-such-ticket") == ""
    assert _receive(shop, "no-such-ticket", "<QBXML/>") == -1
    assert result(shop.call("connectionError", ticket="x", hresult="0x80040408", message="m"),
                  "connectionError").text == "done"
    assert result(shop.call("closeConnection", ticket="x"), "closeConnection").text == "done"
    assert "no longer known" in (result(shop.call("getLastError", ticket="x"), "getLastError").text or "")


def test_expired_ticket_is_benign(shop: Shop) -> None:
    """A ticket past its expiry is treated like an unknown one."""
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    with shop.ctx.db.session() as session:
        run = session.get(WcRun, ticket_key(ticket))
        run.expires_at = run.created_at - timedelta(seconds=1)  # type: ignore[union-attr]
    assert _send(shop, ticket) == ""
    assert _receive(shop, ticket, "<QBXML/>") == -1


def test_no_ready_work_then_getlasterror_message(shop: Shop) -> None:
    """When nothing is ready, sendRequestXML answers "" and getLastError says why."""
    ids = _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    with shop.ctx.db.session() as session:
        queue.hold(session, ids[0], actor="test", reason="awaiting approval")
    assert _send(shop, ticket, hcp(shop.owner_id, shop.file_id)) == ""
    message = result(shop.call("getLastError", ticket=ticket), "getLastError").text or ""
    assert message not in ("", "NoOp")


def test_interactive_calls(shop: Shop) -> None:
    """Interactive mode: the request-log URL, "Done", and the rejection is recorded."""
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    url = result(shop.call("getInteractiveURL", wcTicket=ticket, sessionID="abc"), "getInteractiveURL").text
    assert url and url.startswith("http://localhost:8000/requests?company=")
    assert result(shop.call("interactiveDone", wcTicket=ticket), "interactiveDone").text == "Done"
    rejected = shop.call("interactiveRejected", wcTicket=ticket, reason="user said no")
    assert result(rejected, "interactiveRejected").text
    with shop.ctx.db.session() as session:
        assert "user said no" in (session.get(WcRun, ticket_key(ticket)).last_error or "")  # type: ignore[union-attr]


def test_wsdl_has_the_web_connector_shape(shop: Shop) -> None:
    """?wsdl names the service's operations in the Intuit namespace at the public URL."""
    response = shop.client.get("/qbwc?wsdl")
    assert response.status_code == 200
    wsdl = etree.fromstring(response.get_data())
    assert wsdl.get("targetNamespace") == TNS
    operations = {op.get("name") for op in wsdl.iter("{http://schemas.xmlsoap.org/wsdl/}operation")}
    assert {"serverVersion", "clientVersion", "authenticate", "sendRequestXML", "receiveResponseXML",
            "connectionError", "getLastError", "closeConnection", "getInteractiveURL",
            "interactiveDone", "interactiveRejected", "getServerVersion"} <= operations
    address = wsdl.find(".//{http://schemas.xmlsoap.org/wsdl/soap/}address")
    assert address is not None and address.get("location") == "http://localhost:8000/qbwc"


def test_plain_get_answers_200(shop: Shop) -> None:
    """The Web Connector's certificate check (a plain GET of AppURL) gets a 200 page."""
    response = shop.client.get("/qbwc")
    assert response.status_code == 200 and b"Web Connector" in response.get_data()


def test_dtd_is_refused_without_internals(shop: Shop) -> None:
    """An envelope with a DTD is refused with a fault that carries no stack trace."""
    body = (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
            b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            b'<authenticate xmlns="http://developer.intuit.com/"><strUserName>&e;</strUserName>'
            b"</authenticate></soap:Body></soap:Envelope>")
    response = shop.client.post("/qbwc", data=body, headers={"Content-Type": "text/xml; charset=utf-8"})
    text = response.get_data(as_text=True)
    assert response.status_code == 400 and "Fault" in text
    assert "Traceback" not in text and "root:" not in text


def test_failed_logins_from_one_address_are_throttled(make_shop) -> None:  # type: ignore[no-untyped-def]
    """After the address limit, even the right password from that address is postponed
    ("busy", not "Invalid password"), while another address logs in."""
    shop = make_shop(address_login_limit=3, lockout_attempts=100)
    _enqueue_customers(shop, 1)

    def login(password: str, address: str) -> str | None:
        reply = shop.client.post("/qbwc", data=envelope("authenticate", strUserName="qbuser",
                                                        strPassword=password),
                                 headers={**headers("authenticate"), "X-Forwarded-For": address},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})  # the local proxy
        return strings(result(reply.get_data(), "authenticate"))[1]

    for _ in range(3):
        assert login("wrong", "203.0.113.9") == "nvu"
    assert login(PASSWORD, "203.0.113.9") == "busy"
    assert login(PASSWORD, "198.51.100.4") == ""


def test_web_connector_logins_only_from_allowed_addresses(make_shop) -> None:  # type: ignore[no-untyped-def]
    """With web_connector_addresses set, the right password from elsewhere is refused
    before any password check, and the allowed network logs in."""
    shop = make_shop(web_connector_addresses="198.51.100.0/24")
    _enqueue_customers(shop, 1)

    def login(address: str) -> str | None:
        reply = shop.client.post("/qbwc", data=envelope("authenticate", strUserName="qbuser",
                                                        strPassword=PASSWORD),
                                 headers={**headers("authenticate"), "X-Forwarded-For": address},
                                 environ_base={"REMOTE_ADDR": "127.0.0.1"})
        return strings(result(reply.get_data(), "authenticate"))[1]

    assert login("203.0.113.9") == "nvu"
    assert login("198.51.100.4") == ""
