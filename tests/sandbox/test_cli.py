"""``sandbox exec``, ``sandbox report`` and ``simulate`` from the command line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from qbwc_service.cli import cli
from qbwc_service.qbxml.xmlsafe import parse_xml
from tests.sandbox.conftest import CUSTOMER_ADD, FIXTURES, message
from tests.sandbox.stub_server import StubServer, serve


def _invoke(tmp_path: Path, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), *args], input=stdin)


def test_exec_prints_the_response(tmp_path: Path) -> None:
    """sandbox exec runs a message set from stdin and prints QuickBooks' response."""
    db = tmp_path / "company.sqlite3"
    result = _invoke(tmp_path, "sandbox", "exec", "--company-db", str(db), "-",
                     stdin=message(CUSTOMER_ADD.format(name="Cli Customer")))
    assert result.exit_code == 0, result.output
    rs = parse_xml(result.output).find("QBXMLMsgsRs/CustomerAddRs")
    assert rs is not None and rs.get("statusCode") == "0"
    again = _invoke(tmp_path, "sandbox", "exec", "--company-db", str(db), "-",
                    stdin=message(CUSTOMER_ADD.format(name="Cli Customer")))
    assert parse_xml(again.output).find("QBXMLMsgsRs/CustomerAddRs").get("statusCode") == "3100"  # type: ignore[union-attr]


def test_exec_refused_stream_prints_hresult_and_exits_3(tmp_path: Path) -> None:
    """A stream QuickBooks refuses prints one hresult line and exits with status 3."""
    result = _invoke(tmp_path, "sandbox", "exec", "--company-db",
                     str(tmp_path / "company.sqlite3"),
                     str(FIXTURES / "item_inventory_add_out_of_order.xml"))
    assert result.exit_code == 3
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("hresult=0x80040400 message=QuickBooks found an error when "
                               "parsing the provided XML text stream.")


def test_exec_honours_the_release(tmp_path: Path) -> None:
    """--qb-release enterprise-2014 refuses a 16.0 message set."""
    result = _invoke(tmp_path, "sandbox", "exec", "--company-db",
                     str(tmp_path / "company.sqlite3"), "--qb-release", "enterprise-2014", "-",
                     stdin=message("<CustomerQueryRq />", version="16.0"))
    assert result.exit_code == 3


def test_report_json_has_counts_and_empty_duplicates(tmp_path: Path) -> None:
    """sandbox report --json prints counts and a top-level, empty duplicates list."""
    db = tmp_path / "company.sqlite3"
    _invoke(tmp_path, "sandbox", "exec", "--company-db", str(db), "-",
            stdin=message(CUSTOMER_ADD.format(name="Reported")))
    result = _invoke(tmp_path, "sandbox", "report", "--company-db", str(db), "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["duplicates"] == []
    assert summary["lists"]["Customer"] == 1
    text = _invoke(tmp_path, "sandbox", "report", "--company-db", str(db))
    assert "duplicates: 0" in text.output


def test_report_on_missing_company_fails(tmp_path: Path) -> None:
    """Reporting on a file that does not exist is an error, not an empty company."""
    result = _invoke(tmp_path, "sandbox", "report", "--company-db", str(tmp_path / "none.db"))
    assert result.exit_code != 0 and "no simulated company" in result.output


def test_simulate_json_summary(tmp_path: Path) -> None:
    """simulate --json runs sessions against a server and summarises them."""
    script: dict[str, list[Any]] = {"serverVersion": ["1"], "clientVersion": [""], "authenticate": [["T", ""]],
              "sendRequestXML": [message(CUSTOMER_ADD.format(name="Simulated"))],
              "receiveResponseXML": [100], "closeConnection": ["OK"]}
    with serve(StubServer(script)) as stub:
        result = _invoke(tmp_path, "simulate", "--url", stub.url, "--username", "shop",
                         "--password", "secret", "--company-db",
                         str(tmp_path / "company.sqlite3"), "--sessions", "2", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output)
    assert summary["sessions"] == 2 and summary["requests"] == 2
    assert summary["succeeded"] == 1 and summary["failed_by_status"] == {"3100": 1}
    assert summary["company"]["lists"]["Customer"] == 1


def test_simulate_rejects_bad_fault_spec(tmp_path: Path) -> None:
    """An unknown fault name is a usage error."""
    result = _invoke(tmp_path, "simulate", "--url", "http://127.0.0.1:9/qbwc", "--username",
                     "u", "--password", "p", "--faults", "gremlins=1")
    assert result.exit_code == 2 and "gremlins" in result.output
