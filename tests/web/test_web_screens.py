"""The second-pass screens: people, audit trail, settings, schedule, blocked work, links, local times."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from web_helpers import sign_in
from web_seed import PASSWORD, Seeded, seed_fixable

from qbwc_service.context import AppContext
from qbwc_service.db.models import AuditEvent, WebUser, utcnow
from qbwc_service.services.magento import admin_base_url
from qbwc_service.settings import load_settings
from qbwc_service.web import create_web_app

Client = Callable[[str], tuple[FlaskClient, str]]


def _user(ctx: AppContext, name: str) -> WebUser:
    with ctx.db.session() as session:
        user = session.scalar(select(WebUser).where(WebUser.username == name))
        session.expunge(user)
        return user


def test_admin_manages_people(client_for: Client, web_app: Flask, app_context: AppContext,
                              seeded: Seeded) -> None:
    """Add, disable (the person is signed out and refused), enable, reset, unlock; all audited."""
    admin, token = client_for("ada")
    admin.post("/users", data={"csrf_token": token, "username": "carol", "role": "bookkeeper",
                               "password": "a long enough secret"})
    carol = _user(app_context, "carol")
    assert carol.role == "bookkeeper"
    bob_client, _ = client_for("bob")
    bob = _user(app_context, "bob")
    admin.post(f"/users/{bob.id}/disable", data={"csrf_token": token})
    assert _user(app_context, "bob").disabled_at is not None
    assert bob_client.get("/requests").status_code == 302  # signed out at the next page
    refused = web_app.test_client()
    assert refused.post("/login", data={"username": "bob", "password": PASSWORD,
                                        "csrf_token": "x"}).status_code in (400, 401)
    admin.post(f"/users/{bob.id}/enable", data={"csrf_token": token})
    admin.post(f"/users/{bob.id}/reset", data={"csrf_token": token, "password": "short"})
    assert "Not done" in admin.get("/users").get_data(as_text=True)
    admin.post(f"/users/{bob.id}/reset", data={"csrf_token": token, "password": "a brand new secret"})
    sign_in(web_app.test_client(), "bob", "a brand new secret")
    with app_context.db.session() as session:
        session.execute(update(WebUser).where(WebUser.username == "carol")
                        .values(locked_until=utcnow() + timedelta(hours=1), failed_attempts=5))
    assert "Unlock carol" in admin.get("/users").get_data(as_text=True)
    admin.post(f"/users/{carol.id}/unlock", data={"csrf_token": token})
    assert _user(app_context, "carol").locked_until is None
    me = _user(app_context, "ada")
    admin.post(f"/users/{me.id}/disable", data={"csrf_token": token})
    assert _user(app_context, "ada").disabled_at is None
    with app_context.db.session() as session:
        actions = set(session.scalars(select(AuditEvent.action)))
    assert {"web-user add", "web-user disable", "web-user enable", "web-user password",
            "web-user unlock"} <= actions


def test_audit_trail_filters_and_reports_a_broken_chain(client_for: Client, seeded: Seeded,
                                                        app_context: AppContext) -> None:
    """The trail filters by person and action; an edited row is named as breaking the chain."""
    client, token = client_for("bob")
    client.post(f"/requests/{seeded.failed_invoice_id}/retry", data={"csrf_token": token})
    html = client.get("/audit?person=bob&action=retry").get_data(as_text=True)
    assert "Verified" in html and "1 event" in html and f"request #{seeded.failed_invoice_id}" in html
    with app_context.db.session() as session:
        first = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).first()
        session.execute(update(AuditEvent).where(AuditEvent.id == first).values(actor="web:mallory"))
    html = client.get("/audit").get_data(as_text=True)
    assert "has been altered" in html and f"breaks at event {first}" in html


def test_settings_page_is_read_only_for_a_bookkeeper(client_for: Client, seeded: Seeded) -> None:
    """A bookkeeper sees the settings disabled and without a Save button; saving is 403."""
    client, token = client_for("bob")
    html = client.get(f"/companies/{seeded.company_id}/settings").get_data(as_text=True)
    assert "<fieldset disabled>" in html and "Save settings" not in html
    assert client.post(f"/companies/{seeded.company_id}/settings",
                       data={"csrf_token": token, "every_minutes": "5"}).status_code == 403


def test_blocked_work_is_counted_filtered_and_named(client_for: Client, seeded: Seeded,
                                                    app_context: AppContext) -> None:
    """Requests behind a failure get the blocked chip, their own filter and a dashboard count."""
    fixable = seed_fixable(app_context.db, seeded.company_id)
    client, _ = client_for("vera")
    html = client.get(f"/?company={seeded.company_id}").get_data(as_text=True)
    assert 'id="blocked-count">2<' in html
    html = client.get("/requests?status=blocked").get_data(as_text=True)
    assert "2 requests" in html
    assert f"blocked by #{fixable.closed_invoice_id}" in html
    assert f"blocked by #{fixable.collision_customer_id}" in html
    detail = client.get(f"/requests/{fixable.payment_id}").get_data(as_text=True)
    assert f'id="blocked-by" href="/requests/{fixable.closed_invoice_id}"' in detail


def test_grid_filters_by_document_date_and_amount(client_for: Client, seeded: Seeded,
                                                  app_context: AppContext) -> None:
    """Document date and amount filters pick the invoices by their Magento facts."""
    fixable = seed_fixable(app_context.db, seeded.company_id)
    client, _ = client_for("vera")
    html = client.get("/requests?doc_from=2026-02-01&doc_to=2026-02-28").get_data(as_text=True)
    assert "1 request<" in html and f'aria-label="Request {fixable.waiting_invoice_id}"' in html
    html = client.get("/requests?min=100&max=200").get_data(as_text=True)
    assert "2 requests" in html and "120.00" in html  # the invoice and its payment


def test_magento_links_and_local_times(app_context: AppContext, seeded: Seeded) -> None:
    """With a store configured, references link to its admin; times show in the company's zone."""
    settings = load_settings(None, environ={}, data_dir=app_context.settings.data_dir)
    settings = type(settings)(**{**settings.__dict__, "extra": {"companies": {"Acme Books": {
        "mapping": {"timezone": "Europe/Berlin"},
        "magento": {"base_url": "https://shop.example.com", "auth_mode": "bearer",
                    "access_token": "t"}}}}})
    app = create_web_app(AppContext(settings, _database=app_context.db))
    client = app.test_client()
    sign_in(client, "vera")
    html = client.get(f"/requests/{seeded.failed_invoice_id}").get_data(as_text=True)
    assert 'href="https://shop.example.com/admin/sales/order_invoice/view/invoice_id/1234/"' in html
    assert "CET" in html and 'title="20' in html and " UTC" in html
    assert 'id="amount">39.90<' in html and 'id="customer">Smith &amp; Sons<' in html


