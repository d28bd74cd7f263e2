"""Every console page answers, signed in and out, and shows what the bookkeeper needs."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from flask.testing import FlaskClient
from web_seed import Seeded

Client = Callable[[str], tuple[FlaskClient, str]]


def test_pages_need_sign_in(web_app: Flask) -> None:
    """Anonymous visitors to console pages are sent to the login page with a way back."""
    client = web_app.test_client()
    for path in ("/", "/requests", "/requests/1", "/held", "/reconciliation", "/companies",
                 "/requests.csv"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response.headers["Location"].startswith("/login?next=")


def test_support_page_is_public_and_discloses_no_company_data(web_app: Flask, seeded: Seeded) -> None:
    """/support answers 200 anonymously with Web Connector advice and no company names."""
    response = web_app.test_client().get("/support")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for code in ("QBWC1048", "QBWC1012", "QBWC1013", "QBWC1016", "QuickBooks is not running",
                 "Application not authorised"):
        assert code in html
    assert 'href="/requests"' in html
    for secret in ("Acme Books", "Bravo Ltd", "000001234", "Smith", "acme-wc"):
        assert secret not in html


def test_dashboard_shows_last_session_depth_failures_and_chart(client_for: Client) -> None:
    """The dashboard lists the last run, queue depth per status, failures today and an SVG chart."""
    client, _ = client_for("vera")
    html = client.get("/").get_data(as_text=True)
    assert "Dashboard: Acme Books" in html
    assert "1 succeeded, 2 failed" in html and "42.0 s" in html
    assert '<span class="status status-held">held</span></a></th><td class="num">2</td>' in html
    assert '<p class="big-number bad">2</p>' in html
    assert "<svg" in html and html.count('class="bar bar-failed"') == 30
    assert "succeeded (2)" in html and "failed (3)" in html


def test_dashboard_switches_company(client_for: Client, seeded: Seeded) -> None:
    """?company= selects another company's dashboard."""
    client, _ = client_for("vera")
    html = client.get(f"/?company={seeded.other_company_id}").get_data(as_text=True)
    assert "Dashboard: Bravo Ltd" in html
    assert "has not connected for this company yet" in html


def test_request_detail_shows_explanation_xml_attempts_and_dependencies(
    client_for: Client, seeded: Seeded
) -> None:
    """The detail page explains the status and pretty-prints both qbXML bodies."""
    client, _ = client_for("vera")
    html = client.get(f"/requests/{seeded.failed_invoice_id}").get_data(as_text=True)
    assert "does not exist in QuickBooks" in html  # classify(3140).explanation
    assert '<span class="nt">&lt;InvoiceAddRq</span>' in html
    assert "Smith<span" in html and "&amp;amp;" in html  # escaped, never raw markup
    assert '<span class="na">statusCode=</span><span class="s">&#34;3140&#34;</span>' in html or \
        '<span class="na">statusCode=</span><span class="s">"3140"</span>' in html
    assert 'class="timeline"' in html and "status 3140" in html
    assert f'href="/requests/{seeded.customer_id}"' in html  # depends on the customer
    assert "<td>Web Connector</td>" in html  # the transitions table names who, in plain words


def test_viewer_sees_no_action_buttons(client_for: Client, seeded: Seeded) -> None:
    """A viewer's detail page offers no action forms; a bookkeeper's offers retry."""
    viewer, _ = client_for("vera")
    assert "/retry" not in viewer.get(f"/requests/{seeded.failed_invoice_id}").get_data(as_text=True)
    bookkeeper, _ = client_for("bob")
    assert f"/requests/{seeded.failed_invoice_id}/retry" in bookkeeper.get(
        f"/requests/{seeded.failed_invoice_id}").get_data(as_text=True)


def test_unknown_request_is_a_plain_404(client_for: Client) -> None:
    """A missing request gives a 404 page naming it, not a trace."""
    client, _ = client_for("vera")
    response = client.get("/requests/999999")
    assert response.status_code == 404
    assert "There is no request 999999." in response.get_data(as_text=True)


def test_held_page_lists_held_requests_with_reasons(client_for: Client, seeded: Seeded) -> None:
    """The held page lists each held request with its reason and bulk buttons for bookkeepers."""
    client, _ = client_for("bob")
    html = client.get("/held").get_data(as_text=True)
    for request_id in seeded.held_ids:
        assert f'name="request_id" value="{request_id}"' in html
    assert "approval required" in html and "Approve selected" in html
    viewer, _ = client_for("vera")
    assert "Approve selected" not in viewer.get("/held").get_data(as_text=True)


def test_companies_page_reports_what_quickbooks_said(client_for: Client, seeded: Seeded) -> None:
    """The companies page shows interval, negotiated version, product and multi-site flag."""
    client, _ = client_for("ada")
    html = client.get("/companies").get_data(as_text=True)
    assert "every 10 minutes" in html
    assert "QuickBooks Enterprise Solutions 23.0" in html
    assert "13.0 (target" in html and "<dd>yes</dd>" in html
    assert f"/companies/{seeded.company_id}/qwc?user=acme-wc" in html
    assert "not reported yet" in html  # Bravo has not connected


def test_qwc_download_for_admin(client_for: Client, seeded: Seeded) -> None:
    """An admin downloads a .qwc naming the company's Web Connector user."""
    client, _ = client_for("ada")
    response = client.get(f"/companies/{seeded.company_id}/qwc?user=acme-wc")
    assert response.status_code == 200
    assert 'filename="Acme-Books-acme-wc.qwc"' in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert "<UserName>acme-wc</UserName>" in body and "/qbwc</AppURL>" in body


def test_qwc_download_refused_for_viewer_and_unknown_user(client_for: Client, seeded: Seeded) -> None:
    """A viewer gets 403 for a .qwc; a user of another company gets 404."""
    viewer, _ = client_for("vera")
    assert viewer.get(f"/companies/{seeded.company_id}/qwc?user=acme-wc").status_code == 403
    admin, _ = client_for("ada")
    assert admin.get(f"/companies/{seeded.other_company_id}/qwc?user=acme-wc").status_code == 404


def test_reconciliation_page_renders(client_for: Client, seeded: Seeded) -> None:
    """The reconciliation page answers 200 whether or not the report is installed."""
    client, _ = client_for("bob")
    response = client.get(f"/reconciliation?company={seeded.company_id}")
    assert response.status_code == 200
    assert "Reconciliation: Acme Books" in response.get_data(as_text=True)


def test_security_headers_and_no_store(client_for: Client) -> None:
    """Signed-in pages are not cached and carry a CSP and framing ban."""
    client, _ = client_for("vera")
    response = client.get("/requests")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
