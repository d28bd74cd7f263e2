"""TxnDelRq and TxnVoidRq: a deleted transaction leaves the journal and the company file
(``TxnDeletedQuery`` still lists it); a voided one stays with zero amounts and no journal
lines. Either way its applications go: an invoice's payment becomes the customer's
credit again, a credit memo's refund or application is undone.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Answer, Company, object_not_found
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, ordered, text_of, to_text
from qbwc_service.sandbox.quickbooks.store import TxnRow
from qbwc_service.sandbox.quickbooks.txnbase import LABEL, touch

__all__ = ["delete_transaction", "void_transaction"]

_ZEROED = frozenset({"Subtotal", "SalesTaxTotal", "TotalAmount", "BalanceRemaining",
                     "CreditRemaining", "AppliedAmount", "Amount", "UnusedPayment",
                     "RefundAmount", "TaxAmount"})
# TxnVoidType in the 13.0 and 16.0 XSDs, limited to what the simulator keeps.
_VOIDABLE = frozenset({"ARRefundCreditCard", "Check", "CreditMemo", "InventoryAdjustment",
                       "Invoice", "SalesReceipt"})


def _target(company: Company, kind: str, txn_id: str) -> TxnRow:
    row = company.store.get_txn(txn_id)
    if row is None or row.kind != kind:
        raise object_not_found(txn_id)
    company.check_open_period(row.txn_date, LABEL.get(kind, kind))
    return row


def _unlink(company: Company, row: TxnRow) -> None:
    store = company.store
    linked = {target for target, _credit, _amount in store.applied_by(row.txn_id)}
    linked |= {credit for _target, credit, _amount in store.applied_by(row.txn_id) if credit}
    store.remove_entries(row.txn_id)
    store.remove_applications(row.txn_id)
    for other in linked - {row.txn_id}:
        touch(company, other)


def delete_transaction(company: Company, request: etree._Element) -> Answer:
    kind = text_of(request, "TxnDelType") or ""
    txn_id = text_of(request, "TxnID") or ""
    row = _target(company, kind, txn_id)
    _unlink(company, row)
    ret = from_text(row.ret_xml)
    now_text, _epoch = company.store.now()
    company.store.delete_txn(row, text_of(ret, "TimeCreated") or now_text, now_text)
    rets = [element("TxnDelType", kind), element("TxnID", txn_id),
            element("TimeDeleted", now_text)]
    if row.ref_number:
        rets.append(element("RefNumber", row.ref_number))
    return Answer(rets)


def void_transaction(company: Company, request: etree._Element) -> Answer:
    kind = text_of(request, "TxnVoidType") or ""
    txn_id = text_of(request, "TxnID") or ""
    if kind not in _VOIDABLE:
        raise object_not_found(txn_id)
    row = _target(company, kind, txn_id)
    _unlink(company, row)
    store = company.store
    ret = from_text(row.ret_xml)
    for node in ret.iter():
        if node.tag in _ZEROED:
            node.text = "0.00"
        elif node.tag in ("Quantity", "QuantityDifference", "QuantityTransferred"):
            node.text = "0"
        elif node.tag == "IsPaid":
            node.text = "true"
    memo = ret.find("Memo")
    if memo is None:
        memo = element("Memo")
        ret.append(memo)
    memo.text = f"VOID: {memo.text or ''}".rstrip()
    now_text, epoch = store.now()
    edit_sequence = store.next_edit_sequence(row.edit_sequence, epoch)
    ret.find("TimeModified").text = now_text  # type: ignore[union-attr]
    ret.find("EditSequence").text = edit_sequence  # type: ignore[union-attr]
    ret = ordered(str(ret.tag), list(ret))
    store.update_txn_ret(txn_id, to_text(ret), edit_sequence, now_text)
    store.update_txn_total(txn_id, Decimal(0))
    rets = [element("TxnVoidType", kind), element("TxnID", txn_id),
            element("TimeCreated", text_of(ret, "TimeCreated") or now_text),
            element("TimeModified", now_text)]
    if row.ref_number:
        rets.append(element("RefNumber", row.ref_number))
    return Answer(rets)
