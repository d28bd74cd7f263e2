"""The invariant: every planned transaction's lines sum to Magento's total, to the cent."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbwc_service.sync.config import parse_mapping_config
from qbwc_service.sync.plan import PlanContext
from qbwc_service.sync.posting import plan_credit_memo, plan_invoice, sum_lines

from .factories import Line, OrderBuilder, r2

money = st.decimals(min_value=D("0.01"), max_value=D("999.99"), places=2)
rates = st.sampled_from([D(0), D("0.05"), D("0.0825"), D("0.1"), D("0.2")])
quantities = st.integers(min_value=1, max_value=5).map(D)
fractions = st.sampled_from([D(0), D("0.1"), D("0.15"), D("0.5")])


@st.composite
def lines(draw: st.DrawFn, index: int) -> Line:
    kind = draw(st.sampled_from(["simple", "virtual", "configurable", "bundle_dynamic",
                                 "bundle_fixed"]))
    sku = f"SKU-{index}"

    def priced(suffix: str) -> Line:
        price, qty = draw(money), draw(quantities)
        return Line(f"{sku}{suffix}", price, qty, r2(price * qty * draw(fractions)), draw(rates))

    if kind == "bundle_dynamic":
        return Line(sku, D(0), kind=kind, children=[priced(f"-{n}") for n in range(
            draw(st.integers(1, 3)))])
    line = priced("")
    line.kind = kind
    if kind == "bundle_fixed":
        line.children = [Line(f"{sku}-part", D(0))]
    return line


@st.composite
def orders(draw: st.DrawFn) -> OrderBuilder:
    builder = OrderBuilder(
        inclusive=draw(st.booleans()), rate=draw(st.sampled_from([D(1), D("0.8"), D("1.37")])),
        shipping=draw(st.sampled_from([D(0), D(5), D("12.49")])),
        shipping_tax_rate=draw(st.sampled_from([D(0), D("0.1")])),
        currency="EUR", base_currency="USD",
    )
    for index in range(draw(st.integers(1, 4))):
        builder.add(draw(lines(index)))
    return builder


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(orders(), st.sampled_from(["home", "multicurrency"]), st.sampled_from(["children", "parent"]),
       st.sampled_from(["line_codes_plus_tax_item", "tax_item"]), st.data())
def test_planned_lines_sum_to_magentos_totals(builder: OrderBuilder, currency_mode: str,
                                              bundles: str, tax_mode: str,
                                              data: st.DataObject) -> None:
    """Invoices (whole or partial) and credit memos (with adjustments) balance to the cent."""
    ctx = PlanContext(config=parse_mapping_config({"currency_mode": currency_mode,
                                                   "bundles": bundles, "tax": {"mode": tax_mode}}))
    order = builder.order()
    skus = {line.sku for line in builder.lines}
    subset = data.draw(st.sets(st.sampled_from(sorted(skus)), min_size=1))
    invoice = builder.invoice(skus=subset)
    memo = builder.credit_memo(skus=subset, shipping=data.draw(st.sampled_from([D(0), D(2)])),
                               adjustment_positive=data.draw(st.sampled_from([D(0), D("1.5")])),
                               adjustment_negative=data.draw(st.sampled_from([D(0), D("0.75")])))
    field = "grand_total" if currency_mode == "multicurrency" else "base_grand_total"
    for document, plan in ((invoice, plan_invoice(invoice, order, ctx)),
                           (memo, plan_credit_memo(memo, order, ctx))):
        main = next(p for p in plan if p.key.split(":")[0] in ("invoice", "creditmemo"))
        assert main.hold_reason is None, main.hold_reason
        line_key = next(k for k in main.context if k.endswith("LineAdd"))
        assert sum_lines(main.context[line_key]) == getattr(document, field)
        assert main.amount == getattr(document, field)
