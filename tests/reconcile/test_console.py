"""The console's reconciliation page: stored runs, totals, drill-down, exports."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal as D

import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from sqlalchemy import select

from qbwc_service.context import AppContext
from qbwc_service.db.reconciliation import ReconciliationLine, ReconciliationRun
from qbwc_service.services.console_auth import add_web_user
from qbwc_service.settings import Settings
from qbwc_service.sync.enqueue import DbLookup, enqueue_plan
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.posting import plan_invoice
from qbwc_service.web import create_web_app
from tests.sync.factories import Line, OrderBuilder

from .conftest import DAY, Posted

PASSWORD = "a long console password"
Client = Callable[[str], tuple[FlaskClient, str]]


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "page has no CSRF token"
    return match.group(1)


@pytest.fixture
def client_for(posted: Posted, settings: Settings) -> Client:
    with posted.db.session() as session:
        add_web_user(session, "bob", PASSWORD, "bookkeeper", actor="test")
        add_web_user(session, "vera", PASSWORD, "viewer", actor="test")
    app = create_web_app(AppContext(replace(settings, extra={}), _database=posted.db))
    app.config["TESTING"] = True

    def make(username: str) -> tuple[FlaskClient, str]:
        client = app.test_client()
        token = _csrf(client.get("/login").get_data(as_text=True))
        client.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": token})
        return client, _csrf(client.get("/").get_data(as_text=True))

    return make


def _page(client: FlaskClient, query: str = "") -> str:
    response = client.get(f"/reconciliation{query}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_before_any_run_and_while_waiting_the_page_claims_nothing(posted: Posted,
                                                                  client_for: Client) -> None:
    """No run, then a run QuickBooks has not answered: never "No variances"."""
    client, _ = client_for("vera")
    assert "No reconciliation run yet" in _page(client)
    posted.start()
    html = _page(client)
    assert "Waiting for the Web Connector" in html and "No variances" not in html


def test_an_unposted_document_keeps_the_period_from_looking_clean(posted: Posted,
                                                                  client_for: Client) -> None:
    """A held invoice of the period is a not_posted variance; the page says so, not 'clean'."""
    held = OrderBuilder(entity_id=3, increment_id="000000003").add(Line("CAP", D("8.00")))
    invoice = held.invoice(entity_id=3, increment_id="100000003")
    with posted.db.session() as session:
        ctx = PlanContext(lookup=DbLookup(session, posted.company_id))
        plan = [replace(p, hold_reason="check the customer first") if p.key == "invoice:3"
                else p for p in plan_invoice(invoice, held.order(), ctx)]
        enqueue_plan(session, posted.company_id, plan)
    invoices = [doc for doc in posted.documents if doc.increment_id.startswith("1")]
    run_id = posted.start([*invoices, invoice])
    posted.drain()
    client, _ = client_for("vera")
    html = _page(client, f"?run={run_id}")
    assert "No variances" not in html
    assert "not_posted" in html and "held: check the customer first" in html
    assert "<tfoot>" in html and ">Total<" in html
    assert f"day={DAY.isoformat()}#day-detail" in html.replace("&amp;", "&")
    drill = _page(client, f"?run={run_id}&day={DAY.isoformat()}")
    assert 'id="day-detail"' in drill and "100000003" in drill.split('id="day-detail"')[1]


def test_a_clean_run_says_so_with_totals_and_exports(posted: Posted, client_for: Client) -> None:
    """Only a complete run with nothing unposted says "No variances"; CSV and XLSX export it."""
    invoices_only = [doc for doc in posted.documents if doc.increment_id.startswith("1")]
    run_id = posted.start(invoices_only)
    posted.drain()
    client, _ = client_for("vera")
    html = _page(client, f"?run={run_id}")
    assert "No variances" in html
    assert "Account balances QuickBooks reported" in html and "Checking" in html
    with posted.db.session() as session:
        run = session.get(ReconciliationRun, run_id)
        assert run is not None and run.status == "complete"
    response = client.get(f"/reconciliation/runs/{run_id}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0][:3] == ["section", "day", "reason"]
    assert ["day", DAY.isoformat(), "invoiced"] == rows[1][:3]
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/reconciliation/runs/{run_id}.xlsx").data))
    sheet = book.worksheets[0]
    assert [cell.value for cell in sheet[1]][:3] == ["section", "day", "reason"]
    assert sheet.max_row == len(rows)
    assert client.get("/reconciliation/runs/999.csv").status_code == 404


def test_a_bookkeeper_starts_a_run_and_a_viewer_may_not(posted: Posted,
                                                        client_for: Client) -> None:
    """Starting a run is a bookkeeper's action behind the CSRF token."""
    viewer, token = client_for("vera")
    form = {"company_name": "acme", "from": DAY.isoformat(), "to": DAY.isoformat(),
            "csrf_token": token}
    assert viewer.post("/reconciliation/runs", data=form).status_code == 403
    bookkeeper, token = client_for("bob")
    response = bookkeeper.post("/reconciliation/runs", data={**form, "csrf_token": token,
                                                              "from": "2024-03-02"})
    assert response.status_code == 302  # from after to: refused with a message
    assert "is after" in _page(bookkeeper)


def test_asking_again_while_a_run_waits_reuses_it(posted: Posted, client_for: Client,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Two clicks before the Web Connector comes: one run, one set of queries."""
    from qbwc_service.services import reconciliation as service
    from tests.sync.fakeclient import one_invoice_client

    monkeypatch.setattr(service, "magento_client_for", lambda settings, name:
                        one_invoice_client())
    bookkeeper, token = client_for("bob")
    form = {"company_name": "acme", "from": DAY.isoformat(), "to": DAY.isoformat(),
            "csrf_token": token}
    assert bookkeeper.post("/reconciliation/runs", data=form).status_code == 302
    assert "queued" in _page(bookkeeper)
    bookkeeper.post("/reconciliation/runs", data=form)
    assert "is already waiting" in _page(bookkeeper)
    with posted.db.session() as session:
        assert len(list(session.scalars(select(ReconciliationRun)))) == 1


def test_the_dashboard_shows_the_latest_runs_anomaly_flags(posted: Posted,
                                                          client_for: Client) -> None:
    """The dashboard names the newest complete run, its counts and its month-end flags."""
    client, _ = client_for("vera")
    assert "No reconciliation run has completed yet." in client.get("/").get_data(as_text=True)
    run_id = posted.start()
    posted.drain()
    _page(client, f"?run={run_id}")  # the first reader compares the answered run
    with posted.db.session() as session:
        run = session.get(ReconciliationRun, run_id)
        assert run is not None and run.status == "complete" and run.anomaly_count > 0
        flags = [line.detail for line in session.scalars(
            select(ReconciliationLine).where(ReconciliationLine.run_id == run_id,
                                             ReconciliationLine.kind == "anomaly"))]
    html = client.get("/").get_data(as_text=True)
    card = html[html.index('id="reconciliation-card"'):]
    card = card[:card.index("</section>")]
    assert f"run={run_id}" in card
    assert f"{run.anomaly_count} anomal" in card
    assert flags and all(str(escape(detail)) in card for detail in flags[:5])
