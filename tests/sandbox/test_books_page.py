"""The demo's console page of the simulated company's books, behind the console's sign-in."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.sandbox.books_page import books_blueprint
from qbwc_service.services.console_auth import add_web_user
from qbwc_service.settings import Settings
from qbwc_service.web import create_web_app

from .test_ledger import Books

PASSWORD = "a long console password"


def _client(settings: Settings, db: Database, company_db: Path):  # type: ignore[no-untyped-def]
    with db.session() as session:
        add_web_user(session, "vera", PASSWORD, "viewer", actor="test")
    app = create_web_app(AppContext(replace(settings, extra={}), _database=db),
                         [books_blueprint(company_db)])
    app.config["TESTING"] = True
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token is not None
    assert client.get("/sandbox/books").status_code == 302  # signed out: to the login page
    client.post("/login", data={"username": "vera", "password": PASSWORD,
                                "csrf_token": token.group(1)})
    return client


def test_the_books_page_shows_the_same_figures_as_sandbox_report(
        tmp_path: Path, settings: Settings, db: Database) -> None:
    """After an invoice, the page's trial balance and P&L are `sandbox report`'s, balanced."""
    books = Books(tmp_path)
    books.run("setup.xml")
    books.run("invoice.xml")
    report = books.report()
    client = _client(settings, db, books.db)
    html = client.get("/sandbox/books").get_data(as_text=True)
    assert "Debits equal credits." in html
    trial = report["trial_balance"]
    assert f'<td class="num">{trial["total_debit"]}</td><td class="num">{trial["total_credit"]}</td>' in html
    for row in trial["accounts"]:
        assert f"<td>{row['account']}</td><td>{row['type']}</td>" in html
    assert report["profit_and_loss"]["net_income"] in html
    assert 'aria-current="page">Books (sandbox)' in html
    assert client.get("/sandbox/books?from=2026-02-30").status_code == 400


def test_before_the_first_run_the_page_says_there_is_no_company_file_yet(
        tmp_path: Path, settings: Settings, db: Database) -> None:
    """No company file yet: one plain sentence, not an error page."""
    client = _client(settings, db, tmp_path / "not-yet.sqlite3")
    response = client.get("/sandbox/books")
    assert response.status_code == 200
    assert "does not exist yet" in response.get_data(as_text=True)
