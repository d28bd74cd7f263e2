"""Rendering and built-in checks: order, escaping, lengths, versions, templates."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from qbwc_service.qbxml import (
    QbxmlValidationError,
    TemplateError,
    TemplateSet,
    UnknownOperationError,
    render_message_set,
    render_request,
    shorten_name,
    validate_request,
)
from tests.qbxml.contexts import CONTEXTS, invoice_context


def _children(element_text: str, path: str = ".") -> list[str]:
    root = etree.fromstring(element_text)
    return [child.tag for child in root.find(path)]


def test_dict_order_does_not_matter() -> None:
    """Elements come out in schema order whatever order the context dict has."""
    context = dict(reversed(list(CONTEXTS["ItemInventoryAdd"].items())))
    text = render_request("ItemInventoryAdd", context, version="13.0", request_id="1")
    tags = _children(text, "ItemInventoryAdd")
    assert tags.index("Name") < tags.index("SalesDesc") < tags.index("SalesPrice")
    assert (
        tags.index("IncomeAccountRef")
        < tags.index("COGSAccountRef")
        < tags.index("AssetAccountRef")
    )
    assert text == render_request(
        "ItemInventoryAdd", CONTEXTS["ItemInventoryAdd"], version="13.0", request_id="1"
    )


def test_text_is_escaped_and_amounts_formatted() -> None:
    """Ampersands and angle brackets are escaped; money has 2 places, rates up to 5."""
    text = render_request("InvoiceAdd", invoice_context(1), version="13.0", request_id="1")
    assert "<FullName>Smith &amp; Sons</FullName>" in text
    assert "Loading dock &lt;B&gt;" in text
    assert "<Rate>19.995</Rate>" in text
    root = etree.fromstring(text)
    assert root.findtext("InvoiceAdd/CustomerRef/FullName") == "Smith & Sons"


def test_request_id_and_wrapper() -> None:
    """The Rq element carries the requestID and wraps the Add aggregate."""
    text = render_request("CustomerAdd", {"Name": "A"}, version="13.0", request_id='7-"1"')
    root = etree.fromstring(text)
    assert root.tag == "CustomerAddRq" and root.get("requestID") == '7-"1"'
    assert [c.tag for c in root] == ["CustomerAdd"]


def test_include_ret_element_goes_outside_the_aggregate() -> None:
    """IncludeRetElement on an Add is placed after the aggregate, inside the Rq."""
    text = render_request("InvoiceAdd", {"CustomerRef": {"FullName": "A"}, "IncludeRetElement": ["TxnID", "EditSequence"]}, version="13.0", request_id="1")  # fmt: skip
    assert _children(text) == ["InvoiceAdd", "IncludeRetElement", "IncludeRetElement"]


def test_none_and_empty_values_are_omitted() -> None:
    """None, empty strings and empty lists leave the element out."""
    text = render_request("CustomerAdd", {"Name": "A", "Phone": None, "Email": "", "Contacts": None}, version="13.0", request_id="1")  # fmt: skip
    assert _children(text, "CustomerAdd") == ["Name"]


def test_unknown_key_is_a_clear_problem() -> None:
    """A key that is not a qbXML element is reported, not dropped."""
    problems = validate_request("CustomerAdd", {"Name": "A", "Nickname": "x"}, version="13.0")
    assert [p.message for p in problems] == ["Nickname is not a qbXML element of CustomerAdd"]


def test_missing_required_element() -> None:
    """InvoiceAdd without CustomerRef and a Mod without EditSequence are refused."""
    assert any(
        "CustomerRef is required" in p.message
        for p in validate_request("InvoiceAdd", {"RefNumber": "1"}, version="13.0")
    )
    problems = validate_request(
        "ItemInventoryMod", {"ListID": "80000031-1712340000"}, version="13.0"
    )
    assert any("EditSequence is required" in p.message for p in problems)


def test_only_one_of_a_choice() -> None:
    """Rate and RatePercent on one line cannot both be given."""
    context = {"CustomerRef": {"FullName": "A"}, "InvoiceLineAdd": [{"ItemRef": {"FullName": "X"}, "Rate": 1, "RatePercent": 5}]}  # fmt: skip
    problems = validate_request("InvoiceAdd", context, version="13.0")
    assert [p.message for p in problems] == [
        "Rate and RatePercent cannot be given together; choose one"
    ]


def test_identity_fields_are_refused_when_too_long() -> None:
    """An item Name over 31 characters is refused with a bookkeeper-readable message."""
    problems = validate_request(
        "ItemInventoryAdd", {"Name": "XL-HOODIE-BLACK-ORGANIC-COTTON-2024"}, version="13.0"
    )
    assert problems[0].message == (
        "Item name 'XL-HOODIE-BLACK-ORGANIC-COTTON-…' is 35 characters; QuickBooks allows 31"
    )
    problems = validate_request(
        "InvoiceAdd",
        {"CustomerRef": {"FullName": "A"}, "RefNumber": "100000000123"},
        version="13.0",
    )
    assert problems[0].message.startswith("Reference number '10000000012…' is 12 characters")


def test_free_text_is_truncated_by_characters() -> None:
    """Memo and address lines are cut to their maximum, counting characters not bytes."""
    context = {
        "CustomerRef": {"FullName": "A"},
        "BillAddress": {"Addr1": "é" * 60},
        "Memo": "ü" * 5000,
    }
    root = etree.fromstring(render_request("InvoiceAdd", context, version="13.0", request_id="1"))
    assert root.findtext("InvoiceAdd/BillAddress/Addr1") == "é" * 41
    assert root.findtext("InvoiceAdd/Memo") == "ü" * 4095


def test_non_latin1_characters_are_transliterated() -> None:
    """Emoji and CJK become '?', ł loses its stroke, Latin-1 accents (ó, é) stay."""
    context = {"Name": "Łódź Café 😀 東京"}
    root = etree.fromstring(render_request("CustomerAdd", context, version="13.0", request_id="1"))
    assert root.findtext("CustomerAdd/Name") == "Lódz Café ? ??"
    kept = render_request(
        "CustomerAdd", context, version="13.0", request_id="1", transliterate=False
    )
    assert "😀" in kept


def test_colon_in_a_name_is_refused() -> None:
    """A SKU with ':' would become a sub-item in QuickBooks, so it is refused."""
    problems = validate_request("ItemInventoryAdd", {"Name": "TEE:RED"}, version="13.0")
    assert "parent:child" in problems[0].message


def test_enumeration_is_checked() -> None:
    """An enum value outside the schema's list is reported with the allowed values."""
    problems = validate_request("ClassQuery", {"ActiveStatus": "Sometimes"}, version="13.0")
    assert "is not one of: ActiveOnly, All, InactiveOnly" in problems[0].message


