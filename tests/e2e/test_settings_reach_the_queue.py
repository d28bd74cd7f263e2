"""The retry policy configured for the installation governs retries made through SOAP."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from qbwc_service import queue
from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, QbwcUser, Request, utcnow
from qbwc_service.handlers import Registry
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid
from qbwc_service.qbwc.runs import Runs

BUSY_ANSWER = ('<?xml version="1.0" ?><QBXML><QBXMLMsgsRs newMessageSetID="{set_id}" '
               'messageSetStatusCode="0"><CustomerAddRs requestID="{request_id}" '
               'statusCode="3175" statusSeverity="Error" statusMessage="There was an error '
               'when saving the record. The internals of this list could not be locked."/>'
               "</QBXMLMsgsRs></QBXML>")


def test_configured_retry_backoff_applies_to_a_busy_answer(app_context: AppContext) -> None:
    """With retry_backoff_seconds = 0 a request QuickBooks found busy is ready again at once."""
    ctx = AppContext(replace(app_context.settings, retry_backoff_seconds=0),
                     _database=app_context.db)
    with ctx.db.session() as session:
        company = Company(name="Busy Books", every_minutes=1, file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="busy",
                             password_hash=hash_password("busy-pass-1")))
        request_id = queue.enqueue(session, company_id=company.id, operation="CustomerAdd",
                                   key="customer:1", payload={"Name": "Lee Hardware"}).request.id
    runs = Runs(ctx, handlers=Registry())
    ticket = runs.authenticate("busy", "busy-pass-1")[0]
    outbound = runs.send_request_xml(ticket, "", "", "US", 13, 0)
    set_id = outbound.split('newMessageSetID="')[1].split('"')[0]
    runs.receive_response_xml(
        ticket, BUSY_ANSWER.format(set_id=set_id, request_id=request_id), "", "")
    with ctx.db.session() as session:
        request = session.scalars(select(Request).where(Request.id == request_id)).one()
        assert request.status == "queued"
        assert request.not_before is None or request.not_before <= utcnow()
