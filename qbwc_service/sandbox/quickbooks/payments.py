"""Money in and out for a customer: payments, credit applications, refunds, checks.

- ReceivePayment: deposit account (default Undeposited Funds) debit, Accounts Receivable
  credit for the whole amount. ``AppliedToTxnAdd/PaymentAmount`` pays an invoice;
  ``SetCredit`` applies a credit memo's ``CreditRemaining`` to it (no money moves, both
  sides are Accounts Receivable); what is not applied stays a credit on the customer
  (``UnusedPayment``), which the customer's negative balance shows.
- ARRefundCreditCard: Accounts Receivable debit (the customer's credit is used up), the
  refund account credit; ``RefundAppliedToTxnAdd`` reduces the credit memo's
  ``CreditRemaining``.
- Check: the bank account (``AccountRef``) credit, each expense line debit (a refund check
  has its expense line on Accounts Receivable with the customer); ``ApplyCheckToTxnAdd``
  to a credit memo reduces its ``CreditRemaining``; item lines buy stock at their cost.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import (
    Answer,
    Company,
    object_not_found,
    required_ref,
)
from qbwc_service.sandbox.quickbooks.currency import (
    check_account,
    home_taken,
    posting_rate,
    settle_exchange,
    txn_accounts,
    txn_currency,
)
from qbwc_service.sandbox.quickbooks.exceptions import QbRequestRefused
from qbwc_service.sandbox.quickbooks.ledger import Posting, fill_txn, to_home
from qbwc_service.sandbox.quickbooks.posting import account_id, line_account, move_stock
from qbwc_service.sandbox.quickbooks.refusals import invalid_value
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, money, quantity, text_of
from qbwc_service.sandbox.quickbooks.store import TxnRow
from qbwc_service.sandbox.quickbooks.txnbase import (
    LABEL,
    header,
    parts_ref,
    ref_id,
    required_id,
    resave,
    restamp,
    save,
    stamp,
    touch,
    txn_date_of,
)

__all__ = ["PAYMENT_ADDS", "add_payment", "apply_credits", "receive_payment"]

PAYMENT_ADDS = frozenset({"ReceivePayment", "ARRefundCreditCard", "Check"})
_CENT = Decimal("0.01")


def _open_txn(company: Company, txn_id: str, kind: str,
              customer_id: str | None) -> tuple[TxnRow, etree._Element]:
    row = company.store.get_txn(txn_id)
    if row is None or row.kind != kind or row.customer_id != customer_id:
        raise object_not_found(txn_id)
    return row, fill_txn(company.store, kind, txn_id, from_text(row.ret_xml))


def _too_much(field: str, amount: Decimal, why: str) -> QbRequestRefused:
    return invalid_value(field, money(amount), why)


def _use_credit(company: Company, txn_id: str, target_id: str, credit_id: str,
                customer_id: str | None, amount: Decimal) -> tuple[etree._Element, Decimal]:
    """Record ``amount`` of credit memo ``credit_id`` used by ``txn_id``: its Ret before,
    and what the credit used is worth in home currency at the credit memo's rate."""
    _row, ret = _open_txn(company, credit_id, "CreditMemo", customer_id)
    remaining = Decimal(ret.findtext("CreditRemaining") or "0")
    if amount > remaining:
        raise _too_much("Applied amount", amount, "The amount applied exceeds the credit "
                                                   "remaining.")
    company.store.add_application(txn_id, target_id, credit_id, amount)
    touch(company, credit_id)
    if target_id != credit_id:
        touch(company, target_id)
    return ret, home_taken(_rate(ret), remaining, remaining - amount)


def _rate(ret: etree._Element) -> Decimal:
    return Decimal(ret.findtext("ExchangeRate") or "1")


