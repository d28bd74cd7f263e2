"""Company files served by this installation: add, list, show and change their settings.

What IT changes here takes effect without re-adding the ``.qwc``: the polling interval
is returned by the next ``authenticate`` as the "minimum run every N seconds" value the
Web Connector honours (qbwc-protocol.md §4.1, fourth string) and written by ``qwc``;
the qbXML version is negotiated again at the next run's first ``sendRequestXML``.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.lookups import UnknownCompany, company_named
from qbwc_service.db.models import Company
from qbwc_service.qbwc.qwc import QwcError, build_qwc, new_guid, owner_id
from qbwc_service.qbxml import AUTO_VERSION, SERVICE_VERSIONS
from qbwc_service.services.audit import record
from qbwc_service.services.exceptions import Conflict, InvalidValue, NotFound
from qbwc_service.settings import Settings
from qbwc_service.sync.config import CLOSING_POLICIES, company_table, load_company_config
from qbwc_service.sync.exceptions import MappingConfigError

__all__ = [
    "CLOSING_POLICIES",
    "MAX_EVERY_MINUTES",
    "QBXML_CHOICES",
    "CompanyChange",
    "CompanyView",
    "QwcFile",
    "add_company",
    "change_company",
    "company_by_id",
    "company_exists",
    "find_company",
    "list_companies",
    "qwc_for",
    "set_company",
    "show_company",
    "web_connector_ids",
]

QBXML_CHOICES = (AUTO_VERSION, *SERVICE_VERSIONS)
MAX_EVERY_MINUTES = 24 * 60
_NAME_LENGTH = 100


@dataclass(frozen=True)
class CompanyView:
    """A company's settings as IT sees them, with where the closing-date policy comes from."""

    name: str
    company_file: str
    qbxml_version: str
    negotiated_version: str | None
    every_minutes: int
    approval_required: bool
    closing_date_policy: str
    closing_date_policy_source: str  # "company" (set here) or "config file"
    users: tuple[str, ...] = ()
    last_session_at: datetime | None = None
    qb_product: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CompanyChange:
    """What `company set` changes; None leaves a setting as it is."""

    every_minutes: int | None = None
    qbxml_version: str | None = None
    approval_required: bool | None = None
    closing_date_policy: str | None = None
    new_name: str | None = None

    def is_empty(self) -> bool:
        return all(value is None for value in asdict(self).values())


def find_company(session: Session, name: str) -> Company:
    try:
        return company_named(session, name)
    except UnknownCompany as exc:
        raise NotFound(str(exc)) from None


def company_by_id(session: Session, company_id: int) -> Company:
    company = session.get(Company, company_id)
    if company is None:
        raise NotFound(f"There is no company {company_id}.")
    return company


def _view(settings: Settings, company: Company) -> CompanyView:
    if company.closing_date_policy:
        policy, source = company.closing_date_policy, "company"
    else:
        try:
            policy = load_company_config(settings, company.name).closing_date_policy
        except MappingConfigError as exc:
            raise InvalidValue(f"{exc}; fix the config file first") from exc
        source = "config file"
    return CompanyView(
        name=company.name,
        company_file=company.company_file,
        qbxml_version=company.qbxml_version,
        negotiated_version=company.negotiated_version,
        every_minutes=_effective_minutes(company),
        approval_required=bool(company.approval_required),
        closing_date_policy=policy,
        closing_date_policy_source=source,
        users=tuple(sorted(user.username for user in company.users)),
        last_session_at=company.last_session_at,
        qb_product=company.qb_product,
    )


