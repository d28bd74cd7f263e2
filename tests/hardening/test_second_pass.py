"""Findings 5, 6, 7 and the getLastError item of 9, each with the exact attack, over HTTP.

5: an external-entity DTD in UTF-16 without a byte-order mark slipped past the DTD filter.
6: SOAP faults echoed parser internals and schema messages with element names.
7: closed tickets still worked for getLastError, closeConnection, getInteractiveURL and
   interactiveRejected (which wrote attacker text into the closed run).
9: after a malformed receiveResponseXML (answered -1) getLastError said "No errors."
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import select

from qbwc_service.db.models import Base, Company, QbwcUser, WcRun, utcnow
from qbwc_service.qbwc.auth import hash_password, ticket_key
from qbwc_service.qbwc.qwc import new_guid
from qbwc_service.qbwc.runs import UNREADABLE_ANSWER
from qbwc_service.queue import enqueue

from .conftest import CALL_TIMEOUT, PASSWORD, LiveService
from .envelopes import SOAP_NS, TNS, envelope, headers, is_soap_fault, result_text

XXE = '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
GENERIC = "The request could not be processed."
UNKNOWN = "This Web Connector run is no longer known to the service; the next run starts afresh."


def _xxe_envelope(declared: str = "utf-8") -> str:
    return (f'<?xml version="1.0" encoding="{declared}"?>{XXE}'
            f'<soap:Envelope xmlns:soap="{SOAP_NS}"><soap:Body><authenticate xmlns="{TNS}">'
            "<strUserName>&xxe;</strUserName><strPassword>x</strPassword></authenticate>"
            "</soap:Body></soap:Envelope>")


@pytest.mark.parametrize(("body", "content_type"), [
    (_xxe_envelope("utf-16").encode("utf-16-le"), "text/xml; charset=utf-8"),
    (_xxe_envelope("utf-16").encode("utf-16-be"), "text/xml; charset=utf-8"),
    (_xxe_envelope("utf-16").encode("utf-16-le"), "text/xml"),
    (_xxe_envelope("utf-16").encode("utf-16"), "text/xml; charset=utf-16"),
    (_xxe_envelope("utf-32").encode("utf-32-le"), "text/xml"),
    (_xxe_envelope("ISO-8859-1").encode("latin-1"), "text/xml"),
    (envelope("serverVersion", {}), "text/xml; charset=iso-8859-1"),
    (envelope("serverVersion", {}).replace(b"<soap:Body>", b"<soap:Body>\x00"), "text/xml"),
])
def test_non_utf8_bodies_are_refused_before_any_parser(
        live: LiveService, body: bytes, content_type: str) -> None:
    """Finding 5: UTF-16/32 without a BOM, a declared non-UTF-8 encoding, NUL bytes."""
    reply = requests.post(live.url + "/qbwc", data=body, timeout=CALL_TIMEOUT, headers={
        **headers("authenticate"), "Content-Type": content_type})
    assert reply.status_code == 400 and is_soap_fault(reply.content)
    assert "The request is not UTF-8 text" in reply.text
    assert "root:" not in reply.text and "passwd" not in reply.text
    live.assert_clean_refusal(reply)
    live.assert_still_serving()


@pytest.mark.parametrize("body", [
    # libxml2's depth limit ("Excessive depth in document: 256, use XML_PARSE_HUGE")
    envelope("serverVersion", {}).replace(b"<soap:Body>", b"<soap:Body>" + b"<a>" * 3000),
    # a schema-validation failure naming elements and types
    envelope("sendRequestXML", {"ticket": "t", "strHCPResponse": "", "strCompanyFileName": "",
                                "qbXMLCountry": "US", "qbXMLMajorVers": "thirteen",
                                "qbXMLMinorVers": 0}),
    # a syntax error with line and column
    b'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="' + SOAP_NS.encode()
    + b'"><soap:Body><authenticate xmlns="' + TNS.encode() + b'"><strUserName>a</strPassword>',
    # an unknown operation
    envelope("dropAllTables", {"ticket": "x"}),
    # moderate nesting inside a parameter (under libxml2's limit, over the envelope's)
    envelope("serverVersion", {}).replace(b"<soap:Body>", b"<soap:Body>" + b"<a>" * 40),
])
def test_faults_say_nothing_about_the_parser(live: LiveService, body: bytes) -> None:
    """Finding 6: every spyne fault reaches the client as one generic fault."""
    reply = live.post(body, "sendRequestXML")
    assert is_soap_fault(reply.content), reply.text[:300]
    faultstrings = result_faultstring(reply.content)
    assert faultstrings == GENERIC, reply.text[:500]
    for leak in ("Excessive depth", "XML_PARSE_HUGE", "line ", "Element", "qbXMLMajorVers",
                 "strPassword", "dropAllTables", "lxml", "libxml", "Validation", "xsd:"):
        assert leak not in reply.text, (leak, reply.text[:500])
    live.assert_still_serving()


def result_faultstring(reply: bytes) -> str | None:
    from lxml import etree

    root = etree.fromstring(reply, etree.XMLParser(resolve_entities=False, no_network=True))
    found = root.find(".//faultstring")
    return None if found is None else found.text


def _company_with_work(live: LiveService, name: str) -> str:
    with live.ctx.db.session() as session:
        company = Company(name=name, company_file=f"C:\\Data\\{name}.QBW", file_id=new_guid())
        session.add(company)
        session.flush()
        username = f"{name.lower()}-user"
        session.add(QbwcUser(company_id=company.id, username=username,
                             password_hash=hash_password(PASSWORD)))
        for number in range(2):
            enqueue(session, company_id=company.id, operation="CustomerQuery",
                    key=f"{name}-{number}",
                    body_xml="<CustomerQueryRq><MaxReturned>1</MaxReturned></CustomerQueryRq>")
    return username


def _text(live: LiveService, operation: str, **fields: str | int | None) -> str | None:
    reply = live.call(operation, **fields)
    assert reply.status_code == 200, reply.text[:300]
    return result_text(reply.content, operation)[0]


def _every_callback_says_unknown(live: LiveService, ticket: str) -> None:
    assert _text(live, "getLastError", ticket=ticket) == UNKNOWN
    assert _text(live, "closeConnection", ticket=ticket) == "done"
    assert _text(live, "getInteractiveURL", wcTicket=ticket, sessionID="s") in ("", None)
    _text(live, "interactiveRejected", wcTicket=ticket, reason="ATTACKER WROTE THIS")
    assert _text(live, "sendRequestXML", ticket=ticket, strHCPResponse="",
                 strCompanyFileName="", qbXMLCountry="US", qbXMLMajorVers=13,
                 qbXMLMinorVers=0) in ("", None)
    assert _text(live, "receiveResponseXML", ticket=ticket, response="<QBXML/>", hresult="",
                 message="") == "-1"
    assert _text(live, "connectionError", ticket=ticket, hresult="0x80040408",
                 message="m") == "done"
    with live.ctx.db.session() as session:
        run = session.get(WcRun, ticket_key(ticket))
        assert run is not None and "ATTACKER" not in (run.last_error or "")
        assert "ATTACKER" not in (run.summary or "")


def test_a_closed_ticket_is_unknown_to_every_callback(live: LiveService) -> None:
    """Finding 7, after closeConnection."""
    username = _company_with_work(live, "Closed")
    ticket, company_file = live.authenticate(username, PASSWORD)[:2]
    assert ticket and company_file not in ("nvu", "none", "busy")
    summary = _text(live, "closeConnection", ticket=ticket)
    assert summary and summary != "done"
    _every_callback_says_unknown(live, ticket)
    live.assert_still_serving()


def test_an_expired_ticket_is_unknown_to_every_callback(live: LiveService) -> None:
    """Finding 7, after the ticket's lifetime."""
    username = _company_with_work(live, "Expired")
    ticket = live.authenticate(username, PASSWORD)[0]
    assert ticket
    with live.ctx.db.session() as session:
        run = session.get(WcRun, ticket_key(ticket))
        assert run is not None
        run.expires_at = utcnow() - timedelta(seconds=1)
    _every_callback_says_unknown(live, ticket)


