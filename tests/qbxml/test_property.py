"""Random but realistic inputs always render to well-formed, XSD-valid requests."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from qbwc_service.qbxml import load_validator, render_message_set, render_request, shorten_name
from qbwc_service.qbxml.values import clean_text
from tests.conftest import REFERENCE

_XSD = REFERENCE / "qbxml" / "xsd"
_SPICE = ["&", "<", ">", '"', "'", "é", "ß", "Ł", "😀", "東京", "—", "\t", "\x07", "€", ":", " "]

texts = st.lists(
    st.one_of(st.sampled_from(_SPICE), st.text(min_size=0, max_size=12)), max_size=8
).map("".join)
optional_text = st.one_of(st.none(), st.just(""), texts)
amounts = st.decimals(min_value=-(10**9), max_value=10**9, allow_nan=False, allow_infinity=False)
quantities = st.decimals(min_value=0, max_value=10**6, allow_nan=False, allow_infinity=False)


def _name(raw: str, limit: int) -> str:
    """What a handler does with a Magento name: clean, drop ':', shorten if needed."""
    cleaned = clean_text(raw).replace(":", "-").strip()
    return shorten_name(cleaned or "Guest", limit)


def _validate(document: str) -> None:
    etree.fromstring(document.encode("utf-8"))
    if _XSD.exists():
        for version in ("13.0", "16.0"):
            validator = load_validator(str(_XSD), version)
            assert validator is not None
            assert validator.validate(document) == [], version


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=texts, company=optional_text, addr=optional_text, city=optional_text, memo=optional_text,
    lines=st.lists(st.tuples(texts, optional_text, quantities, amounts), min_size=1, max_size=5),
    ref=st.integers(min_value=0, max_value=10**11 - 1),
)  # fmt: skip
def test_random_customers_and_invoices_are_valid(
    name: str,
    company: str | None,
    addr: str | None,
    city: str | None,
    memo: str | None,
    lines: list[tuple[str, str | None, Decimal, Decimal]],
    ref: int,
) -> None:
    """Names with markup characters, accents, emoji and CJK, odd amounts and empty optionals."""
    customer_name = _name(name, 41)
    customer: dict[str, Any] = {
        "Name": customer_name,
        "CompanyName": company,
        "BillAddress": {"Addr1": addr, "City": city, "PostalCode": None},
        "Notes": memo,
    }
    invoice: dict[str, Any] = {
        "CustomerRef": {"FullName": customer_name},
        "RefNumber": str(ref),
        "Memo": memo,
        "ShipAddress": {"Addr1": addr, "City": city},
        "InvoiceLineAdd": [
            {
                "ItemRef": {"FullName": _name(sku, 31)},
                "Desc": desc,
                "Quantity": quantity,
                "Amount": amount,
            }
            for sku, desc, quantity, amount in lines
        ],
    }
    elements = [
        render_request("CustomerAdd", customer, version="13.0", request_id="1"),
        render_request("InvoiceAdd", invoice, version="13.0", request_id="2"),
    ]
    document = render_message_set(elements, version="13.0", new_message_set_id="ms-1")
    _validate(document)
    root = etree.fromstring(document.encode("utf-8"))
    assert root.findtext(".//CustomerAdd/Name") == customer_name
    assert all(ord(c) < 256 for c in "".join(root.itertext()))
