"""Jinja filters: how times, amounts, people and reported flags read on the console.

Times show in the company's time zone (its mapping config's ``timezone``) with the UTC
moment on hover; the request log's filters stay in UTC days, as the exports are.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import flask
from flask import Flask, g
from markupsafe import Markup, escape

from qbwc_service.services.companies_view import company_zone

__all__ = ["actor_label", "duration", "install", "local_time", "money", "utc_time", "yes_no"]

_ACTORS = {
    "sync": "Magento sync", "cli": "command line", "validation": "check before sending",
    "quickbooks": "QuickBooks", "handler": "QuickBooks answer", "system": "automatic recovery",
    "demo": "demo set-up",
}


def utc_time(value: datetime | date | None) -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    return value.isoformat()


def _zone(company_name: str | None) -> ZoneInfo:
    """The company's zone, asked once per request and company."""
    zones: dict[str | None, ZoneInfo] = g.setdefault("company_zones", {})
    if company_name not in zones:
        ctx = flask.current_app.extensions["qbwc_context"]
        zones[company_name] = company_zone(ctx.settings, company_name)
    return zones[company_name]


def local_time(value: datetime | None, company_name: str | None = None) -> Markup:
    """``<time>`` in the company's zone, with the UTC moment in its title (hover)."""
    if value is None:
        return Markup("—")
    moment = value.astimezone(UTC)
    local = moment.astimezone(_zone(company_name))
    text = local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")
    return Markup('<time datetime="{}" title="{}">{}</time>').format(
        moment.isoformat(), utc_time(moment), text.strip())


def money(amount: Decimal | None, currency: str | None = None) -> str:
    if amount is None:
        return ""
    text = f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text


def actor_label(actor: str | None) -> str:
    """Who did it, in plain words: a person's name, "Web Connector", "Magento sync"."""
    if not actor:
        return "—"
    if actor.startswith("web:"):
        return actor[len("web:"):]
    if actor.startswith("session"):
        return "Web Connector"
    return _ACTORS.get(actor, actor)


def duration(value: timedelta | float | int | None) -> str:
    if value is None:
        return "—"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(int(seconds), 60)
    if minutes < 120:
        return f"{minutes} min {rest} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def yes_no(value: bool | None) -> str:
    if value is None:
        return "not reported yet"
    return "yes" if value else "no"


def install(app: Flask) -> None:
    app.add_template_filter(utc_time, "utc_time")
    app.add_template_filter(local_time, "local_time")
    app.add_template_filter(money, "money")
    app.add_template_filter(actor_label, "actor")
    app.add_template_filter(duration, "duration")
    app.add_template_filter(yes_no, "yes_no")
    app.add_template_global(escape, "escape")
    from qbwc_service.services.log import operation_label
    from qbwc_service.web.magento_links import magento_admin_link

    app.add_template_filter(operation_label, "operation")
    app.add_template_global(magento_admin_link, "magento_link")
