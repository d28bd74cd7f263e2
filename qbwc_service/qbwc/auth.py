"""Logins for the Web Connector and the console: argon2id hashes, growing delays, tickets.

Passwords are checked in constant time by argon2 itself; an unknown user name is
verified against a dummy hash so timing does not reveal which names exist.

Failed logins are counted per user name *and* source address (``LoginFailure``), in the
database so every server process sees them. After ``free_attempts`` failures that pair
waits a delay that doubles with each further failure, up to ``max_delay``. Nobody can
lock a user out from elsewhere: failures from one address never delay another address,
so the real Web Connector keeps logging in while someone guesses its password.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, LoginFailure, QbwcUser, utcnow
from qbwc_service.settings import Settings

__all__ = [
    "ARGON2_PARAMETERS",
    "AuthOutcome",
    "AuthResult",
    "LoginPolicy",
    "RecentLogins",
    "Verifiable",
    "attempt_login",
    "check_credentials",
    "hash_password",
    "new_ticket",
    "ticket_key",
    "unlock",
    "verify_password",
]

log = logging.getLogger(__name__)

# argon2id at OWASP's floor (m = 19 MiB, t = 2, p = 1; OWASP Password Storage Cheat
# Sheet): every Web Connector poll authenticates, so the hash must stay cheap enough for
# hundreds of company files while the throttle below stops online guessing. Hashes made
# with other parameters are rehashed at the next successful login (check_needs_rehash).
ARGON2_PARAMETERS: dict[str, int] = {"time_cost": 2, "memory_cost": 19 * 1024, "parallelism": 1}
_HASHER = PasswordHasher(time_cost=ARGON2_PARAMETERS["time_cost"],
                         memory_cost=ARGON2_PARAMETERS["memory_cost"],
                         parallelism=ARGON2_PARAMETERS["parallelism"])
_DUMMY_HASH = _HASHER.hash(secrets.token_urlsafe(16))
# Failure counts older than this start afresh.
_FORGET_AFTER = timedelta(days=1)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def new_ticket() -> str:
    """128+ random bits; never derived from user, time or a counter."""
    return secrets.token_urlsafe(32)


def ticket_key(ticket: str) -> str:
    """What the database keeps of a ticket: its SHA-256, so a copy of the database
    (a backup, a support bundle) holds no ticket that would work against the service.
    A ticket is 256 random bits, so an unsalted hash cannot be reversed by guessing."""
    return hashlib.sha256(ticket.encode("utf-8")).hexdigest()


class AuthOutcome(enum.StrEnum):
    """How one login attempt (Web Connector or console) ended."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    THROTTLED = "throttled"


@dataclass(frozen=True)
class AuthResult:
    outcome: AuthOutcome
    user: QbwcUser | None = None
    company: Company | None = None
    retry_after: timedelta | None = None  # when THROTTLED: how long to wait


@dataclass(frozen=True)
class LoginPolicy:
    """How many failures a user name may have from one address before delays start."""

    free_attempts: int = 5
    first_delay: timedelta = timedelta(minutes=1)
    max_delay: timedelta = timedelta(minutes=15)

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            free_attempts=max(settings.lockout_attempts, 1),
            first_delay=timedelta(seconds=max(settings.login_first_delay_seconds, 1)),
            max_delay=timedelta(minutes=max(settings.lockout_minutes, 1)),
        )

    def delay(self, failures: int) -> timedelta | None:
        """The wait after ``failures`` failures in a row: doubling from the first delay."""
        if failures < self.free_attempts:
            return None
        doublings = min(failures - self.free_attempts, 30)
        return min(self.first_delay * (2 ** doublings), self.max_delay)


