"""The bookkeeper's and administrator's flows in a real headless Chromium.

Bulk retry of a filter's failures, cancel with dependents, the two fix actions, company
settings reaching the .qwc and the Web Connector, the audit trail, the overdue banner, and
a viewer who sees no action controls and is refused on every action URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from web_helpers import sign_in_browser
from web_seed import Fixable, Seeded, seed_fixable

from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, Request, WcRun, utcnow
from qbwc_service.handlers import Registry
from qbwc_service.qbwc.runs import Runs

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def fixable(app_context: AppContext, seeded: Seeded) -> Fixable:
    return seed_fixable(app_context.db, seeded.company_id)


def _request(ctx: AppContext, request_id: int) -> Request:
    with ctx.db.session() as session:
        row = session.get(Request, request_id)
        session.expunge(row)
        return row


def test_bulk_retry_of_every_failure_matching_a_filter(browser: Any, base_url: str, seeded: Seeded,
                                                       fixable: Fixable, app_context: AppContext) -> None:
    """Filter to failures, select all N matching, confirm with the count: every one is queued again."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_browser(page, base_url, "bob")
    page.goto(f"{base_url}/requests?status=failed&per_page=25")
    total = int(page.locator("#result-count").inner_text().split()[0])
    assert total == 5
    page.get_by_label(f"Select all {total} matching this filter").check()
    page.get_by_role("button", name="Retry selected").click()
    assert page.locator("#confirm-title").inner_text() == f"Retry {total} requests?"
    page.get_by_label("Reason (optional)").fill("QuickBooks admin fixed the item list")
    page.get_by_role("button", name=f"Retry {total} requests").click()
    page.wait_for_url("**/requests?*status=failed*")
    assert f"Retry: {total} request(s) done." in page.locator(".flash-success").inner_text()
    assert "0 requests" in page.locator("#result-count").inner_text()
    for request_id in (seeded.failed_invoice_id, seeded.failed_memo_id, fixable.closed_invoice_id,
                       fixable.collision_customer_id):
        assert _request(app_context, request_id).status == "queued"


def test_cancel_offers_and_cancels_the_dependents(browser: Any, base_url: str, fixable: Fixable,
                                                  app_context: AppContext) -> None:
    """Cancel asks a reason, lists the payment behind the invoice, and cancels both."""
    page = browser.new_page()
    sign_in_browser(page, base_url, "bob")
    page.goto(f"{base_url}/requests/{fixable.closed_invoice_id}")
    page.get_by_role("button", name="Cancel…").click()
    assert page.locator("#confirm-title").inner_text() == "Cancel 1 request?"
    assert f"#{fixable.payment_id} Payment" in page.locator("#dependents").inner_text()
    assert page.get_by_label("Also cancel it").is_checked()
    page.get_by_role("button", name="Cancel 1 request").click()  # no reason: the browser refuses
    assert page.locator("#confirm-title").count() == 1
    page.get_by_label("Reason (required)").fill("order refunded in full before posting")
    page.get_by_role("button", name="Cancel 1 request").click()
    page.wait_for_url(f"**/requests/{fixable.closed_invoice_id}")
    assert "Cancel: 2 request(s) done." in page.locator(".flash-success").inner_text()
    assert page.locator("#request-status").inner_text() == "canceled"
    assert _request(app_context, fixable.payment_id).status == "canceled"


def test_closed_period_fix_posts_on_the_first_open_date(browser: Any, base_url: str, fixable: Fixable,
                                                        app_context: AppContext) -> None:
    """The page explains the closing date, offers the first open date, and re-dates invoice and payment."""
    page = browser.new_page()
    sign_in_browser(page, base_url, "bob")
    page.goto(f"{base_url}/requests/{fixable.closed_invoice_id}")
    explanation = page.locator("#explanation").inner_text()
    assert "closing date" in explanation and "not enabled" not in explanation
    assert "Needs a fix" in page.locator("#what-next").inner_text()
    assert "(2026-02-01)" in page.locator("#fixes-title + form").inner_text()
    page.get_by_role("button", name="Post on the first open date").click()
    page.wait_for_load_state()
    assert "2 request(s) re-dated" in page.locator(".flash-success").inner_text()
    assert page.locator("#request-status").inner_text() == "queued"
    assert page.locator("#document-date").inner_text() == "2026-02-01"
    invoice, payment = (_request(app_context, fixable.closed_invoice_id),
                        _request(app_context, fixable.payment_id))
    assert invoice.payload["TxnDate"] == payment.payload["TxnDate"] == "2026-02-01"
    assert "Magento date 2026-01-15" in invoice.payload["Memo"]


