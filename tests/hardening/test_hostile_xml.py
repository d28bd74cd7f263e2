"""Hostile envelopes over HTTP: each is refused cleanly, the service keeps serving, no data moves."""

from __future__ import annotations

import pytest

from .conftest import PASSWORD, LiveService
from .envelopes import envelope, raw_envelope

XXE_PROLOG = '<!DOCTYPE soap:Envelope [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
BOMB_PROLOG = (
    "<!DOCTYPE lolz [<!ENTITY lol \"lol\">"
    + "".join(
        f'<!ENTITY lol{n} "{("&lol" + (str(n - 1) if n > 1 else "") + ";") * 10}">'
        for n in range(1, 10)
    )
    + "]>"
)


def _refused_and_unchanged(live: LiveService, body: bytes, operation: str = "authenticate") -> str:
    before = live.row_counts()
    response = live.post(body, operation)
    live.assert_clean_refusal(response)
    live.assert_still_serving()
    assert live.row_counts() == before
    return response.text


def test_external_entity_to_etc_passwd_is_refused(live: LiveService) -> None:
    """XXE: the DTD is refused, nothing of /etc/passwd comes back, no login happens."""
    body = raw_envelope(
        "authenticate",
        "<strUserName>&xxe;</strUserName><strPassword>x</strPassword>",
        prolog=XXE_PROLOG,
    )
    text = _refused_and_unchanged(live, body)
    assert "root:" not in text


def test_external_entity_in_a_parameter_entity_is_refused(live: LiveService) -> None:
    """An out-of-band XXE through a parameter entity is refused the same way."""
    prolog = '<!DOCTYPE x [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]>'
    body = raw_envelope("serverVersion", "", prolog=prolog)
    _refused_and_unchanged(live, body, "serverVersion")


def test_billion_laughs_entity_bomb_is_refused(live: LiveService) -> None:
    """Billion laughs: refused before expansion, within the call's time bound."""
    body = raw_envelope(
        "authenticate", "<strUserName>&lol9;</strUserName><strPassword>x</strPassword>",
        prolog=BOMB_PROLOG,
    )
    text = _refused_and_unchanged(live, body)
    assert "lollol" not in text


def test_entity_bomb_hidden_in_escaped_qbxml_is_not_expanded(live: LiveService) -> None:
    """A bomb escaped inside strHCPResponse reaches only the hardened qbXML parser."""
    hcp = f'<?xml version="1.0"?>{BOMB_PROLOG}<QBXML>&lol9;</QBXML>'
    body = envelope("sendRequestXML", {
        "ticket": "no-such-ticket", "strHCPResponse": hcp, "strCompanyFileName": "",
        "qbXMLCountry": "US", "qbXMLMajorVers": 13, "qbXMLMinorVers": 0,
    })
    _refused_and_unchanged(live, body, "sendRequestXML")


def test_fifty_megabyte_body_is_refused(live: LiveService) -> None:
    """A 50 MB envelope gets 413 (over the 32 MiB default) and the next call works."""
    padding = "A" * (50 * 1024 * 1024)
    body = envelope("authenticate", {"strUserName": padding, "strPassword": "x"})
    before = live.row_counts()
    response = live.post(body)
    assert response.status_code == 413
    live.assert_clean_refusal(response)
    live.assert_still_serving()
    assert live.row_counts() == before


def test_fifty_megabyte_body_to_the_console_is_refused(live: LiveService) -> None:
    """The limit guards every path, not only the SOAP endpoint."""
    response = live.post(b"x=" + b"A" * (50 * 1024 * 1024), path="/login")
    assert response.status_code == 413
    live.assert_still_serving()


def test_ten_thousand_deep_nesting_is_refused(live: LiveService) -> None:
    """10,000 nested elements: refused as a fault, no recursion error, still serving."""
    deep = "<a>" * 10_000 + "x" + "</a>" * 10_000
    body = raw_envelope("authenticate", f"<strUserName>{deep}</strUserName><strPassword/>")
    _refused_and_unchanged(live, body)


def test_deep_nesting_inside_escaped_qbxml_is_refused(live: LiveService) -> None:
    """Deep nesting in an escaped qbXML response is stopped by the qbXML parser's depth cap."""
    qbxml = "<QBXML>" + "<a>" * 10_000 + "</a>" * 10_000 + "</QBXML>"
    body = envelope("receiveResponseXML", {
        "ticket": "no-such-ticket", "response": qbxml, "hresult": "", "message": "",
    })
    text = _refused_and_unchanged(live, body, "receiveResponseXML")
    assert "<a>" not in text


@pytest.mark.parametrize("major", ["thirteen", "13.5", "99999999999999999999999", "", "-"])
def test_wrong_type_in_qbxml_major_version_is_refused(live: LiveService, major: str) -> None:
    """Text where the WSDL says int gives a client fault or a benign answer, never internals."""
    fields: dict[str, str | int | None] = {
        "ticket": "no-such-ticket", "strHCPResponse": "", "strCompanyFileName": "",
        "qbXMLCountry": "US", "qbXMLMajorVers": major, "qbXMLMinorVers": 0,
    }
    _refused_and_unchanged(live, envelope("sendRequestXML", fields), "sendRequestXML")


@pytest.mark.parametrize(
    ("operation", "fields"),
    [
        ("sendRequestXML", {"ticket": "no-such-ticket"}),
        ("receiveResponseXML", {}),
        ("authenticate", {}),
        ("closeConnection", {}),
        ("noSuchOperation", {"ticket": "x"}),
    ],
)
def test_missing_fields_and_unknown_operations_are_refused(
    live: LiveService, operation: str, fields: dict[str, str | int | None]
) -> None:
    """Missing required fields or an unknown operation: a fault or the protocol's stop value."""
    _refused_and_unchanged(live, envelope(operation, fields), operation)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not xml at all",
        b"<?xml version='1.0'?><unclosed>",
        b"\xff\xfe\x00<\x00s\x00",
        b'<?xml version="1.0" encoding="bogus-9"?><a/>',
        b"<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/'/>",
    ],
)
def test_garbage_bodies_are_refused(live: LiveService, body: bytes) -> None:
    """Bodies that are not a SOAP envelope get a clean refusal."""
    _refused_and_unchanged(live, body)


def test_honest_login_still_works_after_the_hostile_calls(live: LiveService) -> None:
    """After everything above, a real Web Connector login gets a ticket for its company file."""
    answer = live.authenticate(live.logins["south"].username, PASSWORD)
    assert answer[1] == "C:\\Data\\South.QBW"
    assert answer[0] and len(answer[0]) >= 32
