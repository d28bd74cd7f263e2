"""Pieces behind the pages: the chart geometry, qbXML pretty-printing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask.testing import FlaskClient
from web_seed import FIXTURES

from qbwc_service.qbxml.pretty import pretty_xml
from qbwc_service.services.dashboard import DayOutcome
from qbwc_service.web.chart import bar_chart
from qbwc_service.web.xmlview import highlight_xml

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