def apply_credits(company: Company, applier_id: str, invoice_id: str,
                  customer_id: str | None, set_credits: list[etree._Element],
                  due: Decimal, invoice_rate: Decimal) -> Decimal:
    """``SetCredit`` aggregates of an InvoiceAdd or AppliedToTxnAdd applied to an invoice;
    ``applier_id`` (the invoice or the payment) owns the application, so deleting it or
    modifying it undoes the application. Returns what the credits leave on Accounts
    Receivable in home currency: nothing, unless the credit memos were booked at another
    rate than the invoice (``invoice_rate``)."""
    moved = Decimal(0)
    for credit in set_credits:
        amount = Decimal(text_of(credit, "AppliedAmount") or "0")
        if amount > due:
            raise _too_much("Applied amount", amount, "You cannot apply more than the amount "
                                                       "due.")
        _ret, used = _use_credit(company, applier_id, invoice_id,
                                 text_of(credit, "CreditTxnID") or "", customer_id, amount)
        moved += used - home_taken(invoice_rate, due, due - amount)
        due -= amount
    return moved


def _applied_ret(company: Company, invoice: TxnRow, amount: Decimal) -> etree._Element:
    ret = fill_txn(company.store, "Invoice", invoice.txn_id, from_text(invoice.ret_xml))
    return element("AppliedToTxnRet", children=[
        element("TxnID", invoice.txn_id), element("TxnType", "Invoice"),
        element("TxnDate", invoice.txn_date), element("RefNumber", invoice.ref_number or ""),
        element("BalanceRemaining", ret.findtext("BalanceRemaining") or "0.00"),
        element("Amount", money(amount))])


def receive_payment(company: Company, source: etree._Element,
                    existing: TxnRow | None = None) -> Answer:
    """Add a payment, or re-post ``existing`` from an Add-shaped ``source`` (a Mod)."""
    kind = "ReceivePayment"
    store = company.store
    if existing is None:
        parts, txn_id, now_text, epoch = stamp(company, kind, source)
    else:
        parts, txn_id, now_text, epoch = restamp(company, kind, source, existing)
    parts += header(company, kind, source, frozenset({"TxnDate", "AppliedToTxnAdd",
                                                      "IsAutoApply"}))
    customer_id = ref_id(parts, "CustomerRef")
    currency = txn_currency(company, LABEL[kind], source, parts)
    total = Decimal(text_of(source, "TotalAmount") or "0")
    targets: list[tuple[str, Decimal, list[etree._Element]]] = [
        (text_of(applied, "TxnID") or "", Decimal(text_of(applied, "PaymentAmount") or "0"),
         applied.findall("SetCredit")) for applied in source.findall("AppliedToTxnAdd")]
    if text_of(source, "IsAutoApply") == "true":
        remaining = total
        for invoice in store.txns_of("Invoice"):
            if invoice.customer_id != customer_id or remaining <= 0:
                continue
            due = Decimal(fill_txn(store, "Invoice", invoice.txn_id,
                                   from_text(invoice.ret_xml)).findtext("BalanceRemaining")
                          or "0")
            if due > 0:
                targets.append((invoice.txn_id, min(due, remaining), []))
                remaining -= min(due, remaining)
    paid = sum((amount for _target, amount, _credits in targets), Decimal(0))
    if paid > total:
        raise _too_much("Payment amount", paid, "The amounts applied exceed the payment.")
    # What the payment takes off Accounts Receivable in home currency: each invoice's
    # share at the invoice's own rate, the unapplied rest at the payment's.
    settled = Decimal(0)
    for target, amount, credits in targets:
        invoice, ret = _open_txn(company, target, "Invoice", customer_id)
        due = Decimal(ret.findtext("BalanceRemaining") or "0")
        if amount > due:
            raise _too_much("AppliedToTxnAdd payment amount", amount,
                            "You cannot pay more than the amount due.")
        if amount:
            store.add_application(txn_id, target, None, amount)
            touch(company, target)
        settled += home_taken(_rate(ret), due, due - amount)
        settled -= apply_credits(company, txn_id, target, customer_id, credits, due - amount,
                                 _rate(ret))
        parts.append(_applied_ret(company, invoice, amount))
    parts.append(element("UnusedPayment", money(total - paid)))
    parts.append(element("UnusedCredits", "0.00"))
    txn_accounts(company, currency, parts, source, LABEL[kind], "DepositToAccountRef",
                 receivable=True, default_account="Undeposited Funds")
    if currency is not None:
        parts += currency.ret_parts(company, total, "TotalAmountInHomeCurrency")
    posting = Posting(txn_id, kind, txn_date_of(parts), rate=posting_rate(currency))
    deposit = required_id(parts, "DepositToAccountRef", LABEL[kind])
    receivable = required_id(parts, "ARAccountRef", LABEL[kind])
    posting.add(deposit, total, entity_id=customer_id)
    if currency is None:
        posting.add(receivable, -total, entity_id=customer_id)
    else:
        posting.add(receivable, -settled - currency.to_home(total - paid), entity_id=customer_id,
                    home=True)
    settle_exchange(company, posting, rounding_only=False)
    posting.save(store)
    if existing is not None:
        return resave(company, kind, parts, existing, now_text, total, customer_id, source)
    return save(company, kind, parts, txn_id, now_text, epoch, total, customer_id, source)


