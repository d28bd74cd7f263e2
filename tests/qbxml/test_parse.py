"""Responses in the shapes QuickBooks sends parse to the expected objects."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbwc_service.qbxml import ResponseParseError, iter_rets, parse_response
from tests.qbxml.conftest import fixture_text


def test_info_with_invoice_ret() -> None:
    """Status 0 with an InvoiceRet gives IDs, reference, date and total (subtotal + tax)."""
    message_set = parse_response(fixture_text("invoice_add_rs_info.xml"))
    (response,) = message_set.responses
    assert (response.request_id, response.operation, response.status_code) == (
        "17-1",
        "InvoiceAdd",
        0,
    )
    assert response.severity == "Info" and response.ok and response.classification.kind == "success"
    ret = response.rets[0]
    assert ret.type == "InvoiceRet" and ret.txn_id == "1A3-1712345678"
    assert ret.edit_sequence == "1712345678" and ret.ref_number == "100000123"
    assert ret.txn_date == "2024-03-05" and ret.total == Decimal("42.79")
    assert ret.fields["CustomerRef/FullName"] == "Smith & Sons"
    assert ret.fields["InvoiceLineRet/SomeElementFromQuickBooks2030"] == "kept"
    assert response.raw_xml.startswith("<InvoiceAddRs") and "InvoiceRet" in response.raw_xml


def test_warnings_are_ok() -> None:
    """Warn 530 and 500 responses still count as done, with their records."""
    warn_530 = parse_response(fixture_text("customer_add_rs_warn_530.xml")).responses[0]
    assert warn_530.status_code == 530 and warn_530.ok and warn_530.classification.kind == "warning"
    assert (
        warn_530.rets[0].name == "Jane Müller" and warn_530.rets[0].list_id == "80000022-1712340100"
    )
    assert "IsStatementWithParent" in warn_530.message
    warn_500 = parse_response(fixture_text("customer_query_rs_warn_500.xml")).responses[0]
    assert warn_500.status_code == 500 and warn_500.ok and len(warn_500.rets) == 1


def test_errors_carry_codes_and_the_current_record() -> None:
    """3100/3120/3140 have no records; 3200 carries the current EditSequence."""
    responses = parse_response(fixture_text("errors.xml")).by_request_id()
    assert {rid: r.status_code for rid, r in responses.items()} == {
        "7-1": 3100, "8-1": 3120, "9-1": 3140, "10-2": 3200,
    }  # fmt: skip
    assert not any(r.ok for r in responses.values())
    assert responses["7-1"].classification.kind == "permanent" and responses["7-1"].rets == []
    assert responses["9-1"].classification.kind == "permanent"
    assert 'Item "XL-HOODIE"' in responses["9-1"].message
    stale = responses["10-2"]
    assert stale.operation == "ItemInventoryMod" and stale.rets[0].edit_sequence == "1712424600"
    assert stale.rets[0].quantity_on_hand == Decimal("41")


def test_iterator_page() -> None:
    """Iterator attributes are read; status 1 is an empty, successful result."""
    customers, invoices = parse_response(fixture_text("customer_query_iterator_page.xml")).responses
    assert customers.iterator_remaining == 18 and customers.ret_count == 2
    assert customers.iterator_id == "{eb05f701-e727-472f-8ade-6753c4f67a46}"
    assert [r.name for r in customers.rets] == ["Abercrombie, Kristy", "Allard, Robert"]
    assert invoices.status_code == 1 and invoices.ok and invoices.rets == []
    assert invoices.iterator_remaining == 0


def test_recovery_answer() -> None:
    """A recovery answer gives the set status and each request's ErrorRecovery IDs."""
    message_set = parse_response(fixture_text("recovery_status_rs.xml"))
    assert message_set.message_set_status == 0 and message_set.new_message_set_id == "ms-42-3"
    invoice, customer = message_set.responses
    assert invoice.error_recovery == {
        "TxnID": "1A3-1712345678", "TxnNumber": "412", "EditSequence": "1712345678",
        "ExternalGUID": "{4A1D0C3E-2B2F-4E5A-9C55-0D8E2B6A7F10}",
    }  # fmt: skip
    assert customer.error_recovery == {
        "ListID": "80000021-1712340000",
        "EditSequence": "1712340000",
    }
    assert invoice.rets == []
    empty = parse_response(fixture_text("recovery_not_found_rs.xml"))
    assert empty.message_set_status == 9002 and empty.responses == []


