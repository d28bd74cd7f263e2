"""The read-back requests are valid qbXML, as Intuit's schema defines them."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from qbwc_service.db.models import Company
from qbwc_service.qbxml import XsdValidator
from qbwc_service.qbxml.render import render_message_set
from qbwc_service.reconcile.readback import TXN_TYPES, plan_queries
from tests.conftest import reference_path


@pytest.mark.parametrize("multi_site", [True, False])
@pytest.mark.parametrize("version", ["13.0", "16.0"])
def test_every_read_back_request_is_xsd_valid(version: str, multi_site: bool) -> None:
    """Each query a run sends, as sent (with requestID and iterator), validates."""
    validator = XsdValidator(reference_path("qbxml", "xsd"), version)
    company = Company(name="acme", file_id="x", multi_site_enabled=multi_site)
    queries = plan_queries(company, date(2024, 3, 1), date(2024, 3, 31),
                           accounts=["Sales Tax Payable"])
    assert {q.operation for q in queries} >= {f"{kind}Query" for kind in TXN_TYPES}
    for number, query in enumerate(queries, start=1):
        element = etree.fromstring(query.body_xml)
        element.set("requestID", str(number))
        if query.operation != "AccountQuery" and query.operation != "TxnDeletedQuery":
            element.set("iterator", "Start")
        document = render_message_set([etree.tostring(element, encoding="unicode")],
                                      version=version)
        assert validator.validate(document) == [], query.label


def test_a_page_size_only_where_an_iterator_pages() -> None:
    """MaxReturned without an iterator would silently cut the answer: only iterables get it."""
    from qbwc_service.qbxml import ITERABLE_QUERIES

    company = Company(name="acme", file_id="x", multi_site_enabled=True)
    for query in plan_queries(company, date(2024, 3, 1), date(2024, 3, 31)):
        paged = "<MaxReturned>" in query.body_xml
        assert paged == (query.operation in ITERABLE_QUERIES), query.label
