"""Property: whatever body reaches /qbwc, the reply is a clean refusal or a protocol answer."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import LiveService
from .envelopes import envelope

OPERATIONS = [
    "serverVersion", "clientVersion", "authenticate", "sendRequestXML", "receiveResponseXML",
    "connectionError", "getLastError", "closeConnection", "getInteractiveURL",
]
FIELDS = [
    "ticket", "strUserName", "strPassword", "strVersion", "strHCPResponse", "strCompanyFileName",
    "qbXMLCountry", "qbXMLMajorVers", "qbXMLMinorVers", "response", "hresult", "message",
]
QUEUE_TABLES = ("requests", "message_sets", "attempts", "request_transitions", "mappings")

field_values = st.one_of(
    st.none(),
    st.text(max_size=200),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([
        "<QBXML><QBXMLMsgsRs/></QBXML>", "&lt;QBXML&gt;", "]]>", "0x80040400", "north-user",
        "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY b \"c\">]><a>&b;</a>",
    ]),
)
envelopes = st.builds(
    envelope,
    st.one_of(st.sampled_from(OPERATIONS), st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True)),
    st.dictionaries(st.sampled_from(FIELDS), field_values, max_size=7),
)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A valid-looking envelope with bytes cut, inserted or replaced."""
    body = bytearray(draw(envelopes))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        position = draw(st.integers(min_value=0, max_value=max(len(body) - 1, 0)))
        action = draw(st.sampled_from(["cut", "insert", "replace", "truncate"]))
        chunk = draw(st.binary(min_size=1, max_size=8))
        if action == "cut":
            del body[position:position + len(chunk)]
        elif action == "insert":
            body[position:position] = chunk
        elif action == "replace":
            body[position:position + len(chunk)] = chunk
        else:
            del body[position:]
    return bytes(body)


bodies = st.one_of(envelopes, mutated(), st.binary(max_size=300))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=bodies, operation=st.sampled_from(OPERATIONS))
def test_any_body_gets_a_clean_answer(live: LiveService, body: bytes, operation: str) -> None:
    """No stack trace, no bare 500, no hang (each call is bounded by a client timeout)."""
    response = live.post(body, operation)
    live.assert_clean_refusal(response)


def test_service_and_queue_survive_the_fuzzing(live: LiveService) -> None:
    """After the fuzz run the service answers and no queue row was created or removed."""
    live.assert_still_serving()
    counts = live.row_counts()
    assert {table: counts[table] for table in QUEUE_TABLES} == {
        "requests": 2, "message_sets": 0, "attempts": 0, "request_transitions": 2, "mappings": 0,
    }
