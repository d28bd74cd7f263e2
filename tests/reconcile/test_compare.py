"""The comparison: one reason code per finding, and nothing reported twice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from qbwc_service.reconcile.compare import Reason, compare
from qbwc_service.reconcile.snapshot import MagentoDoc, Posting, QbTxn

DAY = date(2024, 3, 1)


def _invoice(number: int, total: str = "100.00", **values: object) -> MagentoDoc:
    return MagentoDoc("invoice", str(number), f"10000000{number}", f"00000000{number}", DAY,
                      D(total), **values)  # type: ignore[arg-type]


def _txn(txn_id: str, total: str = "100.00", *, kind: str = "Invoice", ref: str = "",
         memo: str = "", day: date | None = DAY, **data: object) -> QbTxn:
    return QbTxn(kind, txn_id, ref, day, D(total), memo, "Ada", dict(data))


def _posted(txn_id: str, ref: str, amount: str = "100.00", **values: object) -> Posting:
    return Posting(status="succeeded", operation="InvoiceAdd", qb_id=txn_id,
                   qb_type="InvoiceRet", qb_name=ref, posted_amount=D(amount),
                   posted_date=DAY, **values)  # type: ignore[arg-type]


def _reasons(result: object) -> list[tuple[str, str | None]]:
    return sorted((f.reason.value, f.magento_ref) for f in result.findings)  # type: ignore[attr-defined]


def test_matching_books_have_no_finding() -> None:
    """Every document in QuickBooks once with Magento's amount: nothing to report."""
    result = compare(DAY, DAY, [_invoice(1)], [_txn("T1", ref="100000001")],
                     {("invoice", "1"): _posted("T1", "100000001")}, {"T1"})
    assert result.findings == [] and result.balanced
    assert result.days[0].magento["invoiced"] == result.days[0].quickbooks["invoiced"]


def test_a_posted_document_gone_from_quickbooks_is_missing() -> None:
    """Posted, then deleted: missing_in_quickbooks, and the deletion date when known."""
    deleted = QbTxn("DeletedInvoice", "T1", "100000001", None, None, "", "",
                    {"deleted": True, "time_deleted": "2024-03-05T10:00:00"})
    result = compare(DAY, DAY, [_invoice(1)], [deleted],
                     {("invoice", "1"): _posted("T1", "100000001")}, set())
    assert _reasons(result) == [("missing_in_quickbooks", "100000001")]
    assert "deleted in QuickBooks on 2024-03-05" in result.findings[0].detail


def test_a_voided_transaction_is_missing_too() -> None:
    """QuickBooks keeps a voided transaction at zero with VOID: in its memo."""
    result = compare(DAY, DAY, [_invoice(1)], [_txn("T1", "0.00", memo="VOID: Magento")],
                     {("invoice", "1"): _posted("T1", "100000001")}, {"T1"})
    assert _reasons(result) == [("missing_in_quickbooks", "100000001")]
    assert "voided" in result.findings[0].detail


def test_amount_differs_names_the_side_that_changed() -> None:
    """Edited in QuickBooks: the posted amount no longer matches what QuickBooks holds."""
    in_quickbooks = compare(DAY, DAY, [_invoice(1)], [_txn("T1", "90.00")],
                            {("invoice", "1"): _posted("T1", "100000001")}, {"T1"})
    in_magento = compare(DAY, DAY, [_invoice(1, "120.00")], [_txn("T1")],
                         {("invoice", "1"): _posted("T1", "100000001",
                                                    changed_after_post=True)}, {"T1"})
    assert [f.changed for f in in_quickbooks.findings] == ["quickbooks"]
    assert [f.changed for f in in_magento.findings] == ["magento"]
    assert in_quickbooks.findings[0].reason is Reason.AMOUNT_DIFFERS
    assert in_quickbooks.findings[0].quickbooks_amount == D("90.00")


def test_not_posted_carries_the_blocking_reason() -> None:
    """Held, failed, waiting and never-queued documents each say why."""
    postings = {
        ("invoice", "1"): Posting(status="held", blocking_reason="bookkeeper review"),
        ("invoice", "2"): Posting(status="failed", blocking_reason="3140: no such customer"),
        ("invoice", "3"): Posting(status="queued", blocking_reason="Waiting for request #4"),
    }
    result = compare(DAY, DAY, [_invoice(n) for n in (1, 2, 3, 4)], [], postings, set())
    details = {f.magento_ref: f.detail for f in result.findings}
    assert {f.reason for f in result.findings} == {Reason.NOT_POSTED}
    assert "held: bookkeeper review" in details["100000001"]
    assert "failed: 3140" in details["100000002"]
    assert "waiting: Waiting for request #4" in details["100000003"]
    assert "never queued" in details["100000004"]


