"""``qbwc-service web-user add`` and ``web-user list``."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from qbwc_service.cli import cli
from qbwc_service.db import Database
from qbwc_service.db.models import AuditEvent, WebUser


def _run(tmp_path: Path, *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path), *args], input=stdin)
    return result.exit_code, result.output


def test_add_with_password_stdin_then_list(tmp_path: Path) -> None:
    """A user added from stdin is stored argon2id with its role, audited, and listed."""
    code, output = _run(tmp_path, "web-user", "add", "carol", "--role", "bookkeeper",
                        "--password-stdin", stdin="a long enough secret\n")
    assert code == 0, output
    assert "carol added with role bookkeeper" in output
    code, listing = _run(tmp_path, "web-user", "list")
    assert code == 0 and "carol" in listing and "bookkeeper" in listing
    database = Database(f"sqlite:///{tmp_path / 'qbwc.sqlite3'}")
    with database.session() as session:
        user = session.scalar(select(WebUser).where(WebUser.username == "carol"))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "web-user add"))
    database.dispose()
    assert user is not None and user.password_hash.startswith("$argon2id$")
    assert event is not None and event.actor.startswith("cli") and event.after == {"username": "carol", "role": "bookkeeper"}


def test_add_prompts_for_password_twice(tmp_path: Path) -> None:
    """Without --password-stdin the password is prompted for, with confirmation."""
    code, output = _run(tmp_path, "web-user", "add", "dan", "--role", "viewer",
                        stdin="a long enough secret\na long enough secret\n")
    assert code == 0, output


def test_refuses_duplicates_short_passwords_and_unknown_roles(tmp_path: Path) -> None:
    """Duplicate names, short passwords and unknown roles fail with a message."""
    _run(tmp_path, "web-user", "add", "erin", "--role", "admin", "--password-stdin",
         stdin="a long enough secret\n")
    code, output = _run(tmp_path, "web-user", "add", "erin", "--role", "admin", "--password-stdin",
                        stdin="a long enough secret\n")
    assert code != 0 and "already exists" in output
    code, output = _run(tmp_path, "web-user", "add", "fay", "--role", "admin", "--password-stdin",
                        stdin="short\n")
    assert code != 0 and "at least 10 characters" in output
    code, output = _run(tmp_path, "web-user", "add", "gus", "--role", "owner", "--password-stdin",
                        stdin="a long enough secret\n")
    assert code != 0 and "owner" in output


def test_list_when_empty(tmp_path: Path) -> None:
    """An empty list says how to add the first user."""
    code, output = _run(tmp_path, "web-user", "list")
    assert code == 0 and "web-user add" in output
