"""Web Connector users: argon2id hashes, lockout, tickets."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from qbwc_service.db import Database
from qbwc_service.db.models import Company, LoginFailure, QbwcUser, utcnow
from qbwc_service.qbwc import auth
from qbwc_service.qbwc.auth import (
    AuthOutcome,
    LoginPolicy,
    check_credentials,
    hash_password,
    new_ticket,
    unlock,
    verify_password,
)
from qbwc_service.qbwc.qwc import new_guid


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


POLICY = LoginPolicy(free_attempts=3, first_delay=timedelta(minutes=1),
                     max_delay=timedelta(minutes=10))


def test_login_succeeds_and_resets_failures(db: Database) -> None:
    """A correct password logs in and clears earlier failures."""
    _user(db)
    with db.session() as session:
        check_credentials(session, "qb", "wrong", address="192.0.2.1", policy=POLICY)
    with db.session() as session:
        result = check_credentials(session, "qb", "correct horse", address="192.0.2.1",
                                   policy=POLICY)
        assert result.outcome == AuthOutcome.OK
        assert result.company is not None and result.company.name == "Shop"
        assert result.user is not None and result.user.failed_attempts == 0
        assert session.scalar(select(func.count()).select_from(LoginFailure)) == 0


def test_unknown_user_is_refused(db: Database) -> None:
    """An unknown user name is refused like a bad password."""
    _user(db)
    with db.session() as session:
        result = check_credentials(session, "nobody", "x", address="192.0.2.1", policy=POLICY)
    assert result.outcome == AuthOutcome.BAD_CREDENTIALS and result.user is None


def test_failures_from_one_address_delay_that_address_with_growing_waits(db: Database) -> None:
    """After N failures from one address even the right password waits there, and each
    further failure doubles the wait; another address logs in all the while."""
    _user(db)
    now = utcnow()
    for _ in range(3):
        with db.session() as session:
            check_credentials(session, "qb", "guess", address="198.51.100.9", policy=POLICY, now=now)
    with db.session() as session:
        held = check_credentials(session, "qb", "correct horse", address="198.51.100.9",
                                 policy=POLICY, now=now + timedelta(seconds=30))
        assert held.outcome == AuthOutcome.THROTTLED
        assert held.retry_after == timedelta(seconds=30)
    with db.session() as session:
        elsewhere = check_credentials(session, "qb", "correct horse", address="192.0.2.1",
                                      policy=POLICY, now=now + timedelta(seconds=30))
        assert elsewhere.outcome == AuthOutcome.OK
    later = now + timedelta(minutes=2)
    with db.session() as session:
        check_credentials(session, "qb", "guess again", address="198.51.100.9", policy=POLICY,
                          now=later)
    with db.session() as session:
        doubled = check_credentials(session, "qb", "correct horse", address="198.51.100.9",
                                    policy=POLICY, now=later)
        assert doubled.retry_after == timedelta(minutes=2)
    with db.session() as session:
        unlock(session, "qbwc", "qb")
    with db.session() as session:
        freed = check_credentials(session, "qb", "correct horse", address="198.51.100.9",
                                  policy=POLICY, now=later)
        assert freed.outcome == AuthOutcome.OK


def test_delays_grow_to_the_cap() -> None:
    """The wait doubles per failure beyond the free attempts and stops at the cap."""
    waits = [POLICY.delay(failures) for failures in range(1, 10)]
    assert waits[:2] == [None, None]
    assert waits[2:6] == [timedelta(minutes=m) for m in (1, 2, 4, 8)]
    assert waits[6:] == [timedelta(minutes=10)] * 3


def test_an_older_hash_is_upgraded_at_the_next_login(db: Database) -> None:
    """A hash made with the earlier, costlier parameters verifies and is rehashed with the
    current ones (the test suite's cheap hasher here; OWASP's floor in production)."""
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=3, memory_cost=64 * 1024, parallelism=4).hash("correct horse")
    with db.session() as session:
        company = Company(name="Shop", file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="qb", password_hash=old))
    with db.session() as session:
        result = check_credentials(session, "qb", "correct horse", address="192.0.2.1", policy=POLICY)
        assert result.outcome == AuthOutcome.OK and result.user is not None
        assert result.user.password_hash != old
        assert verify_password(result.user.password_hash, "correct horse")
        assert not auth._HASHER.check_needs_rehash(result.user.password_hash)


def test_production_parameters_are_owasps_floor() -> None:
    """argon2id with m = 19 MiB, t = 2, p = 1 (the suite itself hashes with cheaper ones)."""
    from argon2 import PasswordHasher

    stored = PasswordHasher(**auth.ARGON2_PARAMETERS).hash("s3cret-pass")  # type: ignore[arg-type]
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
