"""Pieces behind the pages: the chart geometry, qbXML pretty-printing, reconciliation drill-down."""

from __future__ import annotations

import sys
import types
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import pytest
from flask.testing import FlaskClient
from web_seed import FIXTURES, Seeded

from qbwc_service.db.models import utcnow
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


@dataclass
class _Day:
    day: date
    magento_total: Decimal
    quickbooks_total: Decimal


@dataclass
class _Variance:
    day: date
    document: str
    reason: str


def test_reconciliation_report_and_drill_down(client_for: Client, seeded: Seeded,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Days show totals and differences; a chosen day lists its variances and documents."""
    today = utcnow().date()
    calls: list[tuple[date, date]] = []

    def reconcile(session: object, company: object, date_from: date, date_to: date) -> object:
        calls.append((date_from, date_to))
        return types.SimpleNamespace(
            days=[_Day(today, Decimal("139.90"), Decimal("39.90"))],
            variances=[_Variance(today, "000001234", "not in QuickBooks: the invoice failed")],
        )

    module = types.ModuleType("qbwc_service.sync.reconcile")
    module.reconcile = reconcile  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "qbwc_service.sync.reconcile", module)
    client, _ = client_for("bob")
    html = client.get(f"/reconciliation?company={seeded.company_id}").get_data(as_text=True)
    assert "139.90" in html and "100.00" in html and 'class="row-bad"' in html
    assert calls == [(today - timedelta(days=6), today)]
    html = client.get(f"/reconciliation?company={seeded.company_id}&day={today.isoformat()}").get_data(as_text=True)
    assert "not in QuickBooks: the invoice failed" in html
    assert 'href="/requests?company=1&amp;q=000001234"' in html or "q=000001234" in html
    assert "000001233" in html and "1F-1714600000" in html  # the mapping posted that day


def test_reconciliation_unavailable_is_said_plainly(client_for: Client, seeded: Seeded,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """When the report cannot be imported the page says it is not available."""
    monkeypatch.setitem(sys.modules, "qbwc_service.sync.reconcile", None)
    client, _ = client_for("bob")
    response = client.get("/reconciliation")
    assert response.status_code == 200
    assert "Reconciliation is not available in this installation." in response.get_data(as_text=True)
