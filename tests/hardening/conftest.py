"""The whole service behind a real HTTP server on 127.0.0.1, with two company files."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select

from qbwc_service.app import make_app
from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import Base, Company, QbwcUser
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid
from qbwc_service.queue import enqueue
from qbwc_service.server import ServerThread
from qbwc_service.settings import load_settings

from .envelopes import INTERNALS, envelope, headers, is_soap_fault, result_text

headers_for = headers

PASSWORD = "correct horse battery staple"
CALL_TIMEOUT = 20  # seconds; a hang is a failure, not a slow pass


@dataclass
class Login:
    company_id: int
    username: str
    file_id: str


@dataclass
class LiveService:
    url: str
    ctx: AppContext
    logins: dict[str, Login] = field(default_factory=dict)

    def post(self, body: bytes, operation: str = "authenticate", path: str = "/qbwc",
             **kwargs: Any) -> requests.Response:
        return requests.post(self.url + path, data=body, headers=headers(operation),
                             timeout=CALL_TIMEOUT, **kwargs)

    def call(self, operation: str, headers: dict[str, str] | None = None,
             **fields: str | int | None) -> requests.Response:
        return requests.post(self.url + "/qbwc", data=envelope(operation, fields),
                             headers={**headers_for(operation), **(headers or {})},
                             timeout=CALL_TIMEOUT)

    def authenticate(self, username: str, password: str,
                     headers: dict[str, str] | None = None) -> list[str | None]:
        response = self.call("authenticate", headers=headers, strUserName=username,
                             strPassword=password)
        assert response.status_code == 200, response.text[:500]
        return result_text(response.content, "authenticate")

    def server_version(self) -> str | None:
        response = self.call("serverVersion")
        assert response.status_code == 200
        return result_text(response.content, "serverVersion")[0]

    def row_counts(self) -> dict[str, int]:
        """Rows per table; failed logins are counted by design (login_failures), so not here."""
        with self.ctx.db.session() as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables if table.name != "login_failures"
            }

    def assert_clean_refusal(self, response: requests.Response) -> None:
        """No stack trace or internals; a SOAP fault, an HTTP refusal or a benign answer."""
        for marker in INTERNALS:
            assert marker not in response.text, f"reply leaks {marker!r}: {response.text[:800]}"
        assert response.status_code in (200, 400, 404, 405, 411, 413, 415, 500), response.status_code
        if response.status_code == 500:
            assert is_soap_fault(response.content), response.text[:500]

    def assert_still_serving(self) -> None:
        assert self.server_version()


def _add_company(ctx: AppContext, name: str, username: str) -> Login:
    with ctx.db.session() as session:
        company = Company(name=name, company_file=f"C:\\Data\\{name}.QBW", file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username=username,
                             password_hash=hash_password(PASSWORD)))
        enqueue(session, company_id=company.id, operation="CustomerQuery", key=f"{name}-probe",
                body_xml="<CustomerQueryRq><MaxReturned>1</MaxReturned></CustomerQueryRq>")
        return Login(company.id, username, company.file_id)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    data_dir: Path = tmp_path_factory.mktemp("hardening")
    settings = load_settings(None, environ={}, data_dir=data_dir, lockout_attempts=5,
                             public_url="http://localhost")
    database = Database(settings.resolved_database_url)
    database.upgrade()
    ctx = AppContext(settings, _database=database)
    # The production server options (waitress passes X-Forwarded-For to the app).
    server = ServerThread(make_app(ctx), host="127.0.0.1", port=0, threads=4).start()
    service = LiveService(server.url, ctx)
    service.logins["north"] = _add_company(ctx, "North", "north-user")
    service.logins["south"] = _add_company(ctx, "South", "south-user")
    try:
        yield service
    finally:
        server.stop()
        database.dispose()
