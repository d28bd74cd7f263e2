"""The Web Connector's first-call ``strHCPResponse``: host, company and preferences.

QuickBooks answers HostQuery, CompanyQuery and PreferencesQuery once per run. We read
what gates our requests (qbXML versions, multi-location inventory, class tracking,
closing date, tax defaults, the FileID DataExt under our OwnerID). Everything is
optional: a part QuickBooks leaves out (older releases, QBPOS text) reads as None.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lxml import etree

from qbwc_service.qbxml.schema import version_tuple
from qbwc_service.qbxml.xmlsafe import parse_xml

__all__ = [
    "AUTO_VERSION",
    "SERVICE_VERSIONS",
    "HostCompanyPreferences",
    "negotiate_version",
    "parse_hcp",
    "version_ceiling",
]

# The qbXML versions this service writes; a company may pin one or say "auto".
SERVICE_VERSIONS = ("8.0", "10.0", "11.0", "12.0", "13.0", "14.0", "15.0", "16.0")
AUTO_VERSION = "auto"


def version_ceiling(target: str) -> str:
    """The highest version a company set to ``target`` may speak ("auto": ours)."""
    return SERVICE_VERSIONS[-1] if target == AUTO_VERSION else target


@dataclass(slots=True)
class HostCompanyPreferences:
    product_name: str | None = None
    major_version: int | None = None
    minor_version: int | None = None
    country: str | None = None
    supported_versions: list[str] = field(default_factory=list)
    file_mode: str | None = None
    is_automatic_login: bool | None = None
    company_name: str | None = None
    data_extensions: dict[tuple[str, str], str] = field(default_factory=dict)
    closing_date: date | None = None
    multi_location_available: bool | None = None
    multi_location_enabled: bool | None = None
    multi_currency_on: bool | None = None
    home_currency: str | None = None
    class_tracking: bool | None = None
    using_inventory: bool | None = None
    default_taxable_code: str | None = None
    default_non_taxable_code: str | None = None
    default_sales_tax_item: str | None = None

    @property
    def max_supported_version(self) -> str | None:
        if not self.supported_versions:
            return None
        return max(self.supported_versions, key=version_tuple)


def _text(root: etree._Element | None, path: str) -> str | None:
    if root is None:
        return None
    found = root.find(path)
    text: str | None = found.text if found is not None else None
    if text is None or not text.strip():
        return None
    return text.strip()


def _bool(root: etree._Element | None, path: str) -> bool | None:
    value = _text(root, path)
    if value is None:
        return None
    return value.lower() in ("true", "1")


def _int(root: etree._Element | None, path: str) -> int | None:
    value = _text(root, path)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _date(root: etree._Element | None, path: str) -> date | None:
    value = _text(root, path)
    try:
        return date.fromisoformat(value[:10]) if value else None
    except ValueError:
        return None


def parse_hcp(xml: str) -> HostCompanyPreferences:
    """Read ``strHCPResponse``; empty or non-XML text (QBPOS) gives an empty result."""
    result = HostCompanyPreferences()
    if not xml or not xml.lstrip().startswith("<"):
        return result
    root = parse_xml(xml)
    host = root.find(".//HostRet")
    company = root.find(".//CompanyRet")
    prefs = root.find(".//PreferencesRet")
    result.product_name = _text(host, "ProductName")
    result.major_version = _int(host, "MajorVersion")
    result.minor_version = _int(host, "MinorVersion")
    result.country = _text(host, "Country")
    if host is not None:
        result.supported_versions = [
            v.text.strip()
            for v in host.findall("SupportedQBXMLVersion")
            if v.text and v.text.strip()
        ]
    result.file_mode = _text(host, "QBFileMode")
    result.is_automatic_login = _bool(host, "IsAutomaticLogin")
    result.company_name = _text(company, "CompanyName")
    if company is not None:
        for ext in company.findall("DataExtRet"):
            owner = _text(ext, "OwnerID") or "0"
            name = _text(ext, "DataExtName")
            if name is not None:
                result.data_extensions[(owner, name)] = _text(ext, "DataExtValue") or ""
    result.closing_date = _date(prefs, "AccountingPreferences/ClosingDate")
    result.class_tracking = _bool(prefs, "AccountingPreferences/IsUsingClassTracking")
    result.multi_currency_on = _bool(prefs, "MultiCurrencyPreferences/IsMultiCurrencyOn")
    result.home_currency = _text(prefs, "MultiCurrencyPreferences/HomeCurrencyRef/FullName")
    location = "MultiLocationInventoryPreferences/"
    result.multi_location_available = _bool(prefs, location + "IsMultiLocationInventoryAvailable")
    result.multi_location_enabled = _bool(prefs, location + "IsMultiLocationInventoryEnabled")
    result.using_inventory = _bool(prefs, "PurchasesAndVendorsPreferences/IsUsingInventory")
    tax = "SalesTaxPreferences/"
    result.default_sales_tax_item = _text(prefs, tax + "DefaultItemSalesTaxRef/FullName")
    result.default_taxable_code = _text(prefs, tax + "DefaultTaxableSalesTaxCodeRef/FullName")
    result.default_non_taxable_code = _text(
        prefs, tax + "DefaultNonTaxableSalesTaxCodeRef/FullName"
    )
    return result


def negotiate_version(target: str, supported: list[str]) -> str | None:
    """The highest supported qbXML version not above ``target``; None when there is none.

    ``target`` "auto" is the highest version this service writes.
    """
    ceiling = version_tuple(version_ceiling(target))
    candidates = [v for v in supported if version_tuple(v) and version_tuple(v) <= ceiling]
    if not candidates:
        return None
    best = max(candidates, key=version_tuple)
    return ".".join(str(p) for p in ((*version_tuple(best), 0))[:2])
