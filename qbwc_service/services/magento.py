"""The Magento store of a company as IT checks it: connection, store facts, and whether
the company file's edition can book what the store sells."""

from __future__ import annotations

from typing import Any

from magento_client.diagnose import StoreReport, check_store, explain
from magento_client.exceptions import MagentoError
from qbwc_service.context import AppContext
from qbwc_service.db.lookups import UnknownCompany, company_named
from qbwc_service.services.exceptions import ServiceError
from qbwc_service.settings import Settings
from qbwc_service.sync.config import (
    company_table,
    load_company_config,
    magento_client_for,
    magento_config_for,
)
from qbwc_service.sync.exceptions import SyncError
from qbwc_service.sync.plan import CompanyFacts
from qbwc_service.sync.posting import base_currency_problem, check_tax_edition

__all__ = [
    "admin_base_url",
    "check_magento",
    "currency_problem",
    "magento_client",
    "tax_agency_warning",
    "tax_edition_problem",
]


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


def _facts(ctx: AppContext, company_name: str) -> CompanyFacts | None:
    """What QuickBooks last reported of the company file; None for an unknown company."""
    with ctx.db.session() as session:
        try:
            return CompanyFacts.from_company(company_named(session, company_name))
        except UnknownCompany:
            return None


def tax_edition_problem(ctx: AppContext, company_name: str) -> str | None:
    """Why the US sales tax mapping cannot book into the company file's QuickBooks edition
    (known once the Web Connector has connected); None when it can or nothing is known."""
    facts = _facts(ctx, company_name)
    if facts is None:
        return None  # no company file set up yet: nothing known about its edition
    try:
        check_tax_edition(facts)
    except SyncError as exc:
        return str(exc)
    return None


def currency_problem(ctx: AppContext, company_name: str, report: StoreReport) -> str | None:
    """Why the store's base currency cannot be booked: QuickBooks' home currency, as
    QuickBooks reported it at its last Web Connector connection, is another one. None
    when they agree or nothing is known yet."""
    bases = [config.base_currency_code for config in report.store_configs]
    if report.store is not None:
        bases.insert(0, report.store.base_currency_code)
    facts = _facts(ctx, company_name)
    if facts is None:
        return None
    for base in dict.fromkeys(code for code in bases if code):
        problem = base_currency_problem(base, facts)
        if problem:
            return problem
    return None


def tax_agency_warning(ctx: AppContext, company_name: str) -> str | None:
    """Why the sales tax the store collects would not be fully traceable in QuickBooks:
    no ``tax.agency`` is configured, so the sales tax items the service creates owe
    nobody (Pay Sales Tax cannot pay them, the liability report shows no agency) and a
    foreign document's tax rounding cannot be named on a Sales Tax Payable journal line.
    None when an agency is set."""
    try:
        config = load_company_config(ctx.settings, company_name)
    except SyncError as exc:
        raise ServiceError(str(exc)) from None
    if config.tax.agency:
        return None
    return ("no tax agency: set [companies.NAME.mapping.tax] agency to the QuickBooks vendor "
            "the collected sales tax is owed to; without it the sales tax items created owe "
            "nobody and the tax rounding of foreign-currency documents stays in Exchange "
            "Gain or Loss")


def admin_base_url(settings: Settings, company_name: str) -> str | None:
    """Where the company's Magento admin answers: ``[companies.NAME.magento] admin_url``
    when set (stores move the admin off ``/admin``), else ``base_url`` + ``/admin``; None
    when neither is an http(s) address. Raises what reading the company's table raises."""
    magento = company_table(settings, company_name).get("magento")
    if not isinstance(magento, dict):
        return None
    configured = magento.get("admin_url")
    if isinstance(configured, str) and configured.startswith(("http://", "https://")):
        return configured.rstrip("/")
    base_url = str(magento.get("base_url", ""))
    if base_url.startswith(("http://", "https://")):
        return base_url.rstrip("/") + "/admin"
    return None
