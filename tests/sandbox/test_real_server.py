"""The simulated Web Connector against the service's own SOAP endpoint over real HTTP."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from qbwc_service.sandbox.webconnector import WebConnector
from qbwc_service.settings import Settings
from tests.conftest import reference_path

PASSWORD = "sandbox-pass-1"
pytestmark = pytest.mark.slow


@pytest.fixture
def server_url(settings: Settings, db: Database) -> Iterator[str]:
    from qbwc_service.app import make_app
    from qbwc_service.db.models import Company, QbwcUser
    from qbwc_service.qbwc.auth import hash_password
    from qbwc_service.qbwc.qwc import new_guid

    with db.session() as session:
        company = Company(name="Sandbox Shop", company_file="", qbxml_version="13.0",
                          every_minutes=15, file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="sandbox",
                             password_hash=hash_password(PASSWORD)))
    server = make_server("127.0.0.1", 0, make_app(AppContext(settings, _database=db)),
                         threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02},
                              daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/qbwc"
    finally:
        server.shutdown()
        thread.join()


@pytest.mark.parametrize("wsdl_source", ["server", "official"])
def test_real_server_conversation(server_url: str, tmp_path: Path, wsdl_source: str) -> None:
    """Against our server: the version calls, authenticate and a clean end, no SOAP faults."""
    wsdl = reference_path("qbwc", "QBWebConnectorSvc.wsdl") if wsdl_source == "official" \
        else None
    simulator = QuickBooksSimulator(tmp_path / "company.sqlite3")
    try:
        connector = WebConnector(server_url, "sandbox", PASSWORD, simulator, wsdl=wsdl,
                                 noop_pause_seconds=0, sleep=lambda _s: None)
        summary = connector.run_session()
    finally:
        simulator.close()
    assert summary.outcome != "transport_error", summary.last_error
    assert summary.calls[:3] == ["serverVersion", "clientVersion", "authenticate"]
    assert summary.server_version
    assert summary.calls[-1] in ("closeConnection", "getLastError", "connectionError")


def test_real_server_refuses_a_wrong_password(server_url: str, tmp_path: Path) -> None:
    """A wrong password is answered nvu and the Web Connector closes the connection."""
    simulator = QuickBooksSimulator(tmp_path / "company.sqlite3")
    try:
        summary = WebConnector(server_url, "sandbox", "wrong-password", simulator).run_session()
    finally:
        simulator.close()
    assert summary.outcome == "nvu"
    assert summary.calls[-2:] == ["authenticate", "closeConnection"]
