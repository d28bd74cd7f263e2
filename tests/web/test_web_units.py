"""Pieces behind the pages: the chart geometry, qbXML pretty-printing, reconciliation drill-down."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask.testing import FlaskClient
from web_helpers import sign_in
from web_seed import FIXTURES, Seeded

from qbwc_service.context import AppContext
from qbwc_service.web import create_web_app
from qbwc_service.web.chart import bar_chart
from qbwc_service.web.queries import DayOutcome
from qbwc_service.web.xmlview import highlight_xml, pretty_xml

Client = Callable[[str], tuple[FlaskClient, str]]


def test_chart_scales_bars_to_a_round_maximum() -> None:
    """The tallest bar reaches the top of a round scale; empty days draw zero-height bars."""
    days = [DayOutcome(date(2024, 5, 1) + timedelta(days=i), i, 0) for i in range(30)]
    chart = bar_chart(days)
    assert chart.maximum == 40 and len(chart.bars) == 60
    tallest = max(chart.bars, key=lambda bar: bar.height)
    assert tallest.label == "2024-05-30: 29 succeeded"
    assert all(bar.height == 0 for bar in chart.bars if bar.kind == "failed")
    assert chart.ticks[-1].value == 40 and chart.ticks[0].value == 0


def test_pretty_xml_keeps_the_qbxml_instruction_and_escapes() -> None:
    """Pretty-printing indents, keeps <?qbxml?> and leaves entities escaped in the HTML."""
    text = (FIXTURES / "invoice_add_rq.xml").read_text(encoding="utf-8")
    pretty = pretty_xml(text)
    assert pretty.startswith('<?qbxml version="13.0"?>\n<QBXML>')
    assert "\n      <InvoiceAdd>" in pretty
    html = str(highlight_xml("<a>x</a><script>alert(1)</script>"))  # not well-formed: raw, escaped
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_reconciliation_reads_the_magento_store(app_context: AppContext, seeded: Seeded) -> None:
    """Magento's daily totals beside QuickBooks', with each unposted document a variance."""
    from dataclasses import replace as replace_settings

    from magento_client.documents import Invoice
    from magento_client.fake import FakeMagento

    with FakeMagento(orders=6, seed=3) as fake:
        table = {"base_url": fake.base_url, **fake.store.credentials.as_dict()}
        settings = replace_settings(app_context.settings,
                                    extra={"companies": {"Acme Books": {"magento": table}}})
        app = create_web_app(AppContext(settings, _database=app_context.db))
        invoices = [Invoice.from_json(raw) for raw in fake.store.invoices.values()]
        first = min(invoice.created_at.date() for invoice in invoices) - timedelta(days=1)
        last = max(invoice.created_at.date() for invoice in invoices) + timedelta(days=1)
        client = app.test_client()
        sign_in(client, "bob")
        html = client.get(f"/reconciliation?company={seeded.company_id}&from={first}&to={last}"
                          ).get_data(as_text=True)
    open_invoices = [i for i in invoices if i.state != 3]
    assert 'class="row-bad"' in html  # nothing of it reached QuickBooks for this company
    assert html.count("not yet posted") >= len(open_invoices)
    for invoice in open_invoices:
        assert f"invoice {invoice.increment_id}" in html
        assert f"{invoice.base_grand_total:.2f}" in html  # home-currency mode posts base amounts


def test_reconciliation_without_magento_says_what_to_configure(client_for: Client, seeded: Seeded) -> None:
    """A company with no Magento connection gets the config table to add, not an error."""
    client, _ = client_for("bob")
    response = client.get(f"/reconciliation?company={seeded.company_id}")
    assert response.status_code == 200
    assert "[companies.&#34;Acme Books&#34;.magento]" in response.get_data(as_text=True) or \
        '[companies."Acme Books".magento]' in response.get_data(as_text=True)


