"""Sign-in, lockout, CSRF, roles, idle timeout, cookies and the secret key."""

from __future__ import annotations

import os
import re
import stat
import time
from collections.abc import Callable
from dataclasses import replace

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from web_helpers import csrf_from
from web_seed import PASSWORD, Seeded

from qbwc_service.context import AppContext
from qbwc_service.db.models import AuditEvent, Request, WebUser
from qbwc_service.services.audit import verify_chain
from qbwc_service.web import create_web_app, resolve_secret_key

Client = Callable[[str], tuple[FlaskClient, str]]


def _login(client: FlaskClient, username: str, password: str) -> tuple[int, str]:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": password,
                                           "csrf_token": token})
    return response.status_code, response.get_data(as_text=True)


def test_wrong_password_is_refused_without_saying_which_part(web_app: Flask) -> None:
    """A wrong password and an unknown user get the same 401 message."""
    client = web_app.test_client()
    wrong = _login(client, "bob", "not the password")
    unknown = _login(client, "nobody", "not the password")
    assert wrong[0] == unknown[0] == 401
    assert "That user name and password do not match." in wrong[1]
    assert "That user name and password do not match." in unknown[1]


def test_repeated_failures_delay_sign_ins_with_one_message_for_any_name(
        web_app: Flask, app_context: AppContext) -> None:
    """After lockout_attempts wrong passwords even the right one waits ("try again in N
    minutes"), and an unknown name gets exactly the same page: no user enumeration."""
    attempts = app_context.settings.lockout_attempts
    pages = {}
    for name in ("bob", "nobody-by-that-name"):
        client = web_app.test_client()
        for _ in range(attempts):
            assert _login(client, name, "wrong password!")[0] == 401
        status, html = _login(client, name, PASSWORD)
        assert status == 429 and "Try again in 1 minute." in html
        pages[name] = re.sub(r'value="[^"]*"', 'value=""', html)  # the name, the CSRF token
    assert pages["bob"] == pages["nobody-by-that-name"]
    with app_context.db.session() as session:
        user = session.scalar(select(WebUser).where(WebUser.username == "bob"))
        assert user is not None and user.locked_until is None
        actions = list(session.scalars(select(AuditEvent.action)))
    assert "login refused" in actions and "login" not in actions


def test_login_writes_audit_and_logout_needs_post_with_token(client_for: Client,
                                                             app_context: AppContext) -> None:
    """Sign-in and sign-out are audited; sign-out is a CSRF-protected POST."""
    client, token = client_for("bob")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 302
    assert client.get("/").status_code == 302  # signed out now
    with app_context.db.session() as session:
        events = [(e.actor, e.action) for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert ("web:bob", "login") in events and ("web:bob", "logout") in events


def test_post_without_csrf_token_is_refused(client_for: Client, seeded: Seeded,
                                            app_context: AppContext) -> None:
    """A POST with no token or a wrong token gets 400 with a plain message and changes nothing."""
    client, token = client_for("bob")
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token + "x"}):
        response = client.post(f"/requests/{seeded.failed_invoice_id}/retry", data=data)
        assert response.status_code == 400
        assert "security token is missing or out of date" in response.get_data(as_text=True)
        assert "Traceback" not in response.get_data(as_text=True)
    with app_context.db.session() as session:
        assert session.get(Request, seeded.failed_invoice_id).status == "failed"


def test_login_form_needs_csrf_token(web_app: Flask) -> None:
    """Even the sign-in form refuses a POST without the token (login CSRF)."""
    response = web_app.test_client().post("/login", data={"username": "bob", "password": PASSWORD})
    assert response.status_code == 400


def test_viewer_cannot_post_actions(client_for: Client, seeded: Seeded, app_context: AppContext) -> None:
    """A viewer with a valid token gets 403 on retry and on bulk approve."""
    client, token = client_for("vera")
    response = client.post(f"/requests/{seeded.failed_invoice_id}/retry", data={"csrf_token": token})
    assert response.status_code == 403
    response = client.post("/held", data={"csrf_token": token, "action": "approve",
                                          "request_id": seeded.held_ids[0]})
    assert response.status_code == 403
    with app_context.db.session() as session:
        assert session.get(Request, seeded.failed_invoice_id).status == "failed"
        assert session.get(Request, seeded.held_ids[0]).status == "held"