def _refund(company: Company, source: etree._Element) -> Answer:
    kind = "ARRefundCreditCard"
    store = company.store
    parts, txn_id, now_text, epoch = stamp(company, kind, source)
    parts += header(company, kind, source, frozenset({"TxnDate", "RefundAppliedToTxnAdd"}))
    customer_id = ref_id(parts, "CustomerRef")
    currency = txn_currency(company, LABEL[kind], source, parts)
    txn_accounts(company, currency, parts, source, LABEL[kind], "RefundFromAccountRef",
                 receivable=True, default_account="Undeposited Funds")
    total = Decimal(0)
    used_home = Decimal(0)
    for applied in source.findall("RefundAppliedToTxnAdd"):
        credit_id = text_of(applied, "TxnID") or ""
        amount = Decimal(text_of(applied, "RefundAmount") or "0")
        ret, used = _use_credit(company, txn_id, credit_id, credit_id, customer_id, amount)
        used_home += used
        total += amount
        parts.append(element("RefundAppliedToTxnRet", children=[
            element("TxnID", credit_id), element("TxnType", "CreditMemo"),
            element("TxnDate", ret.findtext("TxnDate") or ""),
            element("RefNumber", ret.findtext("RefNumber") or ""),
            element("CreditRemaining", money(Decimal(ret.findtext("CreditRemaining") or "0")
                                             - amount)),
            element("RefundAmount", money(amount))]))
    parts.append(element("TotalAmount", money(total)))
    if currency is not None:
        parts += currency.ret_parts(company, total, "TotalAmountInHomeCurrency")
    posting = Posting(txn_id, kind, txn_date_of(parts), rate=posting_rate(currency))
    receivable = required_id(parts, "ARAccountRef", LABEL[kind])
    refund_from = required_id(parts, "RefundFromAccountRef", LABEL[kind])
    # The credit memos' side at their own rates; the money out at the refund's.
    posting.add(receivable, used_home, entity_id=customer_id, home=True)
    posting.add(refund_from, -total, entity_id=customer_id)
    settle_exchange(company, posting, rounding_only=False)
    posting.save(store)
    return save(company, kind, parts, txn_id, now_text, epoch, total, customer_id, source)


