"""The console's pages, in the order they are registered."""

from __future__ import annotations

from flask import Blueprint

from qbwc_service.web import (
    audit_trail,
    auth_views,
    bulk,
    companies,
    dashboard,
    held,
    reconciliation,
    request_detail,
    request_log,
    schedule,
    settings,
    support,
    users,
)

__all__ = ["BLUEPRINTS"]

BLUEPRINTS: tuple[Blueprint, ...] = (
    auth_views.blueprint,
    support.blueprint,
    dashboard.blueprint,
    request_log.blueprint,
    bulk.blueprint,
    request_detail.blueprint,
    held.blueprint,
    reconciliation.blueprint,
    companies.blueprint,
    settings.blueprint,
    schedule.blueprint,
    audit_trail.blueprint,
    users.blueprint,
)
