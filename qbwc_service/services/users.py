"""Accounts: Web Connector users (one company each) and console people (a role each).

Both kinds are listed, disabled, enabled, removed, unlocked and given a new password the
same way, and every change is an event in the audit trail (never the password). A
disabled account is refused at login like an unknown one; a removed Web Connector user
that has runs in the log is refused (disable it instead, so the log keeps its name).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbwc_service.db.models import QbwcUser, WcRun, WebUser, utcnow
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.auth import unlock as forget_login_failures
from qbwc_service.services import console_auth
from qbwc_service.services.audit import record
from qbwc_service.services.companies import find_company
from qbwc_service.services.console_auth import MIN_PASSWORD_LENGTH as WEB_MIN_PASSWORD_LENGTH
from qbwc_service.services.exceptions import Conflict, InvalidValue, NotFound

__all__ = [
    "QBWC_MIN_PASSWORD_LENGTH",
    "AccountKind",
    "AccountView",
    "account_exists",
    "add_qbwc_user",
    "add_web_user",
    "change_password",
    "disable",
    "enable",
    "list_accounts",
    "remove",
    "unlock",
]

QBWC_MIN_PASSWORD_LENGTH = 8


class AccountKind(enum.StrEnum):
    """Which accounts: the command group's name is the value."""

    QBWC = "user"
    WEB = "web-user"

    @property
    def login_kind(self) -> str:
        """The name the login throttle files this kind's failures under."""
        return "qbwc" if self is AccountKind.QBWC else "web"

    @property
    def noun(self) -> str:
        return "Web Connector user" if self is AccountKind.QBWC else "console user"

    @property
    def min_password_length(self) -> int:
        return QBWC_MIN_PASSWORD_LENGTH if self is AccountKind.QBWC else WEB_MIN_PASSWORD_LENGTH


Account = QbwcUser | WebUser
_MODELS: dict[AccountKind, Any] = {AccountKind.QBWC: QbwcUser, AccountKind.WEB: WebUser}


@dataclass(frozen=True)
class AccountView:
    """One account as IT sees it; ``scope`` is the company (Web Connector) or the role."""

    kind: AccountKind
    username: str
    scope: str
    disabled: bool
    locked_until: datetime | None
    created_at: datetime
    last_login_at: datetime | None = None

    def state(self, now: datetime) -> str:
        if self.disabled:
            return "disabled"
        if self.locked_until is not None and self.locked_until > now:
            return f"locked until {self.locked_until:%Y-%m-%d %H:%M} UTC"
        return "active"


def _view(kind: AccountKind, account: Account) -> AccountView:
    if isinstance(account, QbwcUser):
        scope, last_login = account.company.name, account.last_login_at
    else:
        scope, last_login = account.role, None
    return AccountView(kind=kind, username=account.username, scope=scope,
                       disabled=account.disabled_at is not None,
                       locked_until=account.locked_until, created_at=account.created_at,
                       last_login_at=last_login)


def _find(session: Session, kind: AccountKind, username: str) -> Account:
    model = _MODELS[kind]
    account: Account | None = session.scalars(
        select(model).where(model.username == username)).first()
    if account is None:
        raise NotFound(f"no {kind.noun} named {username!r}; see `qbwc-service {kind.value} list`")
    return account


def _audit(session: Session, kind: AccountKind, verb: str, account: Account, *, actor: str,
           before: dict[str, Any] | None = None, after: dict[str, Any] | None = None) -> None:
    record(session, actor=actor, action=f"{kind.value} {verb}",
           target_type="qbwc_user" if kind is AccountKind.QBWC else "web_user",
           target_id=account.id, before={"username": account.username, **(before or {})},
           after=after)


def _check_password(kind: AccountKind, password: str) -> None:
    if len(password) < kind.min_password_length:
        raise InvalidValue(f"the password must have at least {kind.min_password_length} characters")


