"""Handler test fixtures: a company, and QuickBooks responses read from fixture files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qbwc_service.db.models import Company, Mapping, Request
from qbwc_service.qbxml.parse import parse_response

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "handlers"


def response_from(name: str, request_id: str = "REQ") -> Any:
    text = (FIXTURES / name).read_text(encoding="utf-8").replace('requestID="REQ"',
                                                                  f'requestID="{request_id}"')
    return parse_response(text).responses[0]


@pytest.fixture
def response() -> Callable[..., Any]:
    return response_from


@pytest.fixture
def company_id(db) -> int:
    with db.session() as session:
        company = Company(name="acme", file_id="{00000000-0000-0000-0000-000000000000}")
        session.add(company)
        session.flush()
        return company.id


def succeed(session, request: Request, response: Any) -> None:
    """What the queue does before it calls a handler: outcome and the generic mapping."""
    ret = response.rets[0] if response.rets else None
    request.status = "succeeded"
    if ret is not None:
        request.qb_id = ret.txn_id or ret.list_id
        request.qb_ref = ret.ref_number or ret.full_name or ret.name
    if request.entity_type and request.magento_id and request.qb_id:
        session.add(Mapping(company_id=request.company_id, entity_type=request.entity_type,
                            magento_id=request.magento_id, qb_id=request.qb_id,
                            qb_name=request.qb_ref, qb_type=ret.type if ret else None,
                            request_id=request.id))
        session.flush()
