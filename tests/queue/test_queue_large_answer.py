"""Large answers through the queue: streamed to the handler, stored bounded in the request log."""

from __future__ import annotations

from typing import Any

from queue_helpers import claim, customer_body
from sqlalchemy.orm import Session

from qbwc_service.db.models import Attempt, Request
from qbwc_service.qbxml.parse import STREAM_ABOVE_BYTES
from qbwc_service.queue import apply_response, enqueue
from qbwc_service.settings import Settings

LOG_BYTES = 8192


def _customer_ret(n: int, notes: str = "") -> str:
    return (f"<CustomerRet><ListID>8000{n:04X}-1712340000</ListID>"
            "<TimeCreated>2024-01-01T09:00:00-05:00</TimeCreated>"
            f"<EditSequence>1712340{n:03d}</EditSequence><Name>Customer {n}</Name>"
            f"<FullName>Customer {n}</FullName><IsActive>true</IsActive>"
            "<BillAddress><Addr1>1 Main Street</Addr1><City>Springfield</City>"
            "<State>IL</State><PostalCode>62701</PostalCode></BillAddress>"
            f"<Balance>0.00</Balance><TotalBalance>0.00</TotalBalance>"
            f"{f'<Notes>{notes}</Notes>' if notes else ''}</CustomerRet>\n")


def _query_answer(request_id: int, count: int, last_notes: str = "") -> str:
    rets = "".join(_customer_ret(n, last_notes if n == count - 1 else "") for n in range(count))
    answer = ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
              f'<CustomerQueryRs requestID="{request_id}" statusCode="0" statusSeverity="Info" '
              f'statusMessage="Status OK">\n{rets}</CustomerQueryRs></QBXMLMsgsRs></QBXML>')
    assert len(answer) > STREAM_ABOVE_BYTES
    return answer


class _Counter:
    """Walks every record it is handed, as the inventory handler does."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def handle_response(self, session: Session, request: Request, response: Any) -> None:
        self.names.extend(ret.name for ret in response.rets)


class _Only:
    def __init__(self, handler: Any) -> None:
        self.handler = handler

    def handler_for(self, operation: str) -> Any:
        return self.handler


def test_a_large_query_answer_reaches_the_handler_whole_and_the_log_bounded(
        session: Session, company_id: int) -> None:
    """Every record goes to the handler; the request and its attempt keep a bounded copy."""
    query = enqueue(session, company_id=company_id, operation="CustomerQuery", key="q",
                    payload={"ActiveStatus": "All"}).request
    claim(session, company_id, "t1")
    count = STREAM_ABOVE_BYTES // len(_customer_ret(0)) + 100
    counter = _Counter()
    summary = apply_response(session, handlers=_Only(counter), ticket="t1",
                             response_xml=_query_answer(query.id, count),
                             settings=Settings(response_log_bytes=LOG_BYTES))
    assert summary.succeeded == 1 and query.status == "succeeded"
    assert counter.names == [f"Customer {n}" for n in range(count)]
    attempt = session.query(Attempt).filter_by(request_id=query.id).one()
    for stored in (query.response_xml or "", attempt.response_xml or ""):
        assert len(stored.encode()) < LOG_BYTES + 500
        assert stored.startswith(f'<CustomerQueryRs requestID="{query.id}" statusCode="0"')
        assert f"{count:,} records in this response" in stored
        assert "<Name>Customer 0</Name>" in stored and f"Customer {count - 1}<" not in stored


def test_a_look_up_finds_its_record_at_the_end_of_a_streamed_answer(
        session: Session, company_id: int) -> None:
    """3100 look-up: the record made from our document is found among streamed records."""
    request = enqueue(session, company_id=company_id, operation="CustomerAdd", key="c:jane",
                      body_xml=customer_body("Jane Roe", "magento #42"), entity_type="customer",
                      magento_id="jane", magento_ref="magento #42").request
    request.lookup_reason = "name_in_use"
    outbound = claim(session, company_id, "t1")
    assert "<CustomerQueryRq" in outbound.xml
    count = STREAM_ABOVE_BYTES // len(_customer_ret(0)) + 100
    apply_response(session, handlers=_Only(None), ticket="t1",
                   response_xml=_query_answer(request.id, count, last_notes="magento #42"),
                   settings=Settings(response_log_bytes=LOG_BYTES))
    assert request.status == "succeeded"
    assert "records in this response" in (request.response_xml or "")  # it was streamed
    assert request.qb_id == f"8000{count - 1:04X}-1712340000"
