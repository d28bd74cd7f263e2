"""The Magento store of a company as IT checks it: connection, store facts, and whether
the company file's edition can book what the store sells."""

from __future__ import annotations

from typing import Any

from magento_client.diagnose import StoreReport, check_store, explain
from magento_client.exceptions import MagentoError
from qbwc_service.context import AppContext
from qbwc_service.db.lookups import UnknownCompany, company_named
from qbwc_service.services.exceptions import ServiceError
from qbwc_service.sync.config import magento_client_for, magento_config_for
from qbwc_service.sync.exceptions import SyncError
from qbwc_service.sync.plan import CompanyFacts
from qbwc_service.sync.posting import check_tax_edition

__all__ = ["check_magento", "magento_client", "tax_edition_problem"]


def check_magento(ctx: AppContext, company_name: str) -> StoreReport:
    """Connect to the company's store and report on it; a refusal says what to fix."""
    try:
        config = magento_config_for(ctx.settings, company_name)
    except SyncError as exc:
        raise ServiceError(str(exc)) from None
    try:
        return check_store(config)
    except MagentoError as error:
        raise ServiceError(explain(config, error)) from error


def magento_client(ctx: AppContext, company_name: str) -> Any:
    """The company's Magento client, as the scheduler builds it."""
    return magento_client_for(ctx.settings, company_name)


def tax_edition_problem(ctx: AppContext, company_name: str) -> str | None:
    """Why the US sales tax mapping cannot book into the company file's QuickBooks edition
    (known once the Web Connector has connected); None when it can or nothing is known."""
    with ctx.db.session() as session:
        try:
            facts = CompanyFacts.from_company(company_named(session, company_name))
        except UnknownCompany:
            return None  # no company file set up yet: nothing known about its edition
        try:
            check_tax_edition(facts)
        except SyncError as exc:
            return str(exc)
    return None