def test_item_sites() -> None:
    """ItemSitesRet gives item, site and the site's quantity on hand."""
    (response,) = parse_response(fixture_text("item_sites_query_rs.xml")).responses
    sites = [(r.item_name, r.site_name, r.quantity_on_hand) for r in response.rets]
    assert sites == [
        ("XL-HOODIE", "Main Warehouse", Decimal("37")),
        ("GIFT-BOX", "Store Front", Decimal("4.5")),
    ]


def test_not_a_response() -> None:
    """A document that is not QBXML/QBXMLMsgsRs raises ResponseParseError with the text."""
    with pytest.raises(ResponseParseError) as caught:
        parse_response("<html><body>Proxy error</body></html>")
    assert "Proxy error" in caught.value.content


def test_iter_rets_streams_records() -> None:
    """iter_rets yields the same records from bytes or a stream, filtered by tag."""
    data = fixture_text("item_sites_query_rs.xml").encode()
    records = list(iter_rets(data))
    assert [r.type for r in records] == ["ItemSitesRet", "ItemSitesRet"]
    assert records[1].quantity_on_hand == Decimal("4.5")
    import io

    assert [r.list_id for r in iter_rets(io.BytesIO(data), "ItemSitesRet")] == [
        r.list_id for r in records
    ]
    assert list(iter_rets(data, "InvoiceRet")) == []


def test_iter_rets_large_page_in_bounded_memory() -> None:
    """20,000 ItemInventoryRet records stream without keeping earlier ones in the tree."""
    import tracemalloc

    data = _item_inventory_rs(20_000)
    tracemalloc.start()
    count = 0
    total = Decimal(0)
    for record in iter_rets(data, "ItemInventoryRet"):
        count += 1
        total += record.quantity_on_hand or 0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert count == 20_000 and total == sum(Decimal(n % 50) for n in range(20_000))
    assert peak < 20 * 1024 * 1024


def _item_inventory_rs(count: int) -> bytes:
    head = b'<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs>\n<ItemInventoryQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">\n'
    ret = (
        "<ItemInventoryRet>\n<ListID>8000{n:04X}-1712340000</ListID>\n<EditSequence>1712340000</EditSequence>\n"
        "<Name>SKU-{n}</Name>\n<FullName>SKU-{n}</FullName>\n<IsActive>true</IsActive>\n"
        "<SalesDesc>Item {n} &amp; friends</SalesDesc>\n<SalesPrice>19.90</SalesPrice>\n"
        "<QuantityOnHand>{q}</QuantityOnHand>\n</ItemInventoryRet>\n"
    )
    body = "".join(ret.format(n=n, q=n % 50) for n in range(count)).encode()
    return head + body + b"</ItemInventoryQueryRs>\n</QBXMLMsgsRs>\n</QBXML>\n"


@pytest.mark.parametrize("name", ["customer_query_iterator_page.xml", "item_sites_query_rs.xml",
                                  "invoice_add_rs_info.xml", "customer_query_rs_warn_500.xml"])
def test_streamed_records_equal_fully_parsed_ones(name: str) -> None:
    """iter_rets builds the same records, field for field, as parse_response."""
    text = fixture_text(name)
    parsed = [ret for response in parse_response(text).responses for ret in response.rets]
    streamed = list(iter_rets(text.encode()))
    assert streamed and len(streamed) == len(parsed)
    for one, other in zip(streamed, parsed, strict=True):
        assert one == other
        assert one.fields == other.fields
