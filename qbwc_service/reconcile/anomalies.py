"""Month-end checklist flags: things that are not wrong in the books but want a look.

Each flag names its rule (``code``) and says, in one sentence, what was seen. The limits
are configurable per company (``[companies."NAME".reconciliation]``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from qbwc_service.reconcile.snapshot import MagentoDoc, Posting

__all__ = ["Anomaly", "AnomalyLimits", "flag_anomalies"]

_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AnomalyLimits:
    refund_share_of_sales: Decimal = Decimal("0.5")  # a day's refunds / its sales
    discount_share_of_order: Decimal = Decimal("0.5")  # an invoice's discount / subtotal
    posted_days_apart: int = 3  # QuickBooks date vs Magento date

    @classmethod
    def from_config(cls, table: Mapping[str, Any] | None) -> AnomalyLimits:
        values = dict(table or {})
        return cls(
            refund_share_of_sales=Decimal(str(values.get("refund_share_of_sales", "0.5"))),
            discount_share_of_order=Decimal(str(values.get("discount_share_of_order", "0.5"))),
            posted_days_apart=int(values.get("posted_days_apart", 3)),
        )


@dataclass(frozen=True)
class Anomaly:
    code: str  # invoiced_twice | refunds_high | discount_high | posted_far_from_date | below_cost
    day: date
    detail: str
    magento_ref: str | None = None
    amount: Decimal | None = None


def flag_anomalies(docs: Iterable[MagentoDoc], postings: Mapping[tuple[str, str], Posting],
                   limits: AnomalyLimits) -> list[Anomaly]:
    live = [doc for doc in docs if not doc.canceled]
    flags: list[Anomaly] = []
    same: dict[tuple[str, Decimal, date], list[MagentoDoc]] = defaultdict(list)
    sales: dict[date, Decimal] = defaultdict(lambda: _ZERO)
    refunds: dict[date, Decimal] = defaultdict(lambda: _ZERO)
    for doc in live:
        if doc.entity_type == "creditmemo":
            refunds[doc.day] += doc.grand_total
            continue
        sales[doc.day] += doc.grand_total
        if doc.customer:
            same[(doc.customer, doc.grand_total, doc.day)].append(doc)
        if doc.subtotal > 0 and doc.discount > doc.subtotal * limits.discount_share_of_order:
            flags.append(Anomaly("discount_high", doc.day, f"{doc.label}: discount "
                                 f"{doc.discount} on a subtotal of {doc.subtotal}",
                                 doc.increment_id, doc.discount))
        if doc.lowest_margin is not None and doc.lowest_margin < 0:
            flags.append(Anomaly("below_cost", doc.day, f"{doc.label}: a line sold "
                                 f"{-doc.lowest_margin} below its cost", doc.increment_id))
    for (_, amount, day), group in sorted(same.items(), key=lambda kv: kv[0][2]):
        if len(group) > 1:
            refs = ", ".join(doc.increment_id for doc in group)
            flags.append(Anomaly("invoiced_twice", day, f"the same customer was invoiced "
                                 f"{amount} {len(group)} times on {day}: {refs}",
                                 group[0].increment_id, amount))
    for day, refunded in sorted(refunds.items()):
        if refunded > sales[day] * limits.refund_share_of_sales:
            flags.append(Anomaly("refunds_high", day, f"refunds of {refunded} on {day} against "
                                 f"sales of {sales[day]}", None, refunded))
    for doc in live:
        posting = postings.get((doc.entity_type, doc.magento_id))
        if posting is None or posting.posted_date is None:
            continue
        apart = abs((posting.posted_date - doc.day).days)
        if apart > limits.posted_days_apart:
            flags.append(Anomaly("posted_far_from_date", doc.day, f"{doc.label} is dated "
                                 f"{posting.posted_date} in QuickBooks, {apart} days from its "
                                 f"Magento date {doc.day}", doc.increment_id))
    return sorted(flags, key=lambda flag: (flag.day, flag.code))
