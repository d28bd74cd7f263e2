"""Company files as the console shows them: each with its Web Connector users, its settings
page, a change of settings from that page, and its time zone (the ``.qwc`` download is
``companies.qwc_for``)."""

from __future__ import annotations

import logging
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, QbwcUser
from qbwc_service.services.companies import CompanyChange, change_company, company_by_id
from qbwc_service.settings import Settings
from qbwc_service.sync.config import load_company_config
from qbwc_service.sync.exceptions import MappingConfigError

__all__ = [
    "change_settings",
    "companies_by_name",
    "company_zone",
    "qbwc_usernames",
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