def list_accounts(session: Session, kind: AccountKind) -> list[AccountView]:
    model = _MODELS[kind]
    return [_view(kind, account)
            for account in session.scalars(select(model).order_by(model.username))]


def add_qbwc_user(session: Session, company_name: str, username: str, password: str, *,
                  actor: str) -> AccountView:
    """A new Web Connector user for the company (its password stored as argon2id)."""
    _check_password(AccountKind.QBWC, password)
    company = find_company(session, company_name)
    username = username.strip()
    if not username or len(username) > 100:
        raise InvalidValue("the user name must be 1 to 100 characters")
    if session.scalars(select(QbwcUser).where(QbwcUser.username == username)).first():
        raise Conflict(f"user {username!r} already exists")
    user = QbwcUser(company_id=company.id, username=username, password_hash=hash_password(password))
    session.add(user)
    session.flush()
    _audit(session, AccountKind.QBWC, "add", user, actor=actor, after={"company": company.name})
    return _view(AccountKind.QBWC, user)


def add_web_user(session: Session, username: str, password: str, role: str, *,
                 actor: str) -> AccountView:
    """A new console account with ``role`` (its password stored as argon2id), audited."""
    user = console_auth.add_web_user(session, username, password, role, actor=actor)
    return _view(AccountKind.WEB, user)


def account_exists(session: Session, kind: AccountKind, username: str) -> bool:
    model = _MODELS[kind]
    return session.scalar(select(model.id).where(model.username == username)) is not None


def disable(session: Session, kind: AccountKind, username: str, *, actor: str,
            now: datetime | None = None) -> AccountView:
    """Refuse the account's logins from now on; its history stays."""
    account = _find(session, kind, username)
    if account.disabled_at is None:
        account.disabled_at = now or utcnow()
        _audit(session, kind, "disable", account, actor=actor, after={"disabled": True})
    return _view(kind, account)


def enable(session: Session, kind: AccountKind, username: str, *, actor: str) -> AccountView:
    account = _find(session, kind, username)
    if account.disabled_at is not None:
        account.disabled_at = None
        _audit(session, kind, "enable", account, actor=actor, after={"disabled": False})
    return _view(kind, account)


def unlock(session: Session, kind: AccountKind, username: str, *, actor: str) -> AccountView:
    """End a login delay after wrong passwords, from every address, and forget the failures."""
    account = _find(session, kind, username)
    before = {"locked_until": account.locked_until, "failed_attempts": account.failed_attempts}
    account.locked_until = None
    account.failed_attempts = 0
    forgotten = forget_login_failures(session, kind.login_kind, username)
    _audit(session, kind, "unlock", account, actor=actor,
           before={**before, "throttled_addresses": forgotten},
           after={"locked_until": None, "failed_attempts": 0})
    return _view(kind, account)


def change_password(session: Session, kind: AccountKind, username: str, password: str, *,
                    actor: str) -> AccountView:
    """A new password (stored as argon2id); a lockout ends with it."""
    _check_password(kind, password)
    account = _find(session, kind, username)
    account.password_hash = hash_password(password)
    account.locked_until = None
    account.failed_attempts = 0
    forget_login_failures(session, kind.login_kind, username)
    _audit(session, kind, "password", account, actor=actor, after={"password": "changed"})
    return _view(kind, account)


def remove(session: Session, kind: AccountKind, username: str, *, actor: str) -> None:
    account = _find(session, kind, username)
    if isinstance(account, QbwcUser):
        runs = session.scalar(select(func.count()).select_from(WcRun)
                              .where(WcRun.user_id == account.id)) or 0
        if runs:
            raise Conflict(
                f"user {username!r} has {runs} Web Connector runs in the log; disable it "
                f"instead (`qbwc-service user disable {username}`) so the log keeps its name")
    _audit(session, kind, "remove", account, actor=actor,
           before={"scope": _view(kind, account).scope}, after=None)
    session.delete(account)
    session.flush()