def test_schedule_page_lists_pulls(app_context: AppContext, seeded: Seeded) -> None:
    """Each configured company's pulls appear with how often they run."""
    settings = load_settings(None, environ={}, data_dir=app_context.settings.data_dir)
    settings = type(settings)(**{**settings.__dict__, "extra": {"companies": {"Acme Books": {
        "magento": {"base_url": "https://shop.example.com", "auth_mode": "bearer",
                    "access_token": "t"}}}}})
    client = create_web_app(AppContext(settings, _database=app_context.db)).test_client()
    sign_in(client, "vera")
    html = client.get("/schedule").get_data(as_text=True)
    assert "orders, invoices, creditmemos" in html and "every 5 min" in html
    assert "every 60 min" in html and "Reconciliation" in html


@pytest.mark.parametrize(("magento", "expected"), [
    ({"base_url": "https://shop.example.com/"}, "https://shop.example.com/admin"),
    ({"base_url": "https://shop.example.com", "admin_url": "https://shop.example.com/backend_7x/"},
     "https://shop.example.com/backend_7x"),
    ({"base_url": "https://shop.example.com", "admin_url": "backend_7x"},
     "https://shop.example.com/admin"),
    ({"base_url": "shop.example.com"}, None),
    (None, None),
], ids=["base-url", "admin-url", "admin-url-not-an-address", "no-scheme", "no-store"])
def test_the_admin_address_of_a_store(app_context: AppContext, magento: Any,
                                      expected: str | None) -> None:
    """The console links to ``admin_url`` when it is an address, else to ``base_url`` +
    ``/admin``; nothing when the store has no http(s) address."""
    settings = load_settings(None, environ={}, data_dir=app_context.settings.data_dir)
    table = {} if magento is None else {"magento": magento}
    settings = type(settings)(**{**settings.__dict__,
                                 "extra": {"companies": {"Acme Books": table}}})
    assert admin_base_url(settings, "Acme Books") == expected
