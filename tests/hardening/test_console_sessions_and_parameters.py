"""Findings 4 and 9 against the console over real HTTP.

4: a saved cookie kept reading pages after POST /logout, and sessions had no maximum age.
9: /requests?to=9999-12-31 and an over-long request id gave a 500 page.
"""

from __future__ import annotations

import re
import time

import pytest
import requests
from sqlalchemy import select

from qbwc_service.db.models import WebUser
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.services.console_auth import add_web_user
from qbwc_service.web import create_web_app

from .conftest import CALL_TIMEOUT, LiveService

CONSOLE_PASSWORD = "a long console password"


def _token(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


@pytest.fixture(scope="module")
def console_user(live: LiveService) -> str:
    with live.ctx.db.session() as session:
        add_web_user(session, "hardening-admin", CONSOLE_PASSWORD, "admin", actor="test")
    return "hardening-admin"


def _signed_in(live: LiveService, username: str) -> requests.Session:
    browser = requests.Session()
    page = browser.get(live.url + "/login", timeout=CALL_TIMEOUT).text
    reply = browser.post(live.url + "/login", data={
        "username": username, "password": CONSOLE_PASSWORD, "csrf_token": _token(page)},
        allow_redirects=False, timeout=CALL_TIMEOUT)
    assert reply.status_code == 302, reply.text[:300]
    return browser


def test_a_saved_cookie_is_void_after_logout(live: LiveService, console_user: str) -> None:
    browser = _signed_in(live, console_user)
    saved = browser.cookies.get("qbwc_console")
    page = browser.get(live.url + "/requests", timeout=CALL_TIMEOUT)
    assert page.status_code == 200
    reply = browser.post(live.url + "/logout", data={"csrf_token": _token(page.text)},
                         allow_redirects=False, timeout=CALL_TIMEOUT)
    assert reply.status_code == 302
    thief = requests.Session()
    thief.cookies.set("qbwc_console", saved)
    replay = thief.get(live.url + "/requests", allow_redirects=False, timeout=CALL_TIMEOUT)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]
    live.assert_still_serving()


def test_a_password_change_ends_every_session(live: LiveService, console_user: str) -> None:
    browser = _signed_in(live, console_user)
    assert browser.get(live.url + "/requests", timeout=CALL_TIMEOUT).status_code == 200
    with live.ctx.db.session() as session:
        user = session.scalars(select(WebUser).where(WebUser.username == console_user)).one()
        user.password_hash = hash_password(CONSOLE_PASSWORD)  # the same words, a new hash
    replay = browser.get(live.url + "/requests", allow_redirects=False, timeout=CALL_TIMEOUT)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_a_busy_session_still_ends_at_its_maximum_age(live: LiveService, console_user: str) -> None:
    app = create_web_app(live.ctx)
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    client.post("/login", data={"username": console_user, "password": CONSOLE_PASSWORD,
                                "csrf_token": _token(page)})
    assert client.get("/requests").status_code == 200
    with client.session_transaction() as cookie:
        # Active a minute ago, signed in longer ago than web_session_max_hours.
        cookie["seen"] = int(time.time()) - 60
        cookie["born"] = int(time.time()) - live.ctx.settings.web_session_max_hours * 3600 - 5
    reply = client.get("/requests")
    assert reply.status_code == 302 and "/login" in reply.headers["Location"]


@pytest.mark.parametrize(("path", "status"), [
    ("/requests?to=9999-12-31", 400),
    ("/requests?from=0001-01-01", 400),
    ("/requests?to=2024-02-30", 400),
    ("/requests?company=99999999999999999999999", 400),
    ("/requests?page=-1", 400),
    ("/requests.csv?to=9999-12-31", 400),
    ("/requests/99999999999999999999999999999999", 404),
    ("/requests/" + "9" * 400, 404),
    ("/reconciliation?day=9999-12-31", 400),
])
def test_invalid_console_parameters_are_refused_not_crashed(
        live: LiveService, console_user: str, path: str, status: int) -> None:
    browser = _signed_in(live, console_user)
    reply = browser.get(live.url + path, allow_redirects=False, timeout=CALL_TIMEOUT)
    assert reply.status_code == status, (path, reply.status_code)
    assert "Traceback" not in reply.text and "OverflowError" not in reply.text
    assert browser.get(live.url + "/requests?to=2026-12-31", timeout=CALL_TIMEOUT).status_code == 200
