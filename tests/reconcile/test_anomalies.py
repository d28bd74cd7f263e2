"""Month-end checklist flags."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal as D

from qbwc_service.reconcile.anomalies import AnomalyLimits, flag_anomalies
from qbwc_service.reconcile.snapshot import MagentoDoc, Posting

DAY = date(2024, 3, 1)


def _doc(number: int, total: str, **values: object) -> MagentoDoc:
    return MagentoDoc("invoice", str(number), f"1000{number}", "1", DAY, D(total),
                      **values)  # type: ignore[arg-type]


def test_each_flag_is_raised_by_its_rule_and_only_then() -> None:
    """Twice invoiced, high refunds, high discount, far posting date, price below cost."""
    docs = [
        _doc(1, "50.00", customer="7", subtotal=D("50.00")),
        _doc(2, "50.00", customer="7", subtotal=D("50.00")),
        _doc(3, "40.00", customer="8", subtotal=D("100.00"), discount=D("60.00")),
        _doc(4, "10.00", customer="9", subtotal=D("10.00"), lowest_margin=D("-2.50")),
        MagentoDoc("creditmemo", "5", "9005", "1", DAY, D("90.00")),
    ]
    postings = {("invoice", "4"): Posting(posted_date=DAY + timedelta(days=10))}
    flags = flag_anomalies(docs, postings, AnomalyLimits())
    assert sorted((flag.code, flag.magento_ref) for flag in flags) == [
        ("below_cost", "10004"), ("discount_high", "10003"), ("invoiced_twice", "10001"),
        ("posted_far_from_date", "10004"), ("refunds_high", None)]


def test_limits_come_from_the_company_config() -> None:
    """A higher refund share silences the refund flag."""
    docs = [_doc(1, "100.00"), MagentoDoc("creditmemo", "5", "9005", "1", DAY, D("60.00"))]
    assert [f.code for f in flag_anomalies(docs, {}, AnomalyLimits())] == ["refunds_high"]
    loose = AnomalyLimits.from_config({"refund_share_of_sales": "0.75"})
    assert flag_anomalies(docs, {}, loose) == []
