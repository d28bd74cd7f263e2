"""Sales rule: a Magento invoice as ``InvoiceAdd`` (+ ``ReceivePaymentAdd``) or
``SalesReceiptAdd``, chosen per payment method; orders themselves are never posted.

Canceled, never-invoiced orders leave no trace in the books, and an admin edit (``-1``,
``-2``) is a cancel plus a new order whose invoices are planned like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from magento_client.documents import Invoice, Order
from qbwc_service.sync.exceptions import DocumentSkipped, PlanningError
from qbwc_service.sync.parties import setup_key
from qbwc_service.sync.plan import PlanContext, PlannedRequest, Priority, cents, document_hash
from qbwc_service.sync.posting.common import (
    awaiting_txn_id,
    header,
    hold_on_error,
    parties,
    with_lines,
)
from qbwc_service.sync.posting.rounding import plan_rounding

__all__ = ["OrderPlan", "empty_invoice", "plan_invoice", "plan_order"]


@dataclass(frozen=True)
class OrderPlan:
    """What an order needs before its invoices: its customer and items, or nothing."""

    requests: list[PlannedRequest] = field(default_factory=list)
    skipped_reason: str | None = None
    supersedes: str | None = None  # increment id of the order an admin edit replaced


def plan_order(order: Order, ctx: PlanContext) -> OrderPlan:
    """Canceled never-invoiced orders plan nothing; edits record the order they replace."""
    supersedes = order.original_increment_id if order.is_edited else None
    if order.state == "canceled" and order.total_invoiced == 0:
        return OrderPlan(skipped_reason=f"order {order.increment_id} was canceled before "
                         "it was invoiced; nothing is posted", supersedes=supersedes)
    return OrderPlan(supersedes=supersedes)


def empty_invoice(invoice: Invoice, *, multicurrency: bool) -> bool:
    """A 0.00 invoice with no units: nothing is posted for it, and nothing is owed."""
    amount = cents(getattr(invoice, "grand_total" if multicurrency else "base_grand_total"))
    return not amount and not any(row.qty for row in invoice.items)


def plan_invoice(invoice: Invoice, order: Order, ctx: PlanContext) -> list[PlannedRequest]:
    """A Magento invoice as ``InvoiceAdd`` (+ ``ReceivePaymentAdd``) or ``SalesReceiptAdd``."""
    if invoice.state == Invoice.STATE_CANCELED:
        return []
    label = f"invoice {invoice.increment_id}"
    magento_id = str(invoice.entity_id)
    if empty_invoice(invoice, multicurrency=ctx.multicurrency):
        raise DocumentSkipped(label, "a 0.00 invoice with no items; nothing to post")
    amount = cents(getattr(invoice, "grand_total" if ctx.multicurrency else "base_grand_total"))
    payment = ctx.config.payment_for(order.payment.method if order.payment else None)
    key = f"invoice:{magento_id}"
    # An invoice first seen open went out as InvoiceAdd; once paid it gets its payment
    # rather than becoming a sales receipt as well.
    receipt = payment.flow == "sales_receipt" and invoice.is_paid \
        and ctx.lookup.queued_operation(key) != "InvoiceAdd"
    operation = "SalesReceiptAdd" if receipt else "InvoiceAdd"
    refs = parties(invoice, order, ctx, label)
    requests = list(refs.requests)
    context, notes, hold = header(invoice, order, ctx, "invoice", refs.customer, "invoice")
    shell = PlannedRequest(operation=operation, key=key, context=context, entity_type="invoice",
                           magento_id=magento_id, magento_ref=invoice.increment_id,
                           depends_on_keys=refs.depends_on_keys, priority=Priority.SALE,
                           amount=amount, txn_date=context["TxnDate"], notes=tuple(notes))
    extra: dict[str, Any] = {}
    if receipt:
        if payment.qb_method:
            extra["PaymentMethodRef"] = {"FullName": payment.qb_method}
        extra["DepositToAccountRef"] = {"FullName": payment.deposit_account}
    try:
        context, roles = with_lines(context, invoice, order, ctx, refs, label,
                                    "SalesReceiptLineAdd" if receipt else "InvoiceLineAdd",
                                    **extra)
    except PlanningError as error:
        return hold_on_error(requests, shell, error)
    main = replace(shell, context=context, document_hash=document_hash(context), hold_reason=hold,
                   depends_on_keys=refs.depends_on_keys + tuple(setup_key(role)
                                                                for role in roles))
    requests.append(main)
    requests += plan_rounding(invoice, order, ctx, refs, main, label=label, title="invoice")
    if not receipt and invoice.is_paid and amount:
        requests.append(_payment(invoice, order, ctx, main, payment.qb_method,
                                 payment.deposit_account))
    return requests


def _payment(invoice: Invoice, order: Order, ctx: PlanContext, main: PlannedRequest,
             method: str, deposit_account: str) -> PlannedRequest:
    amount = main.amount or Decimal(0)
    # Dated the day Magento recorded the payment: a paid invoice's updated_at is when it
    # was captured (Magento saves the invoice as it moves from open to paid); an invoice
    # captured at creation has both on the same moment.
    paid_at = invoice.updated_at or invoice.created_at
    paid_on, hold, _moved = ctx.open_date(ctx.local_date(paid_at, invoice.store_id
                                                         or order.store_id))
    paid_on = max(paid_on, main.context["TxnDate"])
    context: dict[str, Any] = {
        "CustomerRef": main.context["CustomerRef"],
        "TxnDate": paid_on,
        # The invoice's own RefNumber: unique per payment, where the gateway's transaction
        # id repeats across the partial invoices of one capture (it goes in the memo).
        "RefNumber": main.context["RefNumber"],
        "TotalAmount": amount,
    }
    if "ExchangeRate" in main.context:
        context["ExchangeRate"] = main.context["ExchangeRate"]
    if method:
        context["PaymentMethodRef"] = {"FullName": method}
    context["Memo"] = f"Payment for Magento invoice {invoice.increment_id}" + (
        f", transaction {invoice.transaction_id}" if invoice.transaction_id else "")
    context["DepositToAccountRef"] = {"FullName": deposit_account}
    context["AppliedToTxnAdd"] = [{"TxnID": awaiting_txn_id(main.key), "PaymentAmount": amount}]
    return PlannedRequest(
        operation="ReceivePaymentAdd", key=f"payment:{invoice.entity_id}", context=context,
        entity_type="payment", magento_id=str(invoice.entity_id),
        magento_ref=invoice.increment_id, document_hash=document_hash(context),
        depends_on_keys=(main.key,), priority=Priority.PAYMENT,
        hold_reason=main.hold_reason or hold, amount=amount, txn_date=paid_on,
    )
