"""The two sides a run compares, as plain values: Magento's documents and QuickBooks' answers.

A run keeps Magento's documents as they were when it started (``MagentoDoc``, one
``magento`` line each) so that its report stays the same however Magento changes later;
QuickBooks' side is what the read-back queries answered (``QbTxn``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from qbwc_service.db.reconciliation import LineKind, ReconciliationLine

__all__ = ["MagentoDoc", "Posting", "QbTxn"]

_ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MagentoDoc:
    """One Magento invoice or credit memo, in the amounts the service posts."""

    entity_type: str  # invoice | creditmemo
    magento_id: str
    increment_id: str
    order_ref: str
    day: date  # in the store's time zone
    grand_total: Decimal
    subtotal: Decimal = _ZERO
    tax: Decimal = _ZERO
    shipping: Decimal = _ZERO
    discount: Decimal = _ZERO  # positive
    paid: bool = False
    canceled: bool = False
    customer: str = ""  # who bought: the customer id, else the e-mail
    lowest_margin: Decimal | None = None  # min(price - cost) over lines with a known cost

    @property
    def label(self) -> str:
        title = "invoice" if self.entity_type == "invoice" else "credit memo"
        return f"{title} {self.increment_id}"

    def to_line(self, run_id: int) -> ReconciliationLine:
        data = {key: str(value) if isinstance(value, Decimal | date) else value
                for key, value in asdict(self).items()}
        return ReconciliationLine(run_id=run_id, kind=LineKind.MAGENTO.value, day=self.day,
                                  magento_ref=self.increment_id, magento_amount=self.grand_total,
                                  qb_type=self.entity_type, data=data)

    @classmethod
    def from_line(cls, line: ReconciliationLine) -> MagentoDoc:
        data: dict[str, Any] = dict(line.data or {})
        margin = data.get("lowest_margin")
        return cls(
            entity_type=data["entity_type"], magento_id=data["magento_id"],
            increment_id=data["increment_id"], order_ref=data.get("order_ref", ""),
            day=date.fromisoformat(data["day"]), grand_total=Decimal(data["grand_total"]),
            subtotal=Decimal(data["subtotal"]), tax=Decimal(data["tax"]),
            shipping=Decimal(data["shipping"]), discount=Decimal(data["discount"]),
            paid=bool(data["paid"]), canceled=bool(data["canceled"]),
            customer=data.get("customer", ""),
            lowest_margin=None if margin is None else Decimal(margin),
        )


@dataclass(frozen=True)
class QbTxn:
    """One transaction QuickBooks returned (or reported deleted)."""

    qb_type: str  # Invoice, SalesReceipt, … ; DeletedInvoice for a TxnDeletedRet
    txn_id: str
    ref_number: str
    day: date | None
    amount: Decimal | None
    memo: str
    customer: str
    data: dict[str, Any]

    @property
    def deleted(self) -> bool:
        return bool(self.data.get("deleted"))

    @property
    def voided(self) -> bool:
        # QuickBooks keeps a voided transaction with zero amounts and "VOID:" in its memo.
        return self.memo.upper().startswith("VOID:")

    def money(self, name: str) -> Decimal | None:
        value = self.data.get(name)
        return None if value in (None, "") else Decimal(str(value)).quantize(Decimal("0.01"))

    @property
    def reference(self) -> str:
        return f"{self.qb_type} {self.ref_number or '(no number)'} (TxnID {self.txn_id})"

    @classmethod
    def from_line(cls, line: ReconciliationLine) -> QbTxn:
        data = dict(line.data or {})
        return cls(line.qb_type or "", line.qb_id or "", line.qb_ref or "", line.day,
                   line.quickbooks_amount, str(data.get("Memo") or ""),
                   str(data.get("CustomerRef/FullName") or ""), data)


@dataclass(frozen=True)
class Posting:
    """What the service knows of one expected QuickBooks transaction: request and mapping."""

    status: str | None = None  # the request's status; None when never queued
    operation: str | None = None
    blocking_reason: str = ""
    changed_after_post: bool = False
    qb_id: str | None = None
    qb_type: str | None = None
    qb_name: str | None = None
    posted_amount: Decimal | None = None
    posted_date: date | None = None
