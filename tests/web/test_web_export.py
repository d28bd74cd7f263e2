"""One export for the console and the command line: the grid's columns, formula-safe, CSV and XLSX."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner
from flask.testing import FlaskClient
from openpyxl import load_workbook
from web_seed import Seeded, seed_console

from qbwc_service.cli import cli
from qbwc_service.db import Database
from qbwc_service.services.export import COLUMNS

Client = Callable[[str], tuple[FlaskClient, str]]


def test_xlsx_has_the_grid_headings_numbers_and_no_formulas(client_for: Client, seeded: Seeded) -> None:
    """The XLSX rows match the filter; amounts are numbers; "=HYPERLINK" stays text."""
    client, _ = client_for("vera")
    response = client.get(f"/requests.xlsx?status=failed&company={seeded.company_id}&sort=id&dir=asc")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.data))["Requests"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == [heading for _, heading in COLUMNS]
    by_id = {row[0]: row for row in rows[1:]}
    assert set(by_id) >= {seeded.failed_invoice_id, seeded.failed_memo_id}
    invoice = dict(zip([key for key, _ in COLUMNS], by_id[seeded.failed_invoice_id], strict=True))
    assert invoice["document"] == "Invoice" and invoice["customer"] == "Smith & Sons"
    assert Decimal(str(invoice["amount"])) == Decimal("39.90") and invoice["status_code"] == 3140
    memo_row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == seeded.failed_memo_id)
    message = memo_row[[key for key, _ in COLUMNS].index("message")]
    assert message.value.startswith("=HYPERLINK") and message.data_type == "s"


def test_command_line_csv_is_the_console_csv(tmp_path: Path) -> None:
    """``log export --format csv`` writes the same columns and formula-safe cells as the console."""
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    database.upgrade()
    seeded = seed_console(database)
    database.dispose()
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "log", "export", "--format",
                                      "csv", "--status", "failed"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert list(rows[0]) == [key for key, _ in COLUMNS]
    memo = next(r for r in rows if r["id"] == str(seeded.failed_memo_id))
    assert memo["message"].startswith("'=HYPERLINK") and memo["document"] == "Credit memo"
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), "log", "export", "--format",
                                      "xlsx", "--status", "failed"])
    assert result.exit_code == 0
    sheet = load_workbook(io.BytesIO(result.stdout_bytes))["Requests"]
    assert sheet.max_row == len(rows) + 1
