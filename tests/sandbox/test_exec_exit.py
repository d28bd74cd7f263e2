"""``sandbox exec`` exit status through ``qbwc_service.cli.main``, the installed entry point."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbwc_service.cli import main
from tests.sandbox.conftest import CUSTOMER_ADD, message


def _exec(tmp_path: Path, *args: str) -> int:
    return main(["--data-dir", str(tmp_path / "data"), "sandbox", "exec",
                 "--company-db", str(tmp_path / "company.sqlite3"), *args])


def test_answered_message_set_exits_0(tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "rq.xml"
    request.write_text(message(CUSTOMER_ADD.format(name="Ada Lovelace")), encoding="utf-8")
    assert _exec(tmp_path, str(request)) == 0
    assert "<CustomerAddRs" in capsys.readouterr().out


def test_refused_stream_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "rq.xml"
    request.write_text("<QBXML><QBXMLMsgsRq onError='stopOnError'/></QBXML>", encoding="utf-8")
    assert _exec(tmp_path, str(request)) == 3
    assert capsys.readouterr().out.startswith("hresult=0x80040400 ")


def test_missing_file_exits_2_with_one_line(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert _exec(tmp_path, str(tmp_path / "absent.xml")) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read" in err and "Traceback" not in err


@pytest.mark.parametrize("args", [("--no-such-option", "x.xml"),
                                  ("--qb-release", "quickbooks-1999", "x.xml")])
def test_bad_arguments_exit_2_with_one_line(tmp_path: Path, args: tuple[str, ...],
                                            capsys: pytest.CaptureFixture[str]) -> None:
    assert _exec(tmp_path, *args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Error: sandbox exec: ")


def test_a_file_that_is_no_company_exits_2_with_one_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    request = tmp_path / "rq.xml"
    request.write_text(message(CUSTOMER_ADD.format(name="Ada Lovelace")), encoding="utf-8")
    not_a_company = tmp_path / "notes.txt"
    not_a_company.write_text("shopping list\n" * 200, encoding="utf-8")
    code = main(["--data-dir", str(tmp_path / "data"), "sandbox", "exec",
                 "--company-db", str(not_a_company), str(request)])
    assert code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot open the company file" in err
