"""Magento's documents beside QuickBooks' answers: variances with a reason code each.

Every finding carries a ``Reason`` a script can rely on and a sentence a bookkeeper
understands. One Magento document yields at most one document finding; duplicates and
transactions the service never posted are found from QuickBooks' side. The per-account
checks run over the documents that matched one to one, so a deleted invoice is reported
once (``missing_in_quickbooks``), not again as a difference in income and tax.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from qbwc_service.reconcile.snapshot import MagentoDoc, Posting, QbTxn

__all__ = ["Comparison", "DayTotals", "Finding", "Reason", "compare"]

_ZERO = Decimal("0.00")


class Reason(enum.StrEnum):
    MISSING_IN_QUICKBOOKS = "missing_in_quickbooks"
    NOT_POSTED = "not_posted"
    AMOUNT_DIFFERS = "amount_differs"
    DUPLICATE_IN_QUICKBOOKS = "duplicate_in_quickbooks"
    UNKNOWN_IN_QUICKBOOKS = "unknown_in_quickbooks"  # reported, never counted as a variance
    CANCELED_IN_MAGENTO = "canceled_in_magento"
    ACCOUNT_DIFFERS = "account_differs"
    UNAPPLIED_CREDIT = "unapplied_credit"
    QUANTITY_DIFFERS = "quantity_differs"


@dataclass(frozen=True)
class Finding:
    reason: Reason
    detail: str
    day: date | None = None
    magento_ref: str | None = None
    quickbooks_ref: str | None = None
    magento_amount: Decimal | None = None
    quickbooks_amount: Decimal | None = None
    account: str | None = None
    changed: str | None = None  # amount_differs: magento | quickbooks | both
    reported_only: bool = False  # worth knowing, not proof of a difference in the books

    @property
    def is_variance(self) -> bool:
        return self.reason is not Reason.UNKNOWN_IN_QUICKBOOKS and not self.reported_only


MAGENTO_MEASURES = ("invoiced", "refunds", "payments", "sales", "tax", "shipping", "discounts")
QUICKBOOKS_MEASURES = ("invoiced", "refunds", "payments")


@dataclass
class DayTotals:
    day: date
    magento: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(
        MAGENTO_MEASURES, _ZERO))
    quickbooks: dict[str, Decimal] = field(default_factory=lambda: dict.fromkeys(
        QUICKBOOKS_MEASURES, _ZERO))
    documents: int = 0
    variances: int = 0


@dataclass
class Comparison:
    findings: list[Finding] = field(default_factory=list)
    days: list[DayTotals] = field(default_factory=list)

    @property
    def variances(self) -> list[Finding]:
        return [finding for finding in self.findings if finding.is_variance]

    @property
    def balanced(self) -> bool:
        return not self.variances


# The QuickBooks types one Magento document may become, and the memo naming it.
_TYPES = {"invoice": ("Invoice", "SalesReceipt"), "creditmemo": ("CreditMemo",),
          "payment": ("ReceivePayment",)}


# How the service names the Magento document in a memo (sync.posting): "Magento invoice
# 100000001, order …", "Magento credit memo …", "Payment for Magento invoice …".
_MEMO_REFERENCE = re.compile(r"(Payment for )?Magento (invoice|credit memo) ([0-9A-Za-z-]+)")


def _memo_index(txns: Iterable[QbTxn]) -> dict[tuple[str, str], list[QbTxn]]:
    """Transactions by the (entity type, increment id) their memo names."""
    index: dict[tuple[str, str], list[QbTxn]] = {}
    for txn in txns:
        for match in _MEMO_REFERENCE.finditer(txn.memo):
            kind = "payment" if match.group(1) else (
                "invoice" if match.group(2) == "invoice" else "creditmemo")
            index.setdefault((kind, match.group(3).lower()), []).append(txn)
    return index


def _not_posted_detail(posting: Posting) -> str:
    status = posting.status
    why = posting.blocking_reason
    if status is None:
        return "never queued for QuickBooks: run a sync for this period"
    if status == "held":
        return f"held: {why or 'awaiting a bookkeeper'}"
    if status == "failed":
        return f"failed: {why or 'QuickBooks refused it'}"
    if status == "canceled":
        return "its request was canceled; nothing was posted"
    if why:
        return f"waiting: {why}"
    return "queued: waiting for the next Web Connector run"


@dataclass(frozen=True)
class _Expected:
    entity_type: str  # invoice | creditmemo | payment
    doc: MagentoDoc
    amount: Decimal
    label: str


def _expectations(docs: Iterable[MagentoDoc], postings: Mapping[tuple[str, str], Posting]
                  ) -> list[_Expected]:
    expected = []
    for doc in docs:
        expected.append(_Expected(doc.entity_type, doc, doc.grand_total, doc.label))
        if doc.entity_type != "invoice" or not doc.paid or doc.canceled:
            continue
        invoice = postings.get(("invoice", doc.magento_id), Posting())
        as_receipt = invoice.operation == "SalesReceiptAdd" or invoice.qb_type == "SalesReceiptRet"
        # An invoice not in QuickBooks is the variance; its payment cannot be there yet.
        if invoice.qb_id and not as_receipt:
            expected.append(_Expected("payment", doc, doc.grand_total,
                                      f"payment for invoice {doc.increment_id}"))
    return expected


def _amount_finding(item: _Expected, posting: Posting, txn: QbTxn) -> Finding | None:
    held = txn.amount if txn.amount is not None else _ZERO
    if held == item.amount:
        return None
    sides = []
    if posting.changed_after_post or (posting.posted_amount is not None
                                      and posting.posted_amount == held):
        sides.append("magento")
    if posting.posted_amount is not None and posting.posted_amount != held:
        sides.append("quickbooks")
    changed = "both" if len(sides) == 2 else (sides[0] if sides else "quickbooks")
    sentence = {"magento": "changed in Magento after it was posted",
                "quickbooks": f"edited in QuickBooks after posting (posted as "
                              f"{posting.posted_amount})",
                "both": "changed in Magento and edited in QuickBooks after posting"}[changed]
    return Finding(Reason.AMOUNT_DIFFERS, f"{item.label}: Magento {item.amount}, QuickBooks "
                   f"{held}: {sentence}", item.doc.day, item.doc.increment_id, txn.reference,
                   item.amount, held, changed=changed)


def _document_finding(item: _Expected, posting: Posting, txns: Mapping[str, QbTxn]
                      ) -> tuple[Finding | None, QbTxn | None]:
    doc = item.doc
    txn = txns.get(posting.qb_id or "")
    present = txn is not None and not txn.deleted and not txn.voided
    if doc.canceled:
        if posting.qb_id and present and txn is not None:
            return Finding(Reason.CANCELED_IN_MAGENTO, f"{item.label} was canceled in Magento "
                           f"after it was posted; {txn.reference} still holds {txn.amount}",
                           doc.day, doc.increment_id, txn.reference, _ZERO, txn.amount), None
        return None, None
    if not posting.qb_id:
        return Finding(Reason.NOT_POSTED, f"{item.label} is not in QuickBooks: "
                       f"{_not_posted_detail(posting)}", doc.day, doc.increment_id, None,
                       item.amount, None), None
    if not present:
        deleted = txns.get(f"deleted:{posting.qb_id}")
        if txn is not None and txn.voided:
            how = "was voided in QuickBooks"
        elif deleted is not None:
            when = deleted.data.get("time_deleted") or ""
            how = f"was deleted in QuickBooks{' on ' + when[:10] if when else ''}"
        else:
            how = "is no longer in QuickBooks (deleted or voided after posting)"
        return Finding(Reason.MISSING_IN_QUICKBOOKS, f"{item.label} was posted as TxnID "
                       f"{posting.qb_id} and {how}", doc.day, doc.increment_id,
                       posting.qb_name or posting.qb_id, item.amount, None), None
    assert txn is not None
    return _amount_finding(item, posting, txn), txn


def _duplicates(expected: list[_Expected], postings: Mapping[tuple[str, str], Posting],
                unclaimed: list[QbTxn], matched: dict[str, QbTxn]) -> tuple[list[Finding],
                                                                            set[str]]:
    """Hand-entered or repeated transactions standing for a document QuickBooks already has."""
    findings: list[Finding] = []
    used: set[str] = set()
    by_memo = _memo_index(unclaimed)
    by_ref: dict[tuple[str, str], list[QbTxn]] = {}
    for txn in unclaimed:
        if txn.ref_number:
            by_ref.setdefault((txn.qb_type, txn.ref_number.lower()), []).append(txn)
    for item in expected:
        posting = postings.get((item.entity_type, item.doc.magento_id), Posting())
        if not posting.qb_id or posting.qb_id not in matched:
            continue
        refs = {(posting.qb_name or item.doc.increment_id).lower(), item.doc.increment_id.lower()}
        kinds = _TYPES[item.entity_type]
        candidates = [t for kind in kinds for ref in refs for t in by_ref.get((kind, ref), [])]
        candidates += [t for t in by_memo.get((item.entity_type, item.doc.increment_id.lower()),
                                              []) if t.qb_type in kinds]
        for txn in candidates:
            if txn.txn_id in used:
                continue
            used.add(txn.txn_id)
            findings.append(Finding(
                Reason.DUPLICATE_IN_QUICKBOOKS, f"{item.label} is in QuickBooks twice: "
                f"{matched[posting.qb_id].reference} posted by the service, and "
                f"{txn.reference} (same RefNumber or Magento reference, not posted by the "
                "service)", item.doc.day, item.doc.increment_id, txn.reference, item.amount,
                txn.amount))
    return findings, used


def _account_checks(pairs: list[tuple[_Expected, QbTxn]], date_to: date) -> list[Finding]:
    """Sales tax and income before tax over the documents that matched one to one.

    QuickBooks' ``SalesTaxTotal`` counts only the tax of the transaction's sales-tax item;
    tax posted on a line of a sales-tax item also reaches the liability account but
    stays in ``Subtotal``. The split is therefore reported, not counted as a variance:
    the account balances the run stores (``AccountQuery``) are the ledger's word.
    """
    tax = {"magento": _ZERO, "quickbooks": _ZERO}
    income = {"magento": _ZERO, "quickbooks": _ZERO}
    reported = False
    for item, txn in pairs:
        if item.entity_type == "payment":
            continue
        sign = Decimal(-1) if item.entity_type == "creditmemo" else Decimal(1)
        qb_tax, qb_subtotal = txn.money("SalesTaxTotal"), txn.money("Subtotal")
        if qb_tax is None or qb_subtotal is None:
            continue  # QuickBooks did not return the split (e.g. IncludeRetElement)
        reported = True
        tax["magento"] += sign * item.doc.tax
        tax["quickbooks"] += sign * qb_tax
        income["magento"] += sign * (item.doc.grand_total - item.doc.tax)
        income["quickbooks"] += sign * qb_subtotal
    if not reported or tax["magento"] == tax["quickbooks"]:
        return []
    return [Finding(
        Reason.ACCOUNT_DIFFERS, f"QuickBooks' sales tax total on these documents is "
        f"{tax['quickbooks']} and Magento collected {tax['magento']} net of refunds; "
        f"income before tax reads {income['quickbooks']} against Magento's "
        f"{income['magento']}. Unless the tax lines use a sales-tax item, the tax sits in "
        "an income account: check the Sales Tax Payable balance below.", date_to, None, None,
        tax["magento"], tax["quickbooks"], "Sales Tax Payable", reported_only=True)]


def _unapplied_credits(pairs: list[tuple[_Expected, QbTxn]]) -> list[Finding]:
    findings = []
    for item, txn in pairs:
        remaining = txn.money("CreditRemaining")
        if item.entity_type == "creditmemo" and remaining:
            findings.append(Finding(
                Reason.UNAPPLIED_CREDIT, f"{item.label} leaves {remaining} of credit unapplied "
                f"for {txn.customer or 'its customer'}: Magento refunded it, so QuickBooks "
                "should show it applied to the invoice or refunded", item.doc.day,
                item.doc.increment_id, txn.reference, _ZERO, remaining,
                "Accounts Receivable"))
    return findings


def compare(date_from: date, date_to: date, docs: Iterable[MagentoDoc],
            txns: Iterable[QbTxn], postings: Mapping[tuple[str, str], Posting],
            claimed: set[str]) -> Comparison:
    """The findings and per-day totals of one period.

    ``postings`` is what the service knows of each expected transaction by
    (entity type, Magento id); ``claimed`` holds every TxnID some mapping of the company
    points at (a transaction posted for another period is not "unknown").
    """
    result = Comparison()
    days = {date_from + timedelta(days=n): DayTotals(date_from + timedelta(days=n))
            for n in range((date_to - date_from).days + 1)}
    by_id: dict[str, QbTxn] = {}
    for txn in txns:
        by_id[f"deleted:{txn.txn_id}" if txn.deleted else txn.txn_id] = txn
    in_period = [d for d in docs if d.day in days]
    expected = _expectations(in_period, postings)
    matched: dict[str, QbTxn] = {}
    pairs: list[tuple[_Expected, QbTxn]] = []
    for item in expected:
        totals = days[item.doc.day]
        posting = postings.get((item.entity_type, item.doc.magento_id), Posting())
        finding, found = _document_finding(item, posting, by_id)
        if item.entity_type != "payment":
            totals.documents += 1
            _add_magento(totals, item.doc)
        elif not item.doc.canceled:
            totals.magento["payments"] += item.amount
        if found is not None:
            matched[found.txn_id] = found
            measure = {"invoice": "invoiced", "creditmemo": "refunds",
                       "payment": "payments"}[item.entity_type]
            totals.quickbooks[measure] += found.amount or _ZERO
            if item.entity_type == "invoice" and posting.qb_type == "SalesReceiptRet":
                totals.quickbooks["payments"] += found.amount or _ZERO
            if finding is None:
                pairs.append((item, found))
        if finding is not None:
            totals.variances += 1
            result.findings.append(finding)
    unclaimed = [t for t in by_id.values() if not t.deleted and not t.voided
                 and t.txn_id not in claimed and t.txn_id not in matched]
    duplicates, used = _duplicates(expected, postings, unclaimed, matched)
    result.findings += duplicates
    for txn in unclaimed:
        if txn.txn_id in used or txn.day is None or txn.day not in days:
            continue
        result.findings.append(Finding(
            Reason.UNKNOWN_IN_QUICKBOOKS, f"{txn.reference} dated {txn.day} for "
            f"{txn.customer or 'no customer'} was not posted by the service", txn.day, None,
            txn.reference, None, txn.amount))
    result.findings += _account_checks(pairs, date_to)
    result.findings += _unapplied_credits(pairs)
    for finding in duplicates:
        if finding.day in days:
            days[finding.day].variances += 1
    result.days = [days[key] for key in sorted(days)]
    return result


def _add_magento(totals: DayTotals, doc: MagentoDoc) -> None:
    if doc.canceled:
        return
    if doc.entity_type == "creditmemo":
        totals.magento["refunds"] += doc.grand_total
        return
    totals.magento["invoiced"] += doc.grand_total
    totals.magento["sales"] += doc.subtotal
    totals.magento["tax"] += doc.tax
    totals.magento["shipping"] += doc.shipping
    totals.magento["discounts"] += doc.discount
