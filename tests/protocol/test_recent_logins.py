"""Web Connector passwords argon2 accepted lately are recognised without argon2, safely."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import Company, QbwcUser, utcnow
from qbwc_service.handlers import Registry
from qbwc_service.qbwc import auth
from qbwc_service.qbwc.auth import (
    AuthOutcome,
    LoginPolicy,
    RecentLogins,
    check_credentials,
    hash_password,
)
from qbwc_service.qbwc.qwc import new_guid
from qbwc_service.qbwc.runs import INVALID_USER, NO_WORK, Runs
from qbwc_service.settings import Settings

PASSWORD = "correct horse battery"
POLICY = LoginPolicy(free_attempts=3, first_delay=timedelta(minutes=1),
                     max_delay=timedelta(minutes=10))


@pytest.fixture
def argon2_calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every argon2 verification made, by password."""
    calls: list[str] = []
    real = auth.verify_password

    def counting(password_hash: str, password: str) -> bool:
        calls.append(password)
        return real(password_hash, password)

    monkeypatch.setattr(auth, "verify_password", counting)
    yield calls


def _user(db: Database) -> None:
    with db.session() as session:
        company = Company(name="Shop", file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="qb",
                             password_hash=hash_password(PASSWORD)))


def _login(db: Database, recent: RecentLogins, password: str = PASSWORD,
           address: str = "192.0.2.1") -> AuthOutcome:
    with db.session() as session:
        return check_credentials(session, "qb", password, address=address, policy=POLICY,
                                 recent=recent).outcome


def test_a_remembered_password_logs_in_without_argon2(db: Database,
                                                      argon2_calls: list[str]) -> None:
    """The second login with the same password is recognised; argon2 ran once."""
    _user(db)
    recent = RecentLogins(900)
    assert _login(db, recent) == AuthOutcome.OK
    assert _login(db, recent) == AuthOutcome.OK
    assert argon2_calls == [PASSWORD]


def test_a_wrong_password_still_goes_through_argon2_and_counts(
    db: Database, argon2_calls: list[str]
) -> None:
    """Guesses after a remembered login cost argon2 each, fail, and are counted."""
    _user(db)
    recent = RecentLogins(900)
    assert _login(db, recent) == AuthOutcome.OK
    for _ in range(POLICY.free_attempts):
        assert _login(db, recent, "correct horse batterY") == AuthOutcome.BAD_CREDENTIALS
    assert argon2_calls.count("correct horse batterY") == POLICY.free_attempts
    # The guesses' address now waits, even with the right password.
    assert _login(db, recent) == AuthOutcome.THROTTLED
    # The real Web Connector elsewhere is not affected.
    assert _login(db, recent, address="192.0.2.7") == AuthOutcome.OK


def test_a_changed_password_is_not_recognised(db: Database) -> None:
    """After the password changes, the old one is refused at once."""
    _user(db)
    recent = RecentLogins(900)
    assert _login(db, recent) == AuthOutcome.OK
    with db.session() as session:
        user = session.query(QbwcUser).one()
        user.password_hash = hash_password("a new long passphrase")
    assert _login(db, recent) == AuthOutcome.BAD_CREDENTIALS
    assert _login(db, recent, "a new long passphrase") == AuthOutcome.OK


def test_a_disabled_user_is_refused_though_remembered(db: Database) -> None:
    """Disabling a user ends its logins at once."""
    _user(db)
    recent = RecentLogins(900)
    assert _login(db, recent) == AuthOutcome.OK
    with db.session() as session:
        session.query(QbwcUser).one().disabled_at = utcnow()
    assert _login(db, recent) == AuthOutcome.BAD_CREDENTIALS


def test_a_remembered_login_expires(db: Database, argon2_calls: list[str]) -> None:
    """After ``seconds`` the password is verified with argon2 again."""
    _user(db)
    now = [1000.0]
    recent = RecentLogins(60, clock=lambda: now[0])
    assert _login(db, recent) == AuthOutcome.OK
    now[0] += 59
    assert _login(db, recent) == AuthOutcome.OK
    assert len(argon2_calls) == 1
    now[0] += 2
    assert _login(db, recent) == AuthOutcome.OK
    assert len(argon2_calls) == 2


def test_nothing_readable_is_kept() -> None:
    """What is held is a keyed digest: neither the password nor its hash."""
    recent = RecentLogins(900)
    stored = hash_password(PASSWORD)
    recent.remember("qbwc\x1fqb", stored, PASSWORD)
    held = repr(recent._entries)
    assert PASSWORD not in held and stored not in held
    assert not RecentLogins(900).recognises("qbwc\x1fqb", stored, PASSWORD)


def test_the_service_verifies_every_login_when_the_setting_is_zero(
    settings: Settings, db: Database, argon2_calls: list[str]
) -> None:
    """``login_cache_seconds = 0``: argon2 at every Web Connector login."""
    _user(db)
    runs = Runs(AppContext(replace(settings, login_cache_seconds=0), _database=db),
                handlers=Registry())
    for _ in range(2):
        assert runs.authenticate("qb", PASSWORD, "192.0.2.1")[1] == NO_WORK
    assert argon2_calls == [PASSWORD, PASSWORD]
    assert runs.authenticate("qb", "wrong", "192.0.2.1")[1] == INVALID_USER


def test_the_service_remembers_by_default(
    settings: Settings, db: Database, argon2_calls: list[str]
) -> None:
    """By default a Web Connector polling again is recognised without argon2."""
    _user(db)
    runs = Runs(AppContext(settings, _database=db), handlers=Registry())
    for _ in range(3):
        assert runs.authenticate("qb", PASSWORD, "192.0.2.1")[1] == NO_WORK
    assert argon2_calls == [PASSWORD]
