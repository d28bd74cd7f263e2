"""The request-log commands: log, log show, log export, retry, cancel, hold, release, purge."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from queue_helpers import claim, customer_body, open_quickbooks

from qbwc_service.cli import cli
from qbwc_service.db import Database
from qbwc_service.db.models import Company, Request
from qbwc_service.handlers import Registry
from qbwc_service.queue import apply_response, enqueue


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder whose database holds one succeeded, one failed and one queued request."""
    folder = tmp_path / "data"
    database = Database(f"sqlite:///{(folder / 'qbwc.sqlite3').resolve()}")
    database.upgrade()
    qb = open_quickbooks(tmp_path / "quickbooks.sqlite3")
    with database.session() as session:
        company = Company(name="Acme", file_id="{0}")
        session.add(company)
        session.flush()
        for name, ref in (("Alpha", "100001"), ("Beta", "100002")):
            enqueue(session, company_id=company.id, operation="CustomerAdd", key=name,
                    body_xml=customer_body(name), magento_ref=ref)
        qb.force_status(2, 3260, "Insufficient permission level")
        outbound = claim(session, company.id)
        apply_response(session, handlers=Registry(), ticket="t1", response_xml=qb.process(outbound.xml))
        enqueue(session, company_id=company.id, operation="CustomerAdd", key="Gamma",
                body_xml=customer_body("Gamma"), magento_ref="100003")
    database.dispose()
    qb.close()
    return folder


def run(data_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])
    assert result.exit_code == 0, result.output
    return result.output


def fails(data_dir: Path, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])
    assert result.exit_code != 0
    return result.output


def test_log_table_and_filters(data_dir: Path) -> None:
    """log lists requests; --status and --magento narrow it; an unknown company is an error."""
    everything = run(data_dir, "log")
    assert "100001" in everything and "100002" in everything and "100003" in everything
    failed = run(data_dir, "log", "--status", "failed", "--company", "Acme")
    assert "100002" in failed and "100001" not in failed
    one = run(data_dir, "log", "--magento", "100003", "--since", "2000-01-01", "--limit", "5")
    assert "100003" in one and "100001" not in one
    assert "no company" in fails(data_dir, "log", "--company", "Nope")


def test_log_show_pretty_xml_attempts_history(data_dir: Path) -> None:
    """log show prints both qbXML bodies indented, the attempts and the transitions."""
    output = run(data_dir, "log", "show", "1")
    assert "CustomerAdd 100001" in output and "succeeded" in output
    assert "<CustomerAddRq requestID=\"1\">\n  <CustomerAdd>" in output
    assert "<CustomerAddRs" in output and "Attempts:" in output
    assert "queued → sent" in output and "sent → succeeded" in output
    assert "no request #99" in fails(data_dir, "log", "show", "99")


def test_log_export_jsonl_and_csv(data_dir: Path) -> None:
    """export writes every field a bookkeeper needs, as JSON lines or CSV."""
    lines = run(data_dir, "log", "export").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 3
    first = next(r for r in records if r["id"] == 1)
    for key in ("company", "operation", "status", "magento_ref", "qb_id", "status_code",
                "message", "request_xml", "response_xml", "created_at", "updated_at",
                "sent_at", "completed_at"):
        assert key in first
    assert first["company"] == "Acme" and first["qb_id"] and first["status_code"] == 0
    rows = list(csv.DictReader(io.StringIO(run(data_dir, "log", "export", "--format", "csv",
                                               "--status", "failed"))))
    assert [row["magento_ref"] for row in rows] == ["100002"]


def test_retry_cancel_hold_release_purge(data_dir: Path) -> None:
    """The action commands change state, and refuse with a clear message when not allowed."""
    assert "is now queued" in run(data_dir, "retry", "2")
    assert "cannot become queued" in fails(data_dir, "retry", "2")
    assert "is now held" in run(data_dir, "hold", "3", "--reason", "check")
    assert "is now queued" in run(data_dir, "release", "3")
    assert "is now canceled" in run(data_dir, "cancel", "3")
    assert "0 failed request(s)" in run(data_dir, "retry", "--failed")
    fails(data_dir, "retry")
    assert "purged bodies of 0 row(s) older than 90 days" in run(data_dir, "purge")
    assert "older than 0 days" in run(data_dir, "purge", "--older-than-days", "0")
    database = Database(f"sqlite:///{(data_dir / 'qbwc.sqlite3').resolve()}")
    with database.session() as session:
        assert session.get(Request, 3).status == "canceled"
        assert session.get(Request, 2).status == "queued"
    database.dispose()