def test_idle_session_is_signed_out(client_for: Client, app_context: AppContext) -> None:
    """A session idle longer than web_idle_minutes is cleared and sent to sign in."""
    client, _ = client_for("bob")
    with client.session_transaction() as cookie_session:
        cookie_session["seen"] = int(time.time()) - app_context.settings.web_idle_minutes * 60 - 5
    response = client.get("/requests")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert "period of inactivity" in client.get("/login").get_data(as_text=True)


def test_session_cookie_flags(web_app: Flask) -> None:
    """The cookie is HttpOnly and SameSite=Lax; Secure only over https."""
    plain = web_app.test_client().get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    secure = web_app.test_client().get("/login", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in secure


def test_cookie_secure_when_public_url_is_https(app_context: AppContext, seeded: Seeded) -> None:
    """With an https public_url the cookie is Secure even behind a plain-http proxy hop."""
    ctx = AppContext(replace(app_context.settings, public_url="https://qb.example.com"),
                     _database=app_context.db)
    cookie = create_web_app(ctx).test_client().get("/login").headers["Set-Cookie"]
    assert "Secure" in cookie


def test_sign_in_redirects_only_to_same_site_paths(web_app: Flask) -> None:
    """next=/held is honoured; next=//evil.example is not (no open redirect)."""
    client = web_app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    ok = client.post("/login", data={"username": "bob", "password": PASSWORD,
                                     "csrf_token": token, "next": "/held"})
    assert ok.headers["Location"] == "/held"
    client = web_app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    evil = client.post("/login", data={"username": "bob", "password": PASSWORD,
                                       "csrf_token": token, "next": "//evil.example/x"})
    assert evil.headers["Location"] == "/"


def test_secret_key_generated_once_with_private_permissions(app_context: AppContext) -> None:
    """Without a configured key one is written to data_dir/secret_key (0600) and reused."""
    first = resolve_secret_key(app_context.settings)
    path = app_context.settings.data_dir / "secret_key"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert resolve_secret_key(app_context.settings) == first and len(first) == 64
    configured = replace(app_context.settings, secret_key="from-config")
    assert resolve_secret_key(configured) == "from-config"


def test_passwords_are_argon2id(app_context: AppContext, seeded: Seeded) -> None:
    """Stored console password hashes are argon2id, never the password."""
    with app_context.db.session() as session:
        hashes = list(session.scalars(select(WebUser.password_hash)))
        assert verify_chain(session) == []
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_errors_never_show_a_trace(web_app: Flask, client_for: Client, monkeypatch) -> None:
    """An unexpected failure renders a plain 500 page without internals."""
    from qbwc_service.services import log as queries

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(queries, "log_page", boom)
    web_app.config["TESTING"] = False
    web_app.config["PROPAGATE_EXCEPTIONS"] = False
    client, _ = client_for("vera")
    response = client.get("/requests")
    html = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in html and "Traceback" not in html
    assert "could not show this page" in html


def test_failed_sign_ins_from_one_address_are_throttled(app_context: AppContext, seeded: Seeded) -> None:
    """Past the per-address limit, sign-ins from that address get 429, others still work."""
    settings = replace(app_context.settings, address_login_limit=2, lockout_attempts=100)
    app = create_web_app(AppContext(settings, _database=app_context.db))
    attacker = app.test_client()
    attacker.environ_base["HTTP_X_FORWARDED_FOR"] = "203.0.113.7"
    for user in ("bob", "ada"):
        assert _login(attacker, user, "wrong password!")[0] == 401
    status, html = _login(attacker, "bob", PASSWORD)
    assert status == 429 and "Try again in" in html
    elsewhere = app.test_client()
    elsewhere.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.8"
    assert _login(elsewhere, "bob", PASSWORD)[0] == 302
