"""What QuickBooks tells us on the first sendRequestXML of a run (strHCPResponse).

The HostQuery, CompanyQuery and PreferencesQuery answers decide the qbXML version we
speak, which features we may use (sites, currencies, classes), the closing date, and
whether the open company file is the one this Web Connector user was issued for.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from qbwc_service.db.models import Company
from qbwc_service.db.records import RunRecord
from qbwc_service.qbwc.qwc import owner_id
from qbwc_service.qbxml import negotiate_version, parse_hcp
from qbwc_service.settings import Settings

__all__ = ["apply_hcp"]

log = logging.getLogger(__name__)


def apply_hcp(
    session: Session, settings: Settings, company: Company, run: RunRecord, hcp_response: str
) -> str | None:
    """Store the HCP facts on the run and the company; return a problem that ends the run."""
    try:
        hcp = parse_hcp(hcp_response)
    except Exception:
        log.warning("could not read the company data QuickBooks sent for company %s", company.id)
        return (
            "QuickBooks sent company information this service could not read; the run was "
            "stopped. Check that QuickBooks is open on the right company file and try again."
        )
    run.hcp_parsed = True
    run.qb_product = (hcp.product_name or "")[:200] or None
    company.qb_product = run.qb_product
    company.qb_country = hcp.country
    company.qb_supported_versions = ",".join(hcp.supported_versions)[:200]
    company.multi_site_enabled = hcp.multi_location_enabled
    company.multi_currency_enabled = hcp.multi_currency_on
    company.class_tracking_enabled = hcp.class_tracking
    company.closing_date = hcp.closing_date
    company.home_currency = hcp.home_currency

    seen_file_id = hcp.data_extensions.get((owner_id(session), "FileID"))
    if seen_file_id:
        company.qb_file_id_seen = seen_file_id.strip("{}").lower()
        if company.qb_file_id_seen != company.file_id.strip("{}").lower():
            return (
                "The company file open in QuickBooks is not the one this Web Connector user "
                f"belongs to ({company.name}). Open the right company file, or add the "
                "matching .qwc for this one."
            )

    version = negotiate_version(company.qbxml_version, hcp.supported_versions)
    if version is None:
        return (
            f"This QuickBooks ({hcp.product_name or 'unknown product'}) supports qbXML "
            f"{', '.join(hcp.supported_versions) or 'no known version'}; the company is set to "
            f"qbXML {company.qbxml_version}. Lower the company's qbXML version."
        )
    run.qbxml_version = version
    company.negotiated_version = version
    return None
