"""The .qwc file the Web Connector loads: one per company and Web Connector user."""

from __future__ import annotations

import ipaddress
import uuid
from urllib.parse import urlsplit

from lxml import etree
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, Meta
from qbwc_service.settings import Settings

__all__ = ["QwcError", "build_qwc", "check_app_url", "new_guid", "owner_id"]

OWNER_ID_KEY = "owner_id"


class QwcError(ValueError):
    """The .qwc cannot be built as asked; the message says what the Web Connector wants."""


def new_guid() -> str:
    return "{" + str(uuid.uuid4()).upper() + "}"


def owner_id(session: Session) -> str:
    """The application's OwnerID: generated once per installation, never changed.

    Changing it makes every Web Connector user authorise the application again.
    """
    row = session.get(Meta, OWNER_ID_KEY)
    if row is None:
        row = Meta(key=OWNER_ID_KEY, value=new_guid())
        session.add(row)
        session.flush()
    return row.value


def check_app_url(url: str) -> None:
    """Refuse URLs the Web Connector will not load (QBWC1001, QBWC1010, QBWC1051)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme not in ("http", "https") or not host:
        raise QwcError(f"{url!r} is not an http(s) URL")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise QwcError(
            f"The Web Connector refuses an IP address ({host}) in AppURL; use a host name "
            "(localhost for this machine, or the DNS name on the certificate)."
        )
    if parts.scheme == "http" and host != "localhost":
        raise QwcError(
            f"The Web Connector accepts plain http only for localhost; {url} must use https "
            "with a certificate the Windows machine trusts."
        )


def build_qwc(
    session: Session,
    settings: Settings,
    company: Company,
    username: str,
    *,
    url: str | None = None,
) -> str:
    """Render the .qwc XML for ``company`` and ``username``."""
    base = (url or settings.base_url).rstrip("/")
    if base.endswith("/qbwc"):
        base = base[: -len("/qbwc")]
    app_url = f"{base}/qbwc"
    support_url = f"{base}/support"
    check_app_url(app_url)
    name = f"{settings.app_name} ({company.name})"
    root = etree.Element("QBWCXML")
    fields = [
        ("AppName", name),
        ("AppID", ""),
        ("AppURL", app_url),
        ("AppDescription", f"Posts Magento orders, invoices and refunds to {company.name}"[:80]),
        ("AppSupport", support_url),
        ("AppUniqueName", f"qbwc-service-{company.file_id.strip('{}').lower()}"),
        ("UserName", username),
        ("OwnerID", owner_id(session)),
        ("FileID", company.file_id),
        ("QBType", "QBFS"),
    ]
    for tag, value in fields:
        etree.SubElement(root, tag).text = value
    scheduler = etree.SubElement(root, "Scheduler")
    if company.every_seconds and company.every_seconds < 60:
        etree.SubElement(scheduler, "RunEveryNSeconds").text = str(company.every_seconds)
    else:
        minutes = company.every_minutes or max(1, (company.every_seconds or 900) // 60)
        etree.SubElement(scheduler, "RunEveryNMinutes").text = str(minutes)
    for tag, value in [
        ("IsReadOnly", "false"),
        ("PersonalDataPref", "pdpOptional"),
        ("UnattendedModePref", "umpOptional"),
        ("AuthFlags", "0xF"),
        ("Style", "Document"),
    ]:
        etree.SubElement(root, tag).text = value
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True).decode()