def _check(company: Company, source: etree._Element) -> Answer:
    kind = "Check"
    store = company.store
    parts, txn_id, now_text, epoch = stamp(company, kind, source)
    parts += header(company, kind, source, frozenset({"TxnDate", "ApplyCheckToTxnAdd",
                                                      "ExpenseLineAdd", "ItemLineAdd"}))
    payee_id = ref_id(parts, "PayeeEntityRef")
    currency = txn_currency(company, LABEL[kind], source, parts, "PayeeEntityRef")
    txn_accounts(company, currency, parts, source, LABEL[kind], "AccountRef", receivable=False)
    posting = Posting(txn_id, kind, txn_date_of(parts), rate=posting_rate(currency))
    total = Decimal(0)
    for number, line in enumerate(source.findall("ExpenseLineAdd"), start=1):
        line_parts = [element("TxnLineID", f"{number:X}-{epoch}")]
        line_parts += header(company, kind, line, frozenset())
        account = required_id(line_parts, "AccountRef", "Check line")
        check_account(company, currency, parts_ref(line_parts, "AccountRef"), "Check line")
        amount = Decimal(text_of(line, "Amount") or "0").quantize(_CENT, ROUND_HALF_UP)
        customer_id = ref_id(line_parts, "CustomerRef")
        entity = customer_id if customer_id is not None else payee_id
        posting.add(account, amount, entity_id=entity)
        total += amount
        parts.append(element("ExpenseLineRet", children=line_parts))
    for number, line in enumerate(source.findall("ItemLineAdd"), start=1):
        total += _item_line(company, posting, line, parts, number, epoch, payee_id)
    for applied in source.findall("ApplyCheckToTxnAdd"):
        credit_id = text_of(applied, "TxnID") or ""
        credit = store.get_txn(credit_id)
        if credit is None or credit.kind != "CreditMemo":
            raise object_not_found(credit_id)
        amount = Decimal(text_of(applied, "Amount") or "0")
        _ret, used = _use_credit(company, txn_id, credit_id, credit_id, credit.customer_id,
                                 amount)
        if currency is not None:
            # The A/R line carried the credit at the check's rate; the credit memo's
            # receivable is released at its own.
            receivable = text_of(_ret, "ARAccountRef/ListID") or ""
            posting.add(receivable, used - currency.to_home(amount),
                        entity_id=credit.customer_id, home=True)
        parts.append(element("LinkedTxn", children=[
            element("TxnID", credit_id), element("TxnType", "CreditMemo"),
            element("TxnDate", credit.txn_date), element("RefNumber", credit.ref_number or ""),
            element("LinkType", "AMTTYPE"), element("Amount", money(-amount))]))
    bank = required_id(parts, "AccountRef", LABEL[kind])
    posting.add(bank, -total, entity_id=payee_id)
    settle_exchange(company, posting, rounding_only=False)
    posting.save(store)
    parts.append(element("Amount", money(total)))
    if currency is not None:
        parts += currency.ret_parts(company, total, "AmountInHomeCurrency")
    return save(company, kind, parts, txn_id, now_text, epoch, total, payee_id, source)


def _item_line(company: Company, posting: Posting, line: etree._Element,
               parts: list[etree._Element], number: int, epoch: int,
               payee_id: str | None) -> Decimal:
    """A check's item line: stock bought at its cost, or the item's expense account."""
    line_parts = [element("TxnLineID", f"{number:X}-{epoch}")]
    line_parts += header(company, "Check", line, frozenset({"Quantity", "Cost", "Amount"}))
    item = company.lookup((), required_ref(parts_ref(line_parts, "ItemRef"), "ItemRef",
                                           "Check line"))
    qty = Decimal(text_of(line, "Quantity") or "1")
    cost_text = text_of(line, "Cost")
    amount = Decimal(text_of(line, "Amount") or "0") if cost_text is None \
        else qty * Decimal(cost_text)
    amount = amount.quantize(_CENT, ROUND_HALF_UP)
    line_parts += [element("Quantity", quantity(qty)), element("Amount", money(amount))]
    if item is not None and item.kind == "ItemInventory":
        site_id = ref_id(line_parts, "InventorySiteRef") or ""
        # The bank credit is the counter entry: stock comes in at what was paid.
        move_stock(company, posting, item, site_id, qty, None, payee_id,
                   value=to_home(amount, posting.rate))
    else:
        ret = company.list_ret(item) if item is not None else None
        expense = text_of(ret, "SalesAndPurchase/ExpenseAccountRef/ListID") \
            if ret is not None else None
        posting.add(expense or line_account(company, item, None) or
                    account_id(company, "Cost of Goods Sold"), amount, entity_id=payee_id)
    parts.append(element("ItemLineRet", children=line_parts))
    return amount


def add_payment(company: Company, kind: str, source: etree._Element) -> Answer:
    if kind == "ReceivePayment":
        return receive_payment(company, source)
    if kind == "ARRefundCreditCard":
        return _refund(company, source)
    return _check(company, source)