def test_a_second_transaction_for_one_document_is_a_duplicate() -> None:
    """By RefNumber or by the Magento reference in the memo, entered by hand."""
    txns = [_txn("T1", ref="100000001"), _txn("T2", ref="100000001"),
            _txn("T3", ref="HAND-1", memo="Magento invoice 100000001, order 000000001"),
            _txn("T4", ref="HAND-2", memo="Magento invoice 1000000011, order 9")]
    result = compare(DAY, DAY, [_invoice(1)], txns,
                     {("invoice", "1"): _posted("T1", "100000001")}, {"T1"})
    duplicates = [f for f in result.findings if f.reason is Reason.DUPLICATE_IN_QUICKBOOKS]
    assert sorted(f.quickbooks_ref or "" for f in duplicates) == [
        "Invoice 100000001 (TxnID T2)", "Invoice HAND-1 (TxnID T3)"]
    unknown = [f for f in result.findings if f.reason is Reason.UNKNOWN_IN_QUICKBOOKS]
    assert [f.quickbooks_ref for f in unknown] == ["Invoice HAND-2 (TxnID T4)"]
    assert not unknown[0].is_variance and len(result.variances) == 2


def test_unknown_transactions_outside_the_period_or_posted_elsewhere_are_ignored() -> None:
    """Only transactions dated in the period that no mapping claims are reported."""
    txns = [_txn("T9", day=date(2024, 2, 1)), _txn("T8", ref="OTHER")]
    result = compare(DAY, DAY, [], txns, {}, {"T8"})
    assert result.findings == []


def test_canceled_in_magento_but_still_in_quickbooks() -> None:
    """A canceled invoice QuickBooks still holds is a variance; one never posted is not."""
    canceled = _invoice(1, canceled=True)
    result = compare(DAY, DAY, [canceled, _invoice(2, canceled=True)], [_txn("T1")],
                     {("invoice", "1"): _posted("T1", "100000001")}, {"T1"})
    assert _reasons(result) == [("canceled_in_magento", "100000001")]


def test_a_paid_invoice_owes_its_payment() -> None:
    """A paid invoice booked as an invoice needs a payment; a sales receipt does not."""
    paid = _invoice(1, paid=True)
    receipt = _invoice(2, paid=True)
    postings = {("invoice", "1"): _posted("T1", "100000001"),
                ("invoice", "2"): Posting(status="succeeded", operation="SalesReceiptAdd",
                                          qb_id="T2", qb_type="SalesReceiptRet",
                                          posted_amount=D(100))}
    result = compare(DAY, DAY, [paid, receipt],
                     [_txn("T1"), _txn("T2", kind="SalesReceipt")], postings, {"T1", "T2"})
    assert _reasons(result) == [("not_posted", "100000001")]
    assert result.findings[0].detail.startswith("payment for invoice 100000001")


def test_tax_split_is_reported_not_counted() -> None:
    """QuickBooks' tax total below Magento's tax is reported beside the variances."""
    doc = _invoice(1, "110.00", tax=D("10.00"))
    txn = _txn("T1", "110.00", SalesTaxTotal="0.00", Subtotal="110.00")
    result = compare(DAY, DAY, [doc], [txn], {("invoice", "1"): _posted("T1", "100000001",
                                                                       "110.00")}, {"T1"})
    assert [(f.reason, f.account, f.is_variance) for f in result.findings] == [
        (Reason.ACCOUNT_DIFFERS, "Sales Tax Payable", False)]


def test_unapplied_credit_of_a_refund() -> None:
    """A refunded credit memo whose credit is still open in QuickBooks is named."""
    memo = MagentoDoc("creditmemo", "5", "900000005", "1", DAY, D("20.00"))
    txn = _txn("C5", "20.00", kind="CreditMemo", CreditRemaining="20.00")
    result = compare(DAY, DAY, [memo], [txn], {("creditmemo", "5"): Posting(
        status="succeeded", qb_id="C5", posted_amount=D(20))}, {"C5"})
    assert [(f.reason, f.quickbooks_amount) for f in result.findings] == [
        (Reason.UNAPPLIED_CREDIT, D("20.00"))]
