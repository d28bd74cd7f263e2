"""Host/company/preferences parsing, version negotiation and the status table."""

from __future__ import annotations

from datetime import date

import pytest

from qbwc_service.qbxml import classify, explain_hresult, negotiate_version, parse_hcp
from tests.qbxml.conftest import fixture_text

OWNER = "{57F3B9B1-86F1-4fcc-B1EE-566DE1813D20}"


def test_enterprise_with_multi_location() -> None:
    """An Enterprise HCP gives versions, FileID under our OwnerID and site preferences."""
    hcp = parse_hcp(fixture_text("hcp_enterprise_multisite.xml"))
    assert (hcp.product_name or "").startswith("QuickBooks Enterprise") and hcp.major_version == 33
    assert (
        hcp.country == "US"
        and hcp.file_mode == "MultiUser"
        and hcp.company_name == "Northwind Apparel LLC"
    )
    assert hcp.max_supported_version == "16.0" and "10.0" in hcp.supported_versions
    assert hcp.data_extensions[(OWNER, "FileID")] == "{9a5b8a1e-2f13-4a7c-9d27-3f0c1e6b4d55}"
    assert hcp.multi_location_available is True and hcp.multi_location_enabled is True
    assert hcp.class_tracking is True and hcp.closing_date == date(2023, 12, 31)
    assert hcp.multi_currency_on is False and hcp.home_currency is None
    assert (hcp.default_taxable_code, hcp.default_non_taxable_code, hcp.default_sales_tax_item) == (
        "Tax", "Non", "State Tax"
    )  # fmt: skip
    assert negotiate_version("13.0", hcp.supported_versions) == "13.0"


def test_pro_2014_without_multi_location() -> None:
    """A QB Pro 2014 HCP: 13.0 at most, multi-location off, optional parts absent."""
    hcp = parse_hcp(fixture_text("hcp_pro_2014.xml"))
    assert hcp.major_version == 24 and hcp.max_supported_version == "13.0"
    assert hcp.multi_location_enabled is False and hcp.multi_location_available is False
    assert hcp.closing_date is None and hcp.data_extensions == {}
    assert hcp.default_taxable_code is None and hcp.class_tracking is False


def test_empty_and_qbpos_hcp() -> None:
    """Empty text and the QBPOS sentence give an empty result rather than an error."""
    assert parse_hcp("").product_name is None
    pos = parse_hcp("HOSTQUERY/COMPANYQUERY/PREFQUERY is currently not supported in QBPOS.")
    assert pos.supported_versions == [] and pos.multi_location_enabled is None


@pytest.mark.parametrize(
    ("target", "supported", "expected"),
    [("13.0", ["1.0", "2.0", "13.0", "16.0"], "13.0"), ("13.0", ["1.0", "5.0"], "5.0"),
     ("13.0", ["14.0"], None), ("13.0", ["2.1", "12", "3.0"], "12.0"), ("13.0", [], None)],
)  # fmt: skip
def test_negotiate_version(target: str, supported: list[str], expected: str | None) -> None:
    """The highest supported version not above the target is chosen."""
    assert negotiate_version(target, supported) == expected


@pytest.mark.parametrize(
    ("code", "kind"),
    [(0, "success"), (1, "success"), (500, "warning"), (530, "warning"), (600, "success"),
     (3100, "permanent"), (3120, "permanent"), (3140, "permanent"), (3170, "retryable"),
     (3175, "retryable"), (3176, "retryable"), (3180, "retryable"), (3200, "retryable"),
     (3210, "permanent"), (3250, "permanent"), (3260, "permanent"), (3261, "permanent"),
     (3391, "retryable"), (1000, "retryable"), (9999, "permanent"), (599, "warning")],
)  # fmt: skip
def test_classify(code: int, kind: str) -> None:
    """Each status code maps to the queue's action, with the code in the explanation."""
    info = classify(code)
    assert info.kind == kind and info.explanation.startswith(f"{code}:")


@pytest.mark.parametrize(
    "hresult",
    ["0x80040400", "0x80040401", "0x80040402", "0x80040408", "0x8004040A", "0x80040410",
     "0x80040414", "0x80040416", "0x80040418", "0x8004041A", "0x8004041D", "0x80040420",
     "0x80040422", "0x80040423", "0x80040424"],
)  # fmt: skip
def test_explain_hresult_known(hresult: str) -> None:
    """Every known HRESULT has specific advice, not the generic fallback."""
    text = explain_hresult(hresult.lower(), "")
    assert text.startswith(hresult.upper().replace("0X", "0x")) and "does not recognise" not in text


def test_explain_hresult_quotes_message_and_handles_unknowns() -> None:
    """The QuickBooks message is quoted; unknown and negative-decimal forms still explain."""
    text = explain_hresult(
        "0x80040400", "QuickBooks found an error when parsing the provided XML text stream."
    )
    assert "element out of order" in text and 'QuickBooks said: "QuickBooks found' in text
    assert explain_hresult("-2147220480", "").startswith("0x80040400")
    assert "does not recognise" in explain_hresult("0x80049999", "")
    assert explain_hresult("", "").startswith("unknown HRESULT")
