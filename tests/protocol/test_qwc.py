"""The .qwc file: fields the Web Connector needs, and URLs it would refuse."""

from __future__ import annotations

import pytest
from lxml import etree

from qbwc_service.db import Database
from qbwc_service.db.models import Company
from qbwc_service.qbwc.qwc import QwcError, build_qwc, check_app_url, new_guid, owner_id
from qbwc_service.settings import Settings


def _company(**kwargs: object) -> Company:
    return Company(name="Smith & Sons", file_id=new_guid(), every_minutes=15, **kwargs)


def test_qwc_has_every_field(db: Database, settings: Settings) -> None:
    """The .qwc carries AppURL, AppSupport, UserName, OwnerID, FileID, QBType and Style."""
    with db.session() as session:
        company = _company()
        session.add(company)
        session.flush()
        text = build_qwc(session, settings, company, "qbuser")
        root = etree.fromstring(text.encode())
        owner = owner_id(session)
    values = {child.tag: child.text or "" for child in root}
    assert values["AppURL"] == "http://localhost:8000/qbwc"
    assert values["AppSupport"] == "http://localhost:8000/support"
    assert values["UserName"] == "qbuser"
    assert values["OwnerID"] == owner
    assert values["FileID"] == company.file_id
    assert values["QBType"] == "QBFS"
    assert values["Style"] == "Document"
    assert values["IsReadOnly"] == "false"
    assert "Smith & Sons" in values["AppName"]
    assert root.find("Scheduler/RunEveryNMinutes").text == "15"


def test_owner_id_is_generated_once(db: Database) -> None:
    """The installation's OwnerID never changes once made."""
    with db.session() as session:
        first = owner_id(session)
    with db.session() as session:
        assert owner_id(session) == first


def test_sub_minute_interval_uses_seconds(db: Database, settings: Settings) -> None:
    """Intervals under a minute are written as RunEveryNSeconds."""
    with db.session() as session:
        company = _company(every_seconds=30)
        session.add(company)
        session.flush()
        root = etree.fromstring(build_qwc(session, settings, company, "u").encode())
    assert root.find("Scheduler/RunEveryNSeconds").text == "30"
    assert root.find("Scheduler/RunEveryNMinutes") is None


@pytest.mark.parametrize(
    "url",
    ["http://qb.example.com/qbwc", "https://192.168.1.20/qbwc", "http://127.0.0.1:8000/qbwc", "ftp://x/qbwc"],
)
def test_refuses_urls_the_web_connector_rejects(url: str) -> None:
    """Plain http off localhost and IP addresses are refused with a clear reason."""
    with pytest.raises(QwcError) as caught:
        check_app_url(url)
    assert str(caught.value)


@pytest.mark.parametrize("url", ["https://qb.example.com/qbwc", "http://localhost:8000/qbwc"])
def test_accepts_https_hosts_and_localhost(url: str) -> None:
    """https with a host name, or http on localhost, is accepted."""
    check_app_url(url)
