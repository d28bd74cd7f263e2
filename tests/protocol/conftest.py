"""A company with a Web Connector user, and the SOAP endpoint on a test client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import pytest
from werkzeug.test import Client

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import Company, QbwcUser
from qbwc_service.handlers import Registry
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid, owner_id
from qbwc_service.qbwc.runs import Runs
from qbwc_service.settings import Settings

from .wc_envelopes import envelope, headers

PASSWORD = "web-connector-pass"


@dataclass
class Shop:
    ctx: AppContext
    company_id: int
    file_id: str
    owner_id: str
    client: Client
    runs: Runs

    def call(self, operation: str, **fields: str | int | None) -> bytes:
        response = self.client.post("/qbwc", data=envelope(operation, **fields), headers=headers(operation))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.headers["Content-Type"].startswith("text/xml")
        return response.get_data()


@pytest.fixture
def make_shop(settings: Settings, db: Database) -> Callable[..., Shop]:
    made = [0]

    def build(company_file: str = "", qbxml_version: str = "13.0", **overrides: object) -> Shop:
        made[0] += 1
        name = "Smith & Sons" if made[0] == 1 else f"Smith & Sons {made[0]}"
        ctx = AppContext(replace(settings, **overrides), _database=db)  # type: ignore[arg-type]
        with db.session() as session:
            company = Company(name=name, company_file=company_file,
                              qbxml_version=qbxml_version, every_minutes=15, file_id=new_guid())
            session.add(company)
            session.flush()
            session.add(QbwcUser(company_id=company.id, username="qbuser" if made[0] == 1 else f"qbuser{made[0]}",
                                 password_hash=hash_password(PASSWORD)))
            ids = (company.id, company.file_id, owner_id(session))
        from qbwc_service.app import SoapEndpoint
        from qbwc_service.qbwc.soap import make_soap_app

        runs = Runs(ctx, handlers=Registry())
        soap = make_soap_app(runs, public_url=ctx.settings.soap_url)
        client = Client(SoapEndpoint(soap, ctx.settings.support_url))
        return Shop(ctx, ids[0], ids[1], ids[2], client, runs)

    return build


@pytest.fixture
def shop(make_shop: Callable[..., Shop]) -> Shop:
    return make_shop()
