"""Every template, rendered from a realistic context, is valid against the qbXML XSDs."""

from __future__ import annotations

import pytest

from qbwc_service.qbxml import XsdValidator, load_operations, render_message_set, render_request
from tests.qbxml.contexts import CONTEXTS, ITERATING, invoice_context


def test_every_operation_has_a_context() -> None:
    """The contexts below cover every request type in the order table."""
    assert set(load_operations()) == set(CONTEXTS)


@pytest.mark.parametrize("operation", sorted(CONTEXTS))
def test_template_renders_xsd_valid(operation: str, xsd: XsdValidator) -> None:
    """Each request type renders to a message set the 13.0 and 16.0 schemas accept."""
    iterator = "Start" if operation in ITERATING else None
    element = render_request(
        operation, CONTEXTS[operation], version="13.0", request_id="42-1", iterator=iterator
    )
    document = render_message_set([element], version="13.0", new_message_set_id="ms-1")
    assert xsd.validate(document) == []


def test_multi_site_message_set_is_valid(xsd: XsdValidator) -> None:
    """Site query, item-sites page, transfer and site adjustment validate as one set."""
    elements = [
        render_request("InventorySiteQuery", {}, version="13.0", request_id="1"),
        render_request(
            "ItemSitesQuery", CONTEXTS["ItemSitesQuery"], version="13.0", request_id="2",
            iterator="Continue", iterator_id="{5f0c2b7e-1111-4a0b-9c0d-222233334444}",
        ),
        render_request("TransferInventoryAdd", CONTEXTS["TransferInventoryAdd"], version="13.0", request_id="3"),
        render_request("InventoryAdjustmentAdd", CONTEXTS["InventoryAdjustmentAdd"], version="13.0", request_id="4"),
    ]  # fmt: skip
    assert xsd.validate(render_message_set(elements, version="13.0")) == []


def test_recovery_documents_are_valid(xsd: XsdValidator) -> None:
    """Status check and clear documents (no requests) are valid qbXML."""
    check = render_message_set(
        [], version="13.0", old_message_set_id="ms-7", new_message_set_id="ms-7"
    )
    clear = render_message_set([], version="13.0", old_message_set_id="ms-7")
    assert xsd.validate(check) == [] and xsd.validate(clear) == []
    assert 'oldMessageSetID="ms-7"' in clear and "newMessageSetID" not in clear


def test_xsd_catches_out_of_order_elements(xsd: XsdValidator) -> None:
    """The validator reports a hand-built request with SalesPrice before SalesDesc."""
    element = (
        '<ItemInventoryAddRq requestID="1"><ItemInventoryAdd><Name>X</Name>'
        "<SalesPrice>1.00</SalesPrice><SalesDesc>x</SalesDesc></ItemInventoryAdd></ItemInventoryAddRq>"
    )
    errors = xsd.validate(render_message_set([element], version="13.0"))
    assert errors and "SalesDesc" in errors[0]


def test_large_invoice_is_valid(xsd: XsdValidator) -> None:
    """An invoice with 60 lines stays valid (lines then groups, in schema order)."""
    element = render_request("InvoiceAdd", invoice_context(60), version="13.0", request_id="9")
    assert xsd.validate(render_message_set([element], version="13.0")) == []
