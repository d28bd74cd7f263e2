"""Company settings a person may change: polling interval, qbXML version, approval mode,
closing-date policy. Every change is audited with its before and after.

The Web Connector learns the new interval twice over: the next ``authenticate`` answers
it (``session.Conversation``), and the ``.qwc`` built afterwards carries it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Company
from qbwc_service.services import audit
from qbwc_service.services.exceptions import SettingsRefused

__all__ = ["CLOSING_POLICIES", "QBXML_VERSIONS", "CompanySettings", "update_settings"]

QBXML_VERSIONS = ("8.0", "10.0", "11.0", "12.0", "13.0", "14.0", "15.0", "16.0")
# None: the company's mapping config decides (``closing_date_policy``, default hold).
CLOSING_POLICIES = ("hold", "post_on_open_date")
MAX_MINUTES = 24 * 60


@dataclass(frozen=True)
class CompanySettings:
    every_minutes: int
    qbxml_version: str
    approval_required: bool
    closing_date_policy: str | None


def _current(company: Company) -> dict[str, Any]:
    return {"every_minutes": company.every_minutes, "every_seconds": company.every_seconds,
            "qbxml_version": company.qbxml_version,
            "approval_required": company.approval_required,
            "closing_date_policy": company.closing_date_policy}


def update_settings(session: Session, company_id: int, wanted: CompanySettings, *,
                    actor: str) -> dict[str, tuple[Any, Any]]:
    """Apply ``wanted``; returns what changed as {field: (before, after)}."""
    company = session.get(Company, company_id)
    if company is None:
        raise SettingsRefused(f"there is no company {company_id}", field="company")
    if not 1 <= wanted.every_minutes <= MAX_MINUTES:
        raise SettingsRefused(f"the polling interval must be 1 to {MAX_MINUTES} minutes",
                              field="every_minutes")
    if wanted.qbxml_version not in QBXML_VERSIONS:
        raise SettingsRefused(f"qbXML version must be one of {', '.join(QBXML_VERSIONS)}",
                              field="qbxml_version")
    if wanted.closing_date_policy not in (None, *CLOSING_POLICIES):
        raise SettingsRefused("the closing-date policy must be hold or post_on_open_date",
                              field="closing_date_policy")
    before = _current(company)
    company.every_minutes = wanted.every_minutes
    company.every_seconds = None  # minutes set here win over a seconds interval
    company.qbxml_version = wanted.qbxml_version
    company.approval_required = wanted.approval_required
    company.closing_date_policy = wanted.closing_date_policy
    after = _current(company)
    changed = {key: (before[key], after[key]) for key in after if before[key] != after[key]}
    if changed:
        audit.record(session, actor=actor, action="company settings", target_type="company",
                     target_id=company.id,
                     before={key: pair[0] for key, pair in changed.items()},
                     after={key: pair[1] for key, pair in changed.items()})
    return changed