class RecentLogins:
    """Passwords argon2 accepted lately, recognised again without argon2, in this process.

    The Web Connector sends its stored password on every poll, so a few hundred company
    files polling every minute would spend most of the server's CPU on argon2 proving
    the same passwords again. A login argon2 accepted is remembered for ``seconds`` from
    then (polling does not extend it) as an HMAC-SHA256 of the stored hash and the
    password, under a random key made at start that never leaves memory: a changed
    password (a new hash) no longer matches; a wrong one never does, so it still goes
    through argon2 and its failure counts; nothing of it survives a restart or reaches
    the database. Throttled and disabled accounts are refused before this is asked.
    """

    def __init__(self, seconds: float, *, limit: int = 10_000,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.limit = limit
        self.clock = clock
        self._key = secrets.token_bytes(32)
        self._entries: OrderedDict[str, tuple[bytes, float]] = OrderedDict()
        self._lock = threading.Lock()

    def _digest(self, password_hash: str, password: str) -> bytes:
        message = password_hash.encode("utf-8") + b"\x00" + password.encode("utf-8")
        return hmac.new(self._key, message, hashlib.sha256).digest()

    def recognises(self, key: str, password_hash: str, password: str) -> bool:
        with self._lock:
            entry = self._entries.get(key)
        if entry is None or entry[1] <= self.clock():
            return False
        return hmac.compare_digest(entry[0], self._digest(password_hash, password))

    def remember(self, key: str, password_hash: str, password: str) -> None:
        entry = (self._digest(password_hash, password), self.clock() + self.seconds)
        with self._lock:
            self._entries[key] = entry
            self._entries.move_to_end(key)
            while len(self._entries) > self.limit:
                self._entries.popitem(last=False)


class Verifiable(Protocol):
    """An account with a password hash: Web Connector or console user."""

    password_hash: str
    failed_attempts: int
    locked_until: datetime | None
    disabled_at: datetime | None


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def _keys(kind: str, username: str, address: str) -> tuple[str, str]:
    return _digest(kind, username, address), _digest(kind, username)


def attempt_login(
    session: Session, account: Verifiable | None, password: str, *,
    kind: str, username: str, address: str, policy: LoginPolicy, now: datetime,
    recent: RecentLogins | None = None,
) -> tuple[AuthOutcome, timedelta | None]:
    """One login attempt: an ``AuthOutcome`` and, when throttled, the time left to wait.

    A throttled pair is refused before its password is checked, even a correct one;
    otherwise the delay would not slow guessing down. Unknown names are counted like
    known ones, so the delay reveals nothing about which names exist.
    """
    if account is not None and account.disabled_at is not None:
        account = None  # a disabled account answers exactly like an unknown one
    key, user_key = _keys(kind, username, address)
    row = session.get(LoginFailure, key, with_for_update=True)
    waits = [until - now for until in (row.blocked_until if row else None,
                                       account.locked_until if account else None)
             if until is not None and until > now]
    if waits:
        verify_password(_DUMMY_HASH, password)
        return AuthOutcome.THROTTLED, max(waits)
    remembered = f"{kind}\x1f{username}"
    recognised = account is not None and recent is not None and recent.recognises(
        remembered, account.password_hash, password)
    if account is not None and (recognised or verify_password(account.password_hash, password)):
        account.failed_attempts = 0
        if row is not None:
            session.delete(row)
        if _HASHER.check_needs_rehash(account.password_hash):
            account.password_hash = hash_password(password)
        if recent is not None and not recognised:
            # Counted from argon2's own verdict: polling does not keep an entry alive.
            recent.remember(remembered, account.password_hash, password)
        return AuthOutcome.OK, None
    if account is None:
        verify_password(_DUMMY_HASH, password)
    else:
        account.failed_attempts += 1
    if row is None or row.last_failure_at + _FORGET_AFTER <= now:
        if row is None:
            row = LoginFailure(key=key, user_key=user_key, failures=0)
            session.add(row)
        row.failures = 0
        # Now and then, drop what nobody has failed at for a day: the table stays small.
        session.execute(delete(LoginFailure).where(
            LoginFailure.last_failure_at <= now - _FORGET_AFTER, LoginFailure.key != key))
    row.failures += 1
    row.last_failure_at = now
    delay = policy.delay(row.failures)
    row.blocked_until = now + delay if delay else None
    return AuthOutcome.BAD_CREDENTIALS, None


def unlock(session: Session, kind: str, username: str) -> int:
    """Forget every failure of ``username`` from every address; the number forgotten."""
    result = session.execute(
        delete(LoginFailure).where(LoginFailure.user_key == _keys(kind, username, "")[1]))
    return int(getattr(result, "rowcount", 0) or 0)


def check_credentials(
    session: Session,
    username: str,
    password: str,
    *,
    address: str = "",
    policy: LoginPolicy | None = None,
    now: datetime | None = None,
    recent: RecentLogins | None = None,
) -> AuthResult:
    """Verify a Web Connector login from ``address``, counting failures per user and address."""
    now = now or utcnow()
    user = session.scalars(
        select(QbwcUser).where(QbwcUser.username == username).with_for_update()
    ).first()
    outcome, wait = attempt_login(session, user, password, kind="qbwc", username=username,
                                  address=address, policy=policy or LoginPolicy(), now=now,
                                  recent=recent)
    if outcome != AuthOutcome.OK or user is None:
        # The user id only: names and passwords never reach the log.
        log.warning("web connector login refused (%s) for user %s", outcome,
                    user.id if user is not None else "unknown")
        return AuthResult(outcome, user=user, retry_after=wait)
    user.last_login_at = now
    return AuthResult(AuthOutcome.OK, user=user, company=user.company)