def test_name_collision_fix_links_the_existing_customer(browser: Any, base_url: str, fixable: Fixable,
                                                        app_context: AppContext) -> None:
    """The log shows 3100 (not "Status OK"); the fix queues a link to the existing customer."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_browser(page, base_url, "bob")
    page.goto(f"{base_url}/requests?status=failed")
    row = page.locator("tr", has=page.get_by_role("link", name=f"Request {fixable.collision_customer_id}", exact=True))
    assert "3100" in row.inner_text() and "Status OK" not in row.inner_text()
    page.goto(f"{base_url}/requests?status=blocked")
    assert f"blocked by #{fixable.collision_customer_id}" in page.locator("table.log").inner_text()
    page.goto(f"{base_url}/requests/{fixable.collision_customer_id}")
    page.get_by_role("button", name="Use the existing QuickBooks record").click()
    page.wait_for_load_state()
    assert "linked to the existing QuickBooks record" in page.locator(".flash-success").inner_text()
    customer = _request(app_context, fixable.collision_customer_id)
    assert (customer.status, customer.lookup_reason) == ("queued", "link_by_name")


def test_settings_change_the_interval_in_the_qwc_and_authenticate(
        browser: Any, base_url: str, seeded: Seeded, app_context: AppContext) -> None:
    """Saving a 7-minute interval: the downloaded .qwc says 7 and authenticate answers 420 s."""
    page = browser.new_page(accept_downloads=True)
    sign_in_browser(page, base_url, "ada")
    page.get_by_role("link", name="Companies").click()
    page.get_by_role("link", name="Settings of Acme Books").click()
    page.get_by_label("Web Connector polling interval (minutes)").fill("7")
    page.get_by_role("button", name="Save settings").click()
    page.wait_for_load_state()
    assert "Saved." in page.locator(".flash-success").inner_text()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download .qwc for acme-wc").click()
    text = Path(info.value.path()).read_text(encoding="utf-8")
    assert "<RunEveryNMinutes>7</RunEveryNMinutes>" in text
    answer = Runs(app_context, handlers=Registry()).authenticate("acme-wc", "x" * 12)
    assert answer[3] == "420"


def test_audit_page_shows_the_actions_and_a_verified_chain(
        browser: Any, base_url: str, seeded: Seeded, fixable: Fixable) -> None:
    """After a fix and a cancel, /audit lists them under the person, and the chain verifies."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_browser(page, base_url, "bob")
    page.goto(f"{base_url}/requests/{fixable.closed_invoice_id}")
    page.get_by_role("button", name="Post on the first open date").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/requests/{fixable.collision_customer_id}")
    page.get_by_label("New name").fill("Jones Ltd (web)")
    page.get_by_role("button", name="Rename and retry").click()
    page.wait_for_load_state()
    page.goto(f"{base_url}/requests/{seeded.queued_receipt_id}")
    page.get_by_role("button", name="Cancel…").click()
    page.get_by_label("Reason (required)").fill("test order")
    page.get_by_role("button", name="Cancel 1 request").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Person").fill("bob")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_load_state()
    assert "Verified" in page.locator("#chain-status").inner_text()
    table = page.locator("#audit-events").inner_text()
    for action in ("post_on_open_date", "rename", "cancel", "login"):
        assert action in table
    assert "TxnDate: 2026-01-15" in table and "Name: Jones Ltd (web)" in table
    assert "reason: test order" in table


def test_overdue_banner(browser: Any, base_url: str, seeded: Seeded, app_context: AppContext) -> None:
    """A company that never connected, or not within twice its interval, is named in a banner."""
    page = browser.new_page()
    sign_in_browser(page, base_url, "vera")
    banner = page.locator("#overdue-banner").inner_text()
    assert "Bravo Ltd has never connected" in banner and "Acme Books" not in banner
    with app_context.db.session() as session:
        long_ago = utcnow() - timedelta(minutes=25)  # the interval is 10 minutes
        session.get(Company, seeded.company_id).last_session_at = long_ago
        session.get(WcRun, "test-ticket").last_call_at = long_ago
    page.reload()
    banner = page.locator("#overdue-banner").inner_text()
    assert "Acme Books has not connected since" in banner and "every 10 minutes" in banner


def test_viewer_sees_no_action_controls_and_every_action_url_refuses(
        browser: Any, base_url: str, seeded: Seeded, fixable: Fixable, app_context: AppContext) -> None:
    """No checkbox, button or fix for a viewer; each action URL answers 403 even with a valid token."""
    page = browser.new_page()
    sign_in_browser(page, base_url, "vera")
    page.goto(f"{base_url}/requests?status=failed")
    assert page.locator("form#bulk").count() == 0 and page.locator("input[name=request_id]").count() == 0
    for request_id in (fixable.closed_invoice_id, fixable.collision_customer_id):
        page.goto(f"{base_url}/requests/{request_id}")
        assert page.locator(".actions").count() == 0
        assert page.get_by_role("button").all_inner_texts() == ["Sign out"]
    page.goto(f"{base_url}/held")
    assert page.get_by_role("button", name="Approve selected").count() == 0
    page.goto(f"{base_url}/companies/{seeded.company_id}/settings")
    assert page.get_by_role("button", name="Save settings").count() == 0
    assert page.get_by_role("link", name="People").count() == 0
    token = page.locator("form.signout input[name=csrf_token]").input_value()
    rid = fixable.closed_invoice_id
    urls = [f"/requests/{rid}/{action}" for action in ("retry", "hold", "release", "approve", "cancel")]
    urls += [f"/requests/{rid}/fix/{fix}" for fix in ("post_on_open_date", "link_existing", "rename")]
    urls += ["/requests/bulk/confirm", "/requests/bulk", "/held", "/users",
             f"/users/{seeded.customer_id}/disable", f"/users/{seeded.customer_id}/reset",
             f"/users/{seeded.customer_id}/unlock", f"/users/{seeded.customer_id}/enable",
             f"/companies/{seeded.company_id}/settings"]
    statuses = page.evaluate(
        """async ([urls, token]) => {
            const out = [];
            for (const url of urls) {
                const body = new URLSearchParams({csrf_token: token, action: "retry",
                    request_id: "1", ids: "1", reason: "x", name: "x", password: "long enough pw",
                    username: "mallory", role: "admin", every_minutes: "1", qbxml_version: "13.0"});
                out.push((await fetch(url, {method: "POST", body})).status);
            }
            return out;
        }""",
        [[base_url + url for url in urls], token],
    )
    assert statuses == [403] * len(urls), dict(zip(urls, statuses, strict=True))
    assert page.request.get(f"{base_url}/users").status == 403
    assert _request(app_context, rid).status == "failed"
