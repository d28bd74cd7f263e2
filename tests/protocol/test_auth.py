"""Web Connector users: argon2id hashes, lockout, tickets."""

from __future__ import annotations

from datetime import timedelta

from qbwc_service.auth import (
    AuthOutcome,
    check_credentials,
    hash_password,
    new_ticket,
    verify_password,
)
from qbwc_service.db import Database
from qbwc_service.db.models import Company, QbwcUser, utcnow
from qbwc_service.qwc import new_guid


def _user(db: Database, password: str = "correct horse") -> None:
    with db.session() as session:
        company = Company(name="Shop", file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="qb", password_hash=hash_password(password)))


def test_passwords_are_argon2id_and_verify() -> None:
    """Stored hashes are argon2id; the right password verifies, a wrong one does not."""
    stored = hash_password("s3cret-pass")
    assert stored.startswith("$argon2id$")
    assert verify_password(stored, "s3cret-pass")
    assert not verify_password(stored, "s3cret-pasS")
    assert not verify_password("not-a-hash", "s3cret-pass")


def test_tickets_are_long_and_unique() -> None:
    """Tickets carry at least 128 random bits and never repeat."""
    tickets = {new_ticket() for _ in range(200)}
    assert len(tickets) == 200
    assert all(len(t) >= 32 for t in tickets)


def test_login_succeeds_and_resets_failures(db: Database) -> None:
    """A correct password logs in and clears earlier failures."""
    _user(db)
    with db.session() as session:
        check_credentials(session, "qb", "wrong", max_attempts=5, lockout=timedelta(minutes=5))
    with db.session() as session:
        result = check_credentials(session, "qb", "correct horse", max_attempts=5,
                                   lockout=timedelta(minutes=5))
        assert result.outcome == AuthOutcome.OK
        assert result.company is not None and result.company.name == "Shop"
        assert result.user is not None and result.user.failed_attempts == 0


def test_unknown_user_is_refused(db: Database) -> None:
    """An unknown user name is refused like a bad password."""
    _user(db)
    with db.session() as session:
        result = check_credentials(session, "nobody", "x", max_attempts=5, lockout=timedelta(minutes=5))
    assert result.outcome == AuthOutcome.BAD_CREDENTIALS and result.user is None


def test_lockout_refuses_even_the_right_password(db: Database) -> None:
    """After N failures the user is locked; the correct password is refused until it ends."""
    _user(db)
    now = utcnow()
    for _ in range(3):
        with db.session() as session:
            check_credentials(session, "qb", "guess", max_attempts=3, lockout=timedelta(minutes=10), now=now)
    with db.session() as session:
        locked = check_credentials(session, "qb", "correct horse", max_attempts=3,
                                   lockout=timedelta(minutes=10), now=now + timedelta(minutes=1))
        assert locked.outcome == AuthOutcome.LOCKED
    with db.session() as session:
        later = check_credentials(session, "qb", "correct horse", max_attempts=3,
                                  lockout=timedelta(minutes=10), now=now + timedelta(minutes=11))
        assert later.outcome == AuthOutcome.OK
