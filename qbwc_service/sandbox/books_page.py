"""The simulated company's books in the console of a sandbox installation (``demo``).

The same five reports as ``sandbox report`` (trial balance, profit and loss, balance sheet,
customers with credit, inventory), read-only from the simulated company file. Only the
demo registers this page: production code never imports the sandbox, and a real company
file's books are read in QuickBooks itself.
"""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

from flask import Blueprint, render_template, request
from werkzeug.exceptions import BadRequest

from qbwc_service.sandbox.quickbooks.books import books

__all__ = ["books_blueprint"]


def _day(name: str) -> str | None:
    value = request.args.get(name) or None
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise BadRequest(f"{name} must be a date like 2026-03-31") from None


def books_blueprint(company_db: Path) -> Blueprint:
    """A blueprint answering ``/sandbox/books`` from the company file at ``company_db``."""
    blueprint = Blueprint("sandbox_books", __name__, template_folder="templates")

    @blueprint.record_once
    def _announce(state: object) -> None:
        state.app.config["SANDBOX_BOOKS"] = True  # type: ignore[attr-defined]

    @blueprint.route("/sandbox/books")
    def books_page() -> str:
        from_date, to_date = _day("from"), _day("to")
        if from_date and to_date and from_date > to_date:
            raise BadRequest("from must not be after to")
        report = None
        if company_db.is_file():
            connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
            try:
                report = books(connection, from_date, to_date)
            finally:
                connection.close()
        return render_template("sandbox_books.html", report=report, from_date=from_date,
                               to_date=to_date, company_db=company_db.name)

    return blueprint
