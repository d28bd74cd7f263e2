"""The Web Connector is told what really happened: plain authenticate strings, refused sets."""

from __future__ import annotations

from lxml import etree

from qbwc_service.db.models import Request, RequestStatus

from .conftest import PASSWORD, Shop
from .test_wire import _answer_all, _enqueue_customers, _login, _receive, _send
from .wc_envelopes import SOAP_NS, TNS, hcp, result

PARSE_ERROR = ("0x80040400", "QuickBooks found an error when parsing the provided XML text stream.")
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"


def _authenticate_strings(shop: Shop, password: str = PASSWORD) -> list[etree._Element]:
    reply = shop.call("authenticate", strUserName="qbuser", strPassword=password)
    root = etree.fromstring(reply)
    return root.findall(f"{{{SOAP_NS}}}Body/{{{TNS}}}authenticateResponse/"
                        f"{{{TNS}}}authenticateResult/{{{TNS}}}string")


def test_authenticate_sends_plain_strings_never_nil(shop: Shop) -> None:
    """Each position is a plain string ("" when not given), as working servers send them."""
    for elements in (_authenticate_strings(shop), _authenticate_strings(shop, "wrong")):
        assert all(element.get(XSI_NIL) is None for element in elements)
    nothing = _authenticate_strings(shop)
    assert [element.text or "" for element in nothing][1:] == ["none", "", "900"]
    _enqueue_customers(shop, 1)
    work = _authenticate_strings(shop)
    assert [element.text or "" for element in work][1:] == ["", "", "900"]


def _last_error(shop: Shop, ticket: str) -> str:
    return result(shop.call("getLastError", ticket=ticket), "getLastError").text or ""


def _close(shop: Shop, ticket: str) -> str:
    return result(shop.call("closeConnection", ticket=ticket), "closeConnection").text or ""


def test_refused_set_of_several_is_reported_as_sent_again_not_held(shop: Shop) -> None:
    """A refused set of three goes back to the queue; the answers say they posted when sent again."""
    _enqueue_customers(shop, 3)
    ticket = _login(shop)[0]
    assert ticket
    assert _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    assert _receive(shop, ticket, "", *PARSE_ERROR) >= 0
    first_again = _send(shop, ticket)
    assert first_again.count("<CustomerAddRq") == 1  # the set is split to find the culprit
    _receive(shop, ticket, _answer_all(first_again))
    while request_xml := _send(shop, ticket):
        _receive(shop, ticket, _answer_all(request_xml))
    message = _last_error(shop, ticket)
    assert "held for review" not in message
    assert "QuickBooks refused a message set of this run (0x80040400)" in message
    assert "none of the 3 requests in it was posted then" in message
    assert "3 posted when sent again" in message
    closing = _close(shop, ticket)
    assert "3 posted when sent again" in closing and "held" not in closing


def test_refused_single_request_is_reported_failed_with_its_link(shop: Shop) -> None:
    """A lone unreadable request fails; getLastError and closeConnection name it and its page."""
    [request_id] = _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    assert ticket
    assert _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    _receive(shop, ticket, "", *PARSE_ERROR)
    with shop.ctx.db.session() as session:
        assert session.get(Request, request_id).status == RequestStatus.FAILED.value
    message = _last_error(shop, ticket)
    assert "held for review" not in message
    assert "1 failed (correct and retry in the request log): CustomerAdd c0 (" in message
    assert f"/requests/{request_id})" in message
    closing = _close(shop, ticket)
    assert "Sent 1 request: 0 succeeded, 1 failed" in closing
    assert f"/requests/{request_id}" in closing


def test_a_busy_quickbooks_is_reported_as_queued_for_later(shop: Shop) -> None:
    """A passing hresult (QuickBooks busy) leaves the request queued, and says so."""
    _enqueue_customers(shop, 1)
    ticket = _login(shop)[0]
    assert ticket
    assert _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    _receive(shop, ticket, "", "0x80040402", "Unexpected error")
    closing = _close(shop, ticket)
    assert "1 back in the queue for a later run" in closing
