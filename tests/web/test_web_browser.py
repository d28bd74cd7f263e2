"""The console in a real headless Chromium against a real server on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web_helpers import sign_in_browser
from web_seed import Seeded

from qbwc_service.context import AppContext
from qbwc_service.db.models import Request

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_bookkeeper_finds_failure_reads_it_and_retries(browser: Any, base_url: str, seeded: Seeded,
                                                        app_context: AppContext) -> None:
    """Log in, filter to failures, open one, read the explanation, retry, see it queued."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    sign_in_browser(page, base_url, "bob")
    page.get_by_role("link", name="Request log").click()
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/requests?*status=failed*")
    assert "3 requests" in page.locator("#result-count").inner_text()
    page.get_by_role("link", name=f"Request {seeded.failed_invoice_id}", exact=True).click()
    assert "does not exist in QuickBooks" in page.locator("#explanation").inner_text()
    assert page.locator("#request-status").inner_text() == "failed"
    assert page.locator("pre.xml .nt").first.is_visible()
    page.get_by_role("button", name="Retry").click()
    page.wait_for_load_state()
    assert page.locator("#request-status").inner_text() == "queued"
    assert "is now queued" in page.locator(".flash-success").inner_text()
    with app_context.db.session() as session:
        assert session.get(Request, seeded.failed_invoice_id).status == "queued"


def test_bookkeeper_approves_a_held_request(browser: Any, base_url: str, seeded: Seeded,
                                            app_context: AppContext) -> None:
    """Tick one held request, approve it, and it leaves the held list."""
    page = browser.new_page()
    sign_in_browser(page, base_url, "bob")
    page.goto(f"{base_url}/held")
    page.get_by_label(f"Select request {seeded.held_ids[0]}").check()
    page.get_by_role("button", name="Approve selected").click()
    page.wait_for_load_state()
    assert "1 request(s) done" in page.locator(".flash-success").inner_text()
    assert page.get_by_label(f"Select request {seeded.held_ids[0]}").count() == 0
    assert page.get_by_label(f"Select request {seeded.held_ids[1]}").count() == 1
    with app_context.db.session() as session:
        assert session.get(Request, seeded.held_ids[0]).status == "queued"


def test_admin_downloads_qwc(browser: Any, base_url: str, seeded: Seeded) -> None:
    """The companies page's link downloads a .qwc for the Web Connector user."""
    page = browser.new_page(accept_downloads=True)
    sign_in_browser(page, base_url, "ada")
    page.get_by_role("link", name="Companies").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Download .qwc for acme-wc").click()
    download = info.value
    assert download.suggested_filename == "Acme-Books-acme-wc.qwc"
    text = Path(download.path()).read_text(encoding="utf-8")
    assert "<UserName>acme-wc</UserName>" in text


def test_viewer_cannot_retry(browser: Any, base_url: str, seeded: Seeded, app_context: AppContext) -> None:
    """A viewer sees no Retry button, and a forged POST with its own token is refused 403."""
    page = browser.new_page()
    sign_in_browser(page, base_url, "vera")
    page.goto(f"{base_url}/requests/{seeded.failed_invoice_id}")
    assert page.get_by_role("button", name="Retry").count() == 0
    token = page.locator("form.signout input[name=csrf_token]").input_value()
    status = page.evaluate(
        """async ([url, token]) => {
            const body = new URLSearchParams({csrf_token: token});
            const response = await fetch(url, {method: "POST", body});
            return response.status;
        }""",
        [f"{base_url}/requests/{seeded.failed_invoice_id}/retry", token],
    )
    assert status == 403
    with app_context.db.session() as session:
        assert session.get(Request, seeded.failed_invoice_id).status == "failed"


def test_form_without_csrf_token_is_refused(browser: Any, base_url: str, seeded: Seeded,
                                            app_context: AppContext) -> None:
    """Submitting the Retry form with its token removed shows the 400 refusal page."""
    page = browser.new_page()
    sign_in_browser(page, base_url, "bob")
    page.goto(f"{base_url}/requests/{seeded.failed_invoice_id}")
    page.locator(".actions form input[name=csrf_token]").first.evaluate("node => node.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        page.get_by_role("button", name="Retry").click()
    assert info.value.status == 400
    page.wait_for_load_state()
    assert "security token is missing or out of date" in page.content()
    with app_context.db.session() as session:
        assert session.get(Request, seeded.failed_invoice_id).status == "failed"


def test_phone_width_has_no_horizontal_page_scroll(browser: Any, base_url: str, seeded: Seeded) -> None:
    """At 390 px the dashboard, detail and log fit the screen; the log's filters are folded."""
    page = browser.new_page(viewport={"width": 390, "height": 844})
    sign_in_browser(page, base_url, "bob")
    for path in ("/", f"/requests/{seeded.failed_invoice_id}", "/requests"):
        page.goto(base_url + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, path
    # The log's filters start folded on a phone, so the first screen shows results.
    assert page.locator("details.filters-box").get_attribute("open") is None
    assert page.locator("#result-count").is_visible()