def test_bad_values_are_reported() -> None:
    """Non-numeric amounts, impossible dates and bad GUIDs become problems, not crashes."""
    context = {"CustomerRef": {"FullName": "A"}, "TxnDate": "2024-02-30", "ExternalGUID": "not-a-guid",
               "InvoiceLineAdd": [{"ItemRef": {"FullName": "X"}, "Amount": "ten"}]}  # fmt: skip
    paths = sorted(p.path for p in validate_request("InvoiceAdd", context, version="13.0"))
    assert paths == [
        "InvoiceAdd/ExternalGUID",
        "InvoiceAdd/InvoiceLineAdd[0]/Amount",
        "InvoiceAdd/TxnDate",
    ]


def test_single_element_given_a_list() -> None:
    """Two values for an element that occurs once is a problem."""
    problems = validate_request("CustomerAdd", {"Name": ["A", "B"]}, version="13.0")
    assert problems[0].message == "only one Name may be given"


def test_version_gating_refuses_site_on_old_quickbooks() -> None:
    """InventorySiteRef needs 10.0: refused for a 9.0 company with the reason."""
    problems = validate_request("InvoiceAdd", invoice_context(1), version="9.0")
    messages = {p.message for p in problems}
    assert "InventorySiteRef needs qbXML 10.0, but this QuickBooks speaks only 9.0" in messages
    assert all("ExternalGUID" not in m for m in messages)


def test_version_gating_drops_harmless_elements() -> None:
    """ExternalGUID (9.0) is left out for an 8.0 company instead of refusing the invoice."""
    context = {
        "CustomerRef": {"FullName": "A"},
        "ExternalGUID": "{4A1D0C3E-2B2F-4E5A-9C55-0D8E2B6A7F10}",
    }
    text = render_request("InvoiceAdd", context, version="8.0", request_id="1")
    assert "ExternalGUID" not in text and "CustomerRef" in text


def test_item_sites_query_gating() -> None:
    """ItemSitesQuery needs 10.0 and US QuickBooks."""
    assert "needs qbXML 10.0" in validate_request("ItemSitesQuery", {}, version="8.0")[0].message
    assert (
        "US Desktop only"
        in validate_request("ItemSitesQuery", {}, version="13.0", country="CA")[0].message
    )
    assert validate_request("ItemSitesQuery", {}, version="13.0", country="US") == []


def test_iterator_attributes() -> None:
    """Start and Continue are written; iterators on non-iterating queries are refused."""
    start = etree.fromstring(
        render_request(
            "ItemQuery", {"MaxReturned": 100}, version="13.0", request_id="1", iterator="Start"
        )
    )
    assert start.get("iterator") == "Start" and start.get("iteratorID") is None
    cont = etree.fromstring(
        render_request(
            "ItemQuery",
            {"MaxReturned": 100},
            version="13.0",
            request_id="1",
            iterator="Continue",
            iterator_id="{abc}",
        )
    )
    assert cont.get("iteratorID") == "{abc}"
    with pytest.raises(QbxmlValidationError, match="does not support iterators"):
        render_request("AccountQuery", {}, version="13.0", request_id="1", iterator="Start")
    with pytest.raises(QbxmlValidationError, match="needs the iteratorID"):
        render_request("ItemQuery", {}, version="13.0", request_id="1", iterator="Continue")