def test_tickets_are_stored_as_hashes_only(live: LiveService) -> None:
    """Finding 2: a copy of the database holds no ticket that works."""
    username = _company_with_work(live, "Hashed")
    ticket = live.authenticate(username, PASSWORD)[0]
    assert ticket
    with live.ctx.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                assert ticket not in " ".join(str(value) for value in row), table.name
    with live.ctx.db.session() as session:
        assert session.get(WcRun, ticket_key(ticket)) is not None
    _text(live, "closeConnection", ticket=ticket)


def test_get_last_error_explains_a_malformed_answer(live: LiveService) -> None:
    """Item of finding 9: -1 for an unreadable answer, then getLastError says why."""
    username = _company_with_work(live, "Malformed")
    ticket = live.authenticate(username, PASSWORD)[0]
    assert ticket
    sent = _text(live, "sendRequestXML", ticket=ticket, strHCPResponse="",
                 strCompanyFileName="", qbXMLCountry="US", qbXMLMajorVers=13, qbXMLMinorVers=0)
    assert sent and "CustomerQueryRq" in sent
    assert _text(live, "receiveResponseXML", ticket=ticket, response="<QBXML><oops",
                 hresult="", message="") == "-1"
    assert _text(live, "getLastError", ticket=ticket) == UNREADABLE_ANSWER
    assert _text(live, "closeConnection", ticket=ticket) not in (None, "", "done")
    live.assert_still_serving()
