"""Connection check for one store: a report when it works, plain advice when it does not."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

import requests

from magento_client.client import MagentoClient
from magento_client.config import MagentoConfig
from magento_client.documents import Source, StoreConfig
from magento_client.exceptions import (
    MagentoAPIError,
    MagentoAuthError,
    MagentoError,
    MagentoNotFound,
    MagentoTransportError,
)

__all__ = ["CLOCK_SKEW_LIMIT_SECONDS", "StoreReport", "check_store", "explain"]

# Magento refuses OAuth timestamps more than 600 s away from its clock.
CLOCK_SKEW_LIMIT_SECONDS = 600.0
COUNTED = ("orders", "invoices", "creditmemos", "products", "customers")


@dataclass
class StoreReport:
    """What a successful check found."""

    base_url: str
    store_code: str
    store_configs: list[StoreConfig]
    sources: list[Source] | None
    counts: dict[str, int] = field(default_factory=dict)
    clock_skew_seconds: float | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def store(self) -> StoreConfig | None:
        return next((s for s in self.store_configs if s.code == self.store_code),
                    self.store_configs[0] if self.store_configs else None)


def _skew(client: MagentoClient) -> float | None:
    server = client.transport.last_server_date
    if server is None:
        return None
    return (server - datetime.now(UTC)).total_seconds()


def check_store(config: MagentoConfig, session: requests.Session | None = None) -> StoreReport:
    """Read store configs, MSI sources and document counts; raises :class:`MagentoError`."""
    with MagentoClient(replace(config, max_retries=min(config.max_retries, 1)), session) as client:
        configs = client.store_configs()
        report = StoreReport(config.base_url, config.store_code, configs, None,
                             clock_skew_seconds=_skew(client))
        if config.store_code not in ("all", "") and all(c.code != config.store_code for c in configs):
            report.warnings.append(f"store code {config.store_code!r} is not among "
                                   f"{', '.join(c.code for c in configs)}")
        try:
            report.sources = list(client.sources())
        except MagentoNotFound:
            report.warnings.append("MSI (inventory sources) is not installed; only legacy stock")
        for entity in COUNTED:
            report.counts[entity] = client.count(entity)
        skew = report.clock_skew_seconds
        if skew is not None and abs(skew) > CLOCK_SKEW_LIMIT_SECONDS / 2:
            report.warnings.append(f"this clock differs from Magento's by {skew:+.0f} s")
        return report


def explain(config: MagentoConfig, error: MagentoError,
            session: requests.Session | None = None) -> str:
    """Plain-language diagnosis of a failed check, with what to do about it."""
    text = error.message.lower()
    if isinstance(error, MagentoTransportError):
        return (f"Cannot reach Magento at {config.base_url} ({error.message}). Check the address, "
                "the firewall and TLS.")
    if isinstance(error, MagentoAuthError):
        if "2fa" in text:
            return ("Two-factor authentication blocks admin tokens (Magento_TwoFactorAuth). An "
                    "unattended service cannot type a one-time code: create an integration and use "
                    "auth_mode = \"oauth\" with its four credentials.")
        if config.auth_mode == "bearer" and "authorized" in text:
            return ("The access token was refused as a bearer token. Since Magento 2.4.4 "
                    "integration tokens are not accepted alone by default. Use auth_mode = "
                    "\"oauth\" with all four integration credentials (recommended), or enable "
                    "Stores > Configuration > Services > OAuth > Consumer Settings > \"Allow OAuth "
                    "Access Tokens to be used as standalone Bearer tokens\" "
                    "(bin/magento config:set oauth/consumer/enable_integration_as_bearer 1).")
        if "timestamp" in text or "nonce" in text:
            return ("Magento refused the request's timestamp: this machine's clock differs from the "
                    "Magento server's by more than 10 minutes. Synchronise both clocks (NTP).")
        if "signature method" in text:
            return "Magento accepts only HMAC-SHA256 signatures since 2.4.4; update the client."
        if "signature" in text:
            return ("Magento refused the OAuth signature. Re-copy the consumer secret and access "
                    "token secret from System > Extensions > Integrations (re-authorising the "
                    "integration changes them).")
        if "consumer" in text or "does not exist" in text:
            return (f"Magento does not accept these integration credentials ({error.message}). "
                    "Check the integration is active and its ACL resources include sales, "
                    "catalog, customers, stores and inventory.")
        return f"Magento refused the credentials: {error.message}"
    if isinstance(error, MagentoNotFound):
        return _explain_not_found(config, session)
    if isinstance(error, MagentoAPIError):
        return f"Magento answered {error.status}: {error.message}"
    return error.message


def _explain_not_found(config: MagentoConfig, session: requests.Session | None) -> str:
    """A 404 on storeConfigs means a wrong base URL or a wrong store code; find out which."""
    try:
        with MagentoClient(replace(config, store_code="", max_retries=0), session) as client:
            codes = [c.code for c in client.store_configs()]
    except MagentoError:
        return (f"No Magento REST API answers at {config.base_url}/rest. Check base_url (the "
                "store's address without /rest).")
    return (f"Store code {config.store_code!r} does not exist on this Magento. Known store "
            f"codes: {', '.join(codes)}. Set store_code to one of them.")
