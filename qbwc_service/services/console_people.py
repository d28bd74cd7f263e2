"""The console's people page: every account, and an administrator's change to one of them
(disable, enable, reset the password, unlock), done through ``services.users`` so the
command line and the console change accounts the same way."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import WebUser
from qbwc_service.services import users as accounts
from qbwc_service.services.console_auth import ConsoleUser
from qbwc_service.services.exceptions import NotFound, WebUserError
from qbwc_service.services.requests import actor_name

__all__ = ["PERSON_ACTIONS", "change_person", "console_people"]

PERSON_ACTIONS = ("disable", "enable", "reset", "unlock")
_WEB = accounts.AccountKind.WEB


def console_people(session: Session) -> list[WebUser]:
    """Every console account, by name."""
    return list(session.scalars(select(WebUser).order_by(WebUser.username)))


def change_person(session: Session, user_id: int, action: str, *, by: ConsoleUser,
                  password: str = "") -> str:
    """Carry out ``action`` (one of ``PERSON_ACTIONS``) on the account; its name.

    Nobody disables their own account: the console would have no way back in for them.
    """
    account = session.get(WebUser, user_id)
    if account is None:
        raise NotFound(f"There is no console user {user_id}.")
    name, actor = account.username, actor_name(by.username)
    if action == "disable":
        if account.id == by.id:
            raise WebUserError("you cannot disable your own account", username=name)
        accounts.disable(session, _WEB, name, actor=actor)
    elif action == "enable":
        accounts.enable(session, _WEB, name, actor=actor)
    elif action == "reset":
        accounts.change_password(session, _WEB, name, password, actor=actor)
    elif action == "unlock":
        accounts.unlock(session, _WEB, name, actor=actor)
    else:
        raise NotFound(f"There is no action {action!r} on console users.")
    return name
