"""The console's pages, in the order they are registered."""

from __future__ import annotations

from flask import Blueprint

from qbwc_service.web import (
    auth_views,
    companies,
    dashboard,
    held,
    reconciliation,
    request_detail,
    request_log,
    support,
)

__all__ = ["BLUEPRINTS"]

BLUEPRINTS: tuple[Blueprint, ...] = (
    auth_views.blueprint,
    support.blueprint,
    dashboard.blueprint,
    request_log.blueprint,
    request_detail.blueprint,
    held.blueprint,
    reconciliation.blueprint,
    companies.blueprint,
)
