"""A zeep client completes a whole Web Connector run against the real server over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import requests
import zeep
from zeep.transports import Transport

from qbwc_service import queue
from qbwc_service.app import make_app
from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import Company, QbwcUser
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid, owner_id
from qbwc_service.server import ServerThread
from qbwc_service.settings import Settings
from tests.conftest import reference_path
from tests.protocol.test_wire import _answer_all
from tests.protocol.wc_envelopes import envelope, hcp, headers, result

BINDING = "{http://developer.intuit.com/}QBWebConnectorSvcSoap"


@pytest.fixture
def running(settings: Settings, db: Database) -> Iterator[tuple[str, AppContext, dict[str, str]]]:
    with db.session() as session:
        company = Company(name="Harbour Goods", every_minutes=5, file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="harbour", password_hash=hash_password("pw-harbour-1")))
        for n in range(4):
            queue.enqueue(session, company_id=company.id, operation="CustomerAdd", key=f"c{n}",
                          payload={"Name": f"Harbour Customer {n}"})
        facts = {"owner_id": owner_id(session), "file_id": company.file_id}
    server = ServerThread(lambda e, s: app(e, s))
    ctx = AppContext(replace(settings, public_url=f"http://localhost:{server.port}"), _database=db)
    app = make_app(ctx)
    with server:
        yield f"http://localhost:{server.port}/qbwc", ctx, facts


def _run(service: object, url: str, facts: dict[str, str], with_versions: bool) -> None:
    if with_versions:
        assert "qbwc-service" in service.serverVersion()  # type: ignore[attr-defined]
        assert service.clientVersion("2.3.0.36") in (None, "")  # type: ignore[attr-defined]
    else:
        for operation, fields in (("serverVersion", {}), ("clientVersion", {"strVersion": "2.3.0.36"})):
            reply = requests.post(url, data=envelope(operation, **fields),
                                  headers={**headers(operation), "Expect": "100-continue"}, timeout=10)
            assert reply.status_code == 200
            result(reply.content, operation)
    ticket, company_file = service.authenticate("harbour", "pw-harbour-1")[:2]  # type: ignore[attr-defined]
    assert ticket and company_file in (None, "")
    request_xml = service.sendRequestXML(ticket, hcp(facts["owner_id"], facts["file_id"]),  # type: ignore[attr-defined]
                                         "C:\\Harbour.QBW", "US", 13, 0)
    assert request_xml.count("<CustomerAddRq") == 4
    assert service.receiveResponseXML(ticket, _answer_all(request_xml), "", "") == 100  # type: ignore[attr-defined]
    assert service.getLastError(ticket) == "No errors."  # type: ignore[attr-defined]
    assert service.closeConnection(ticket).startswith("Sent 4 requests: 4 succeeded")  # type: ignore[attr-defined]


def test_zeep_from_the_official_wsdl(running: tuple[str, AppContext, dict[str, str]]) -> None:
    """Intuit's WSDL (reference folder) drives a full run; serverVersion/clientVersion as raw posts."""
    wsdl: Path = reference_path("qbwc", "QBWebConnectorSvc.wsdl")
    url, _ctx, facts = running
    client = zeep.Client(str(wsdl), transport=Transport(timeout=10))
    service = client.create_service(BINDING, url)
    _run(service, url, facts, with_versions=False)


def test_zeep_from_the_servers_own_wsdl(running: tuple[str, AppContext, dict[str, str]]) -> None:
    """The server's own ?wsdl drives a full run including serverVersion and clientVersion."""
    url, _ctx, facts = running
    client = zeep.Client(f"{url}?wsdl", transport=Transport(timeout=10))
    _run(client.service, url, facts, with_versions=True)
