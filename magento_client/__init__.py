"""Magento 2 REST client: OAuth 1.0a signing, searchCriteria, paging, retries, typed documents.

Knows nothing about QuickBooks. The fake store used by tests and the sandbox lives in
:mod:`magento_client.fake`.
"""

from __future__ import annotations

from magento_client.client import ENTITIES, IncrementalPull, MagentoClient
from magento_client.config import MagentoConfig
from magento_client.exceptions import (
    MagentoAPIError,
    MagentoAuthError,
    MagentoBadRequest,
    MagentoBadResponse,
    MagentoConfigError,
    MagentoError,
    MagentoForbidden,
    MagentoNotFound,
    MagentoRateLimited,
    MagentoServerError,
    MagentoTimeout,
    MagentoTransportError,
)
from magento_client.search import Filter, SearchCriteria

__all__ = [
    "ENTITIES",
    "Filter",
    "IncrementalPull",
    "MagentoAPIError",
    "MagentoAuthError",
    "MagentoBadRequest",
    "MagentoBadResponse",
    "MagentoClient",
    "MagentoConfig",
    "MagentoConfigError",
    "MagentoError",
    "MagentoForbidden",
    "MagentoNotFound",
    "MagentoRateLimited",
    "MagentoServerError",
    "MagentoTimeout",
    "MagentoTransportError",
    "SearchCriteria",
]
