"""Customer handler: the mapping keeps the name QuickBooks holds."""

from __future__ import annotations

from sqlalchemy import select

from qbwc_service.db.models import Mapping, Request
from qbwc_service.handlers.customer import CustomerHandler
from qbwc_service.qbxml.parse import QbResponse, RetRecord

from .conftest import succeed


def test_customer_mapping_takes_quickbooks_full_name(db, company_id) -> None:
    """The mapping's qb_name is QuickBooks' FullName and its type is Customer."""
    with db.session() as session:
        request = Request(company_id=company_id, operation="CustomerAdd",
                          idempotency_key="customer:7", entity_type="customer", magento_id="7",
                          payload={"Name": "Ann Lee"})
        session.add(request)
        session.flush()
        answer = QbResponse(request_id=str(request.id), operation="CustomerAdd", status_code=0,
                            severity="Info", message="Status OK",
                            rets=[RetRecord(type="CustomerRet", list_id="80000005-1",
                                            name="Ann Lee", full_name="Ann Lee")])
        succeed(session, request, answer)
        CustomerHandler().handle_response(session, request, answer)
        mapping = session.scalars(select(Mapping)).one()
        assert (mapping.qb_name, mapping.qb_type, mapping.qb_id) == \
            ("Ann Lee", "Customer", "80000005-1")
