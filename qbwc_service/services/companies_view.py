"""Company files as the console shows them: each with its Web Connector users, its settings
page, a change of settings from that page, and the ``.qwc`` download."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, QbwcUser
from qbwc_service.qbwc.qwc import QwcError, build_qwc
from qbwc_service.services.companies import CompanyChange, change_company
from qbwc_service.services.exceptions import Conflict, NotFound
from qbwc_service.settings import Settings
from qbwc_service.sync.config import load_company_config
from qbwc_service.sync.exceptions import MappingConfigError

__all__ = [
    "QwcDownload",
    "change_settings",
    "companies_by_name",
    "company_by_id",
    "company_zone",
    "qbwc_usernames",
    "qwc_download",
    "qwc_filename",
    "usernames_by_company",
]


def companies_by_name(session: Session) -> list[Company]:
    return list(session.scalars(select(Company).order_by(Company.name)))


log = logging.getLogger(__name__)


def company_zone(settings: Settings, company_name: str | None) -> ZoneInfo:
    """The time zone of the company's mapping config (``timezone``); UTC when it has none
    or its config cannot be read: a broken config must not take a page down."""
    if not company_name:
        return ZoneInfo("UTC")
    try:
        return ZoneInfo(load_company_config(settings, company_name).timezone)
    except (MappingConfigError, ZoneInfoNotFoundError, ValueError) as exc:
        log.warning("no usable time zone for a company: %s", type(exc).__name__)
    return ZoneInfo("UTC")


def company_by_id(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"There is no company {company_id}.")
    return company


def qbwc_usernames(session: Session, company_id: int) -> list[str]:
    """The company's Web Connector users, by name."""
    return list(session.scalars(select(QbwcUser.username)
                                .where(QbwcUser.company_id == company_id)
                                .order_by(QbwcUser.username)))


def usernames_by_company(session: Session) -> dict[int, list[str]]:
    """Every company's Web Connector users, by name; companies without one are left out."""
    users: dict[int, list[str]] = {}
    for company_id, username in session.execute(
        select(QbwcUser.company_id, QbwcUser.username).order_by(QbwcUser.username)
    ):
        users.setdefault(company_id, []).append(username)
    return users


def change_settings(session: Session, settings: Settings, company_id: int,
                    change: CompanyChange, *, actor: str) -> bool:
    """Apply ``change`` to the company (audited); True when anything changed."""
    company = company_by_id(session, company_id)
    return change_company(session, settings, company.name, change, actor=actor)[1]


def qwc_filename(company: Company, username: str) -> str:
    """A file name safe in a header and on Windows: letters, digits, dash, underscore, dot."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{company.name}-{username}").strip("-.") or "company"
    return f"{stem[:80]}.qwc"


@dataclass(frozen=True)
class QwcDownload:
    filename: str
    document: str


def qwc_download(session: Session, settings: Settings, company_id: int,
                 username: str | None) -> QwcDownload:
    """The ``.qwc`` of one of the company's Web Connector users (the first by name when
    none is given). NotFound for an unknown company or a user of another company;
    Conflict when this installation's address cannot go in a ``.qwc``."""
    company = company_by_id(session, company_id)
    usernames = qbwc_usernames(session, company_id)
    username = username or (usernames[0] if usernames else "")
    if username not in usernames:
        raise NotFound("That Web Connector user does not belong to this company. "
                       "Add one with the command line first.")
    try:
        document = build_qwc(session, settings, company, username)
    except QwcError as refusal:
        raise Conflict(f"The .qwc file cannot be made: {refusal}") from refusal
    return QwcDownload(qwc_filename(company, username), document)