def test_request_id_length() -> None:
    """requestIDs over 50 characters (status 1060) are refused before sending."""
    with pytest.raises(QbxmlValidationError, match="requestID is 51 characters"):
        render_request("ClassQuery", {}, version="13.0", request_id="x" * 51)


def test_unknown_operation() -> None:
    """A request type without a template raises UnknownOperationError."""
    with pytest.raises(UnknownOperationError):
        render_request("BillAdd", {}, version="13.0", request_id="1")


def test_message_set_envelope() -> None:
    """The document has the XML declaration, the qbxml PI and onError."""
    element = render_request("ClassQuery", {}, version="13.0", request_id="1")
    text = render_message_set(
        [element], version="12.0", on_error="stopOnError", new_message_set_id="ms-1"
    )
    lines = text.splitlines()
    assert (
        lines[0] == '<?xml version="1.0" encoding="utf-8"?>'
        and lines[1] == '<?qbxml version="12.0"?>'
    )
    root = etree.fromstring(text.encode())
    messages = root.find("QBXMLMsgsRq")
    assert messages.get("onError") == "stopOnError" and messages.get("newMessageSetID") == "ms-1"
    assert [c.tag for c in messages] == ["ClassQueryRq"]


def test_message_set_refuses_rollback_and_long_ids() -> None:
    """rollbackOnError and message-set IDs over 23 characters are refused."""
    with pytest.raises(QbxmlValidationError):
        render_message_set([], version="13.0", on_error="rollbackOnError")
    with pytest.raises(QbxmlValidationError):
        render_message_set([], version="13.0", new_message_set_id="x" * 24)


def test_shorten_name_is_deterministic_and_distinct() -> None:
    """Long names keep a prefix plus a hash; different inputs give different names."""
    first = shorten_name("XL-HOODIE-BLACK-ORGANIC-COTTON-2024", 31)
    second = shorten_name("XL-HOODIE-BLACK-ORGANIC-COTTON-2025", 31)
    assert len(first) == 31 and first.startswith("XL-HOODIE-BLACK-ORGANIC")
    assert first != second and first == shorten_name("XL-HOODIE-BLACK-ORGANIC-COTTON-2024", 31)
    assert shorten_name("short", 31) == "short"
    assert validate_request("ItemInventoryAdd", {"Name": first}, version="13.0") == []


def test_override_template_defaults_and_removal(tmp_path: Path) -> None:
    """A user template supplies a default ClassRef and forbids an element it omits."""
    (tmp_path / "InvoiceAdd.xml").write_text(
        "<InvoiceAddRq><InvoiceAdd><CustomerRef><ListID/><FullName/></CustomerRef>"
        "<ClassRef><ListID/><FullName>Web Store</FullName></ClassRef><TemplateRef><FullName>Magento</FullName></TemplateRef>"
        "<RefNumber/><InvoiceLineAdd><ItemRef><FullName/></ItemRef><Amount/></InvoiceLineAdd>"
        "</InvoiceAdd></InvoiceAddRq>"
    )
    templates = TemplateSet(tmp_path)
    context = {"CustomerRef": {"FullName": "A"}, "InvoiceLineAdd": [{"ItemRef": {"FullName": "X"}, "Amount": Decimal("5")}]}  # fmt: skip
    root = etree.fromstring(
        render_request("InvoiceAdd", context, version="13.0", request_id="1", templates=templates)
    )
    assert root.findtext("InvoiceAdd/ClassRef/FullName") == "Web Store"
    assert [c.tag for c in root.find("InvoiceAdd")][:3] == [
        "CustomerRef",
        "ClassRef",
        "TemplateRef",
    ]
    context["ClassRef"] = {"ListID": "80000005-1700000000"}
    root = etree.fromstring(
        render_request("InvoiceAdd", context, version="13.0", request_id="1", templates=templates)
    )
    assert root.findtext("InvoiceAdd/ClassRef/ListID") == "80000005-1700000000"
    problems = validate_request(
        "InvoiceAdd",
        {"CustomerRef": {"FullName": "A"}, "Memo": "x"},
        version="13.0",
        templates=templates,
    )
    assert problems[0].message == "Memo is not in the InvoiceAdd template"


def test_broken_override_template(tmp_path: Path) -> None:
    """A template naming an element qbXML does not have is rejected with its path."""
    (tmp_path / "ClassQuery.xml").write_text("<ClassQueryRq><Colour/></ClassQueryRq>")
    with pytest.raises(TemplateError, match="Colour"):
        render_request(
            "ClassQuery", {}, version="13.0", request_id="1", templates=TemplateSet(tmp_path)
        )
