"""Magento → QuickBooks accounting sync: mapping config, plans, pulls, inventory.

Import the parts from their modules: ``sync.config`` (per-company mapping),
``sync.plan`` / ``sync.posting`` (the posting rules) / ``sync.parties`` (pure planning),
``sync.runner`` (pull), ``sync.enqueue`` (planned requests into the queue), ``sync.scheduler`` and ``sync.lease`` (scheduled
jobs) and ``sync.inventory``. Reconciliation lives in ``qbwc_service.reconcile``.
"""

from __future__ import annotations

from qbwc_service.sync.config import CompanyMappingConfig, load_company_config
from qbwc_service.sync.exceptions import (
    LeaseError,
    MappingConfigError,
    PlanningError,
    SyncError,
    TotalsMismatch,
)
from qbwc_service.sync.plan import CompanyFacts, MemoryLookup, PlanContext, PlannedRequest

__all__ = [
    "CompanyFacts",
    "CompanyMappingConfig",
    "LeaseError",
    "MappingConfigError",
    "MemoryLookup",
    "PlanContext",
    "PlannedRequest",
    "PlanningError",
    "SyncError",
    "TotalsMismatch",
    "load_company_config",
]
