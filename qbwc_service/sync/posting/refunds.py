"""Refund rule: a Magento credit memo as ``CreditMemoAdd``, then the money it returned.

* While the invoice is still open in QuickBooks (Magento never captured it), the credit
  is applied to it: QuickBooks applies a credit only through a payment's ``SetCredit``.
* Money returned by the gateway (an online refund, ``transaction_id`` set) leaves through
  ``ARRefundCreditCardAdd`` applied to the credit memo; an offline refund through a
  ``CheckAdd`` written on the refund bank account, applied to the credit memo through
  its A/R expense line (Intuit: "The sum of the ApplyCheckToTxn amounts MUST equal the
  amount of the ExpenseLine … which MUST be an AR account", CheckAdd reference). Either
  way the credit memo's ``CreditRemaining`` ends at zero, so no customer keeps a credit
  Magento already paid back.
* What Magento refunded to store credit (``customer_balance_amount``) stays a customer
  credit in QuickBooks, as it is in Magento.
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order
from qbwc_service.sync.config import PaymentMethodConfig
from qbwc_service.sync.exceptions import PlanningError
from qbwc_service.sync.parties import foreign_currency, setup_key
from qbwc_service.sync.plan import PlanContext, PlannedRequest, Priority, cents, document_hash
from qbwc_service.sync.posting.common import (
    awaiting_txn_id,
    header,
    hold_on_error,
    parties,
    with_lines,
)
from qbwc_service.sync.posting.lines import product_lines
from qbwc_service.sync.posting.rounding import plan_rounding
from qbwc_service.sync.posting.stock import plan_write_off

__all__ = ["plan_credit_memo", "receivable_for", "refund_route", "refunded_money"]


def plan_credit_memo(memo: CreditMemo, order: Order, ctx: PlanContext, *,
                     invoice: Invoice | None = None) -> list[PlannedRequest]:
    """``CreditMemoAdd``; then the credit applied to its open invoice, or the money refunded."""
    if memo.state == CreditMemo.STATE_CANCELED:
        return []
    label = f"credit memo {memo.increment_id}"
    magento_id = str(memo.entity_id)
    key = f"creditmemo:{magento_id}"
    refs = parties(memo, order, ctx, label)
    requests = list(refs.requests)
    depends = refs.depends_on_keys
    if memo.invoice_id is not None:
        depends += (f"invoice:{memo.invoice_id}",)
    context, notes, hold = header(memo, order, ctx, "creditmemo", refs.customer, "credit memo")
    amount = cents(getattr(memo, "grand_total" if ctx.multicurrency else "base_grand_total"))
    shell = PlannedRequest(operation="CreditMemoAdd", key=key, context=context,
                           entity_type="creditmemo", magento_id=magento_id,
                           magento_ref=memo.increment_id, depends_on_keys=depends,
                           priority=Priority.CREDIT, amount=amount,
                           txn_date=context["TxnDate"], notes=tuple(notes))
    try:
        context, roles = with_lines(context, memo, order, ctx, refs, label, "CreditMemoLineAdd")
    except PlanningError as error:
        return hold_on_error(requests, shell, error)
    main = replace(shell, context=context, document_hash=document_hash(context), hold_reason=hold,
                   depends_on_keys=depends + tuple(setup_key(r) for r in roles))
    requests.append(main)
    requests += plan_rounding(memo, order, ctx, refs, main, label=label, title="credit memo")
    requests += plan_write_off(memo, product_lines(memo.items, order, ctx, label),
                               refs.item_names, ctx, main)
    payment = ctx.config.payment_for(order.payment.method if order.payment else None)
    if invoice is not None and not invoice.is_paid and payment.flow == "invoice":
        requests.append(_apply_to_invoice(memo, invoice, main))
        return requests
    refund = _refund(memo, ctx, main, payment, foreign_currency(order, ctx))
    if refund is not None:
        requests.append(refund)
    return requests


def _apply_to_invoice(memo: CreditMemo, invoice: Invoice, main: PlannedRequest
                      ) -> PlannedRequest:
    # QuickBooks applies a credit to an invoice only through a payment's SetCredit, and
    # only while the invoice still has a balance.
    invoice_key = f"invoice:{invoice.entity_id}"
    amount = main.amount or Decimal(0)
    context: dict[str, Any] = {
        "CustomerRef": main.context["CustomerRef"], "TxnDate": main.context["TxnDate"],
        "TotalAmount": Decimal("0.00"),
        "Memo": f"Apply Magento credit memo {memo.increment_id}",
        "AppliedToTxnAdd": [{
            "TxnID": awaiting_txn_id(invoice_key), "PaymentAmount": Decimal("0.00"),
            "SetCredit": [{"CreditTxnID": awaiting_txn_id(main.key), "AppliedAmount": amount}],
        }],
    }
    return PlannedRequest(
        operation="ReceivePaymentAdd", key=f"credit-apply:{memo.entity_id}", context=context,
        entity_type="credit_application", magento_id=str(memo.entity_id),
        magento_ref=memo.increment_id, document_hash=document_hash(context),
        depends_on_keys=(main.key, invoice_key), priority=Priority.APPLY_CREDIT,
        hold_reason=main.hold_reason, amount=amount, txn_date=main.txn_date,
    )


def receivable_for(ctx: PlanContext, currency: str | None) -> str:
    """The A/R account a refund check's line goes through: ``accounts.receivable``, or for
    a customer in a foreign currency (multicurrency mode) the A/R account of that
    currency, which QuickBooks keeps apart and names after the currency ("Accounts
    Receivable - EUR"): QuickBooks refuses a foreign customer's line on a home A/R account."""
    receivable = ctx.config.accounts.receivable
    return f"{receivable} - {currency}" if currency else receivable


def refunded_money(memo: CreditMemo, ctx: PlanContext) -> Decimal:
    """What Magento paid back in money: the credit memo less what went to store credit."""
    extension = memo.raw.get("extension_attributes") or {}
    store_credit = extension.get("customer_balance_amount" if ctx.multicurrency
                                 else "base_customer_balance_amount")
    total = getattr(memo, "grand_total" if ctx.multicurrency else "base_grand_total")
    return max(cents(total) - cents(Decimal(str(store_credit or 0))), Decimal("0.00"))


def refund_route(memo: CreditMemo, payment: PaymentMethodConfig) -> str:
    """"card", "check" or "credit": how the money of this credit memo left."""
    if payment.refund != "auto":
        return payment.refund
    # Magento keeps the gateway's refund transaction id only on online refunds.
    return "card" if memo.raw.get("transaction_id") else "check"


def _refund(memo: CreditMemo, ctx: PlanContext, main: PlannedRequest,
            payment: PaymentMethodConfig, currency: str | None) -> PlannedRequest | None:
    if memo.state != CreditMemo.STATE_REFUNDED:
        return None  # Magento has not paid anything back yet
    amount = refunded_money(memo, ctx)
    route = refund_route(memo, payment)
    if not amount or route == "credit":
        return None
    customer = main.context["CustomerRef"]
    memo_text = f"Refund of Magento credit memo {memo.increment_id}" + (
        f", transaction {memo.raw['transaction_id']}" if memo.raw.get("transaction_id") else "")
    context: dict[str, Any]
    if route == "card":
        context = {"CustomerRef": customer,
                   "RefundFromAccountRef": {"FullName": payment.refund_account
                                            or payment.deposit_account},
                   "TxnDate": main.context["TxnDate"], "RefNumber": main.context["RefNumber"]}
        if payment.qb_method:
            context["PaymentMethodRef"] = {"FullName": payment.qb_method}
        context["Memo"] = memo_text
        if "ExchangeRate" in main.context:
            context["ExchangeRate"] = main.context["ExchangeRate"]
        context["RefundAppliedToTxnAdd"] = [{"TxnID": awaiting_txn_id(main.key),
                                             "RefundAmount": amount}]
        operation = "ARRefundCreditCardAdd"
    else:
        accounts = ctx.config.accounts
        context = {"AccountRef": {"FullName": payment.refund_account or accounts.refund_bank},
                   "PayeeEntityRef": customer, "RefNumber": main.context["RefNumber"],
                   "TxnDate": main.context["TxnDate"], "Memo": memo_text}
        if "ExchangeRate" in main.context:
            context["ExchangeRate"] = main.context["ExchangeRate"]
        context["ApplyCheckToTxnAdd"] = [{"TxnID": awaiting_txn_id(main.key), "Amount": amount}]
        context["ExpenseLineAdd"] = [{"AccountRef": {"FullName": receivable_for(ctx, currency)},
                                      "Amount": amount, "Memo": memo_text,
                                      "CustomerRef": customer}]
        operation = "CheckAdd"
    return PlannedRequest(
        operation=operation, key=f"refund:{memo.entity_id}", context=context,
        entity_type="refund", magento_id=str(memo.entity_id), magento_ref=memo.increment_id,
        document_hash=document_hash(context), depends_on_keys=(main.key,),
        priority=Priority.REFUND, hold_reason=main.hold_reason, amount=amount,
        txn_date=main.txn_date,
    )