def _effective_minutes(company: Company) -> int:
    if company.every_seconds:
        return max(1, company.every_seconds // 60)
    return company.every_minutes


def _check_minutes(every_minutes: int) -> int:
    if isinstance(every_minutes, bool) or not 1 <= every_minutes <= MAX_EVERY_MINUTES:
        raise InvalidValue(
            f"the polling interval must be 1 to {MAX_EVERY_MINUTES} minutes, not {every_minutes}")
    return every_minutes


def _check_version(version: str) -> str:
    if version not in QBXML_CHOICES:
        raise InvalidValue(
            f"qbXML version {version!r} is not one this service speaks; use one of "
            f"{', '.join(QBXML_CHOICES)}")
    return version


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _NAME_LENGTH:
        raise InvalidValue(f"a company name must have 1 to {_NAME_LENGTH} characters")
    return name


def add_company(
    session: Session,
    settings: Settings,
    name: str,
    *,
    company_file: str = "",
    qbxml_version: str = AUTO_VERSION,
    every_minutes: int = 15,
    approval_required: bool = False,
    actor: str,
) -> CompanyView:
    """Add a company file with a new FileID; refused when the name is taken."""
    name = _check_name(name)
    if session.scalars(select(Company).where(Company.name == name)).first():
        raise Conflict(f"company {name!r} already exists")
    company = Company(
        name=name, company_file=company_file, qbxml_version=_check_version(qbxml_version),
        every_minutes=_check_minutes(every_minutes), file_id=new_guid(),
        approval_required=approval_required,
    )
    session.add(company)
    session.flush()
    view = _view(settings, company)
    record(session, actor=actor, action="company.add", target_type="company",
           target_id=company.id, after=view.as_dict())
    return view


def list_companies(session: Session, settings: Settings) -> list[CompanyView]:
    return [_view(settings, company)
            for company in session.scalars(select(Company).order_by(Company.name))]


def show_company(session: Session, settings: Settings, name: str) -> CompanyView:
    return _view(settings, find_company(session, name))


def set_company(
    session: Session, settings: Settings, name: str, change: CompanyChange, *, actor: str
) -> CompanyView:
    """Apply ``change`` to the company and record what changed (before and after)."""
    return change_company(session, settings, name, change, actor=actor)[0]


def change_company(
    session: Session, settings: Settings, name: str, change: CompanyChange, *, actor: str
) -> tuple[CompanyView, bool]:
    """``set_company``, and whether anything changed."""
    if change.is_empty():
        raise InvalidValue("nothing to change; give at least one setting (see --help)")
    company = find_company(session, name)
    before = _view(settings, company).as_dict()
    if change.every_minutes is not None:
        company.every_minutes = _check_minutes(change.every_minutes)
        # A seconds interval (the demo's) would otherwise keep overriding the new value.
        company.every_seconds = None
    if change.qbxml_version is not None:
        company.qbxml_version = _check_version(change.qbxml_version)
    if change.approval_required is not None:
        company.approval_required = change.approval_required
    if change.closing_date_policy is not None:
        if change.closing_date_policy not in CLOSING_POLICIES:
            raise InvalidValue(
                f"closing-date policy {change.closing_date_policy!r} is not known; use one of "
                f"{', '.join(CLOSING_POLICIES)}")
        company.closing_date_policy = change.closing_date_policy
    if change.new_name is not None and change.new_name != company.name:
        _rename(session, settings, company, _check_name(change.new_name))
    session.flush()
    view = _view(settings, company)
    after = view.as_dict()
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        record(session, actor=actor, action="company.set", target_type="company",
               target_id=company.id, before={key: before[key] for key in changed},
               after={key: after[key] for key in changed})
    return view, bool(changed)


def _rename(session: Session, settings: Settings, company: Company, new_name: str) -> None:
    if session.scalars(select(Company).where(Company.name == new_name)).first():
        raise Conflict(f"company {new_name!r} already exists")
    # The config file keys the company's Magento connection and mapping by name: a
    # rename that left [companies.OLD] behind would silently stop its pulls.
    if company_table(settings, company.name) and not company_table(settings, new_name):
        raise Conflict(
            f'the config file has a [companies."{company.name}"] table; rename it to '
            f'[companies."{new_name}"] first, then run the rename again')
    company.name = new_name


def company_exists(session: Session, name: str) -> bool:
    try:
        company_named(session, name)
    except UnknownCompany:
        return False
    return True


def web_connector_ids(session: Session, name: str) -> tuple[str, str]:
    """The installation's OwnerID and the company's FileID, as the ``.qwc`` carries them."""
    return owner_id(session), find_company(session, name).file_id


@dataclass(frozen=True)
class QwcFile:
    """A company's ``.qwc`` for one Web Connector user, and the name to save it under."""

    filename: str
    document: str


def qwc_for(session: Session, settings: Settings, company: str | int, *,
            username: str | None = None, url: str | None = None) -> QwcFile:
    """The ``.qwc`` of a company (its name as people type it, or its id) for one of its
    Web Connector users: ``username``, else the first by name. NotFound for an unknown
    company, a company without users or a user of another company; Conflict when the
    address (``url``, else the configured one) cannot go in a ``.qwc``."""
    found = (company_by_id(session, company) if isinstance(company, int)
             else find_company(session, company))
    names = sorted(user.username for user in found.users)
    if not names:
        raise NotFound(f"company {found.name!r} has no Web Connector user; run "
                       f"`qbwc-service user add {shlex.quote(found.name)} USERNAME` first")
    name = username or names[0]
    if name not in names:
        raise NotFound(f"{name!r} is not a Web Connector user of {found.name!r}")
    try:
        document = build_qwc(session, settings, found, name, url=url)
    except QwcError as refusal:
        raise Conflict(f"The .qwc file cannot be made: {refusal}") from refusal
    return QwcFile(_qwc_filename(found, name), document)


def _qwc_filename(company: Company, username: str) -> str:
    """A file name safe in a header and on Windows: letters, digits, dash, underscore, dot."""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{company.name}-{username}").strip("-.") or "company"
    return f"{stem[:80]}.qwc"
