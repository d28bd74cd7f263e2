"""Rows shaped like the ones the queue and session write, for the operations tests."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import (
    Attempt,
    Company,
    Mapping,
    MessageSet,
    Request,
    RequestStatus,
    WcRun,
    utcnow,
)


def company(session: Session, name: str) -> Company:
    row = Company(name=name, file_id="{" + str(uuid.uuid4()).upper() + "}")
    session.add(row)
    session.flush()
    return row


def request(
    session: Session,
    company_row: Company,
    operation: str = "InvoiceAdd",
    status: RequestStatus = RequestStatus.QUEUED,
    **fields: Any,
) -> Request:
    row = Request(
        company_id=company_row.id,
        operation=operation,
        status=status.value,
        idempotency_key=fields.pop("idempotency_key", uuid.uuid4().hex),
        **fields,
    )
    session.add(row)
    session.flush()
    return row


def message_set(session: Session, company_row: Company, elapsed_ms: int | None) -> MessageSet:
    row = MessageSet(
        company_id=company_row.id,
        ticket="t-" + uuid.uuid4().hex,
        message_set_id=uuid.uuid4().hex[:23],
        qbxml_version="13.0",
        elapsed_ms=elapsed_ms,
        request_xml="<QBXML>…</QBXML>",
    )
    session.add(row)
    session.flush()
    return row


def wc_session(session: Session, company_row: Company, user_id: int, *, open_: bool) -> WcRun:
    now = utcnow()
    row = WcRun(
        ticket=uuid.uuid4().hex,
        company_id=company_row.id,
        user_id=user_id,
        expires_at=now + timedelta(hours=1),
        closed_at=None if open_ else now,
        open_company_id=company_row.id if open_ else None,
    )
    session.add(row)
    session.flush()
    return row


def attempt(session: Session, request_row: Request, response_xml: str) -> Attempt:
    row = Attempt(
        request_id=request_row.id,
        ticket=request_row.ticket,
        request_xml=request_row.request_xml,
        response_xml=response_xml,
        status_code=0,
        outcome="succeeded",
    )
    session.add(row)
    session.flush()
    return row


def mapping(session: Session, company_row: Company, **fields: Any) -> Mapping:
    row = Mapping(company_id=company_row.id, amount=fields.pop("amount", Decimal("0")), **fields)
    session.add(row)
    session.flush()
    return row
