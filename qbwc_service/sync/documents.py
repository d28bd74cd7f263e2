"""Plans for Magento's accounting documents: invoices, credit memos, orders.

One QuickBooks transaction per Magento document (magento-rest.md §8-§9): a Magento
invoice becomes an ``InvoiceAdd`` (plus ``ReceivePaymentAdd`` once paid) or a
``SalesReceiptAdd``, chosen per payment method; a credit memo becomes a
``CreditMemoAdd``. Orders themselves are never posted: canceled, never-invoiced orders
leave no trace in the books, and an admin edit (``-1``, ``-2``) is a cancel plus a new
order whose invoices are planned like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order
from qbwc_service.sync.exceptions import PlanningError
from qbwc_service.sync.lines import build_lines
from qbwc_service.sync.names import ref_number
from qbwc_service.sync.parties import (
    PartyRef,
    clip,
    plan_customer,
    plan_item,
    qb_address,
    setup_key,
)
from qbwc_service.sync.plan import PlanContext, PlannedRequest, Priority, cents, document_hash

__all__ = [
    "OrderPlan",
    "awaiting_txn_id",
    "plan_credit_memo",
    "plan_invoice",
    "plan_order",
]


def awaiting_txn_id(key: str) -> str:
    """A stand-in for the TxnID the request ``key`` will get; its handler fills it in."""
    return f"@txn:{key}"


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


def _header(document: Invoice | CreditMemo, order: Order, ctx: PlanContext, entity: str,
            customer: PartyRef, title: str) -> tuple[dict[str, Any], list[str], str | None]:
    """Customer, class, date, RefNumber, addresses, memo; notes and hold reason."""
    magento_id = str(document.entity_id)
    notes: list[str] = []
    local = ctx.local_date(document.created_at, document.store_id or order.store_id)
    txn_date, hold, moved = ctx.open_date(local)
    if moved:
        notes.append(moved)
    known = ctx.lookup.qb_name(entity, magento_id)
    ref = known or ref_number(document.increment_id, lambda candidate: ctx.lookup.name_owner(
        entity, candidate) not in (None, magento_id))
    ctx.lookup.claim(entity, magento_id, ref)
    if ref != document.increment_id:
        notes.append(f"RefNumber {ref} stands for {document.increment_id}")
    memo_parts = [f"Magento {title} {document.increment_id}, order {order.increment_id}"]
    if order.is_edited and order.original_increment_id:
        memo_parts.append(f"(edit of {order.original_increment_id})")
    memo_parts += notes
    header: dict[str, Any] = {"CustomerRef": {"FullName": customer.name}}
    class_name = ctx.config.class_for(order.store_id)
    if class_name and ctx.facts.class_tracking_enabled:
        header["ClassRef"] = {"FullName": class_name}
    header["TxnDate"] = txn_date
    header["RefNumber"] = ref
    bill = qb_address(order.billing_address)
    ship = qb_address(order.shipping_address)
    if bill:
        header["BillAddress"] = bill
    if ship:
        header["ShipAddress"] = ship
    header["Memo"] = clip("; ".join(memo_parts), 4095)
    if ctx.multicurrency and document.base_to_order_rate not in (0, 1):
        # QuickBooks wants home-currency units per foreign unit; Magento gives the inverse.
        header["ExchangeRate"] = (Decimal(1) / document.base_to_order_rate).quantize(
            Decimal("0.000001"))
    return header, notes, hold


def _parties(document: Invoice | CreditMemo, order: Order, ctx: PlanContext, label: str
             ) -> tuple[PartyRef, dict[str, PartyRef], list[PlannedRequest]]:
    from qbwc_service.sync.lines import product_lines

    customer = plan_customer(order, ctx)
    items: dict[str, PartyRef] = {}
    for line in product_lines(document.items, order, ctx, label):
        if line.sku not in items:
            items[line.sku] = plan_item(line, ctx)
    planned = [ref.request for ref in (customer, *items.values()) if ref.request is not None]
    return customer, items, planned


def _hold_on_error(requests: list[PlannedRequest], main: PlannedRequest,
                   error: PlanningError) -> list[PlannedRequest]:
    return [*requests, replace(main, hold_reason=f"not posted: {error.message}")]


def plan_invoice(invoice: Invoice, order: Order, ctx: PlanContext) -> list[PlannedRequest]:
    """A Magento invoice as ``InvoiceAdd`` (+ ``ReceivePaymentAdd``) or ``SalesReceiptAdd``."""
    if invoice.state == Invoice.STATE_CANCELED:
        return []
    label = f"invoice {invoice.increment_id}"
    magento_id = str(invoice.entity_id)
    payment = ctx.config.payment_for(order.payment.method if order.payment else None)
    receipt = payment.flow == "sales_receipt" and invoice.is_paid
    operation = "SalesReceiptAdd" if receipt else "InvoiceAdd"
    key = f"invoice:{magento_id}"
    customer, items, requests = _parties(invoice, order, ctx, label)
    depends = tuple(ref.key for ref in (customer, *items.values()))
    header, notes, hold = _header(invoice, order, ctx, "invoice", customer, "invoice")
    amount = cents(getattr(invoice, "grand_total" if ctx.multicurrency else "base_grand_total"))
    shell = PlannedRequest(operation=operation, key=key, context=header, entity_type="invoice",
                           magento_id=magento_id, magento_ref=invoice.increment_id,
                           depends_on_keys=depends, priority=Priority.SALE, amount=amount,
                           txn_date=header["TxnDate"], notes=tuple(notes))
    try:
        built = build_lines(invoice, order, ctx, {s: r.name for s, r in items.items()}, label=label)
    except PlanningError as error:
        return _hold_on_error(requests, shell, error)
    context = dict(header)
    if built.lines:
        context["ItemSalesTaxRef"] = {"FullName": ctx.config.tax.zero_rate_tax_item}
    if receipt:
        if payment.qb_method:
            context["PaymentMethodRef"] = {"FullName": payment.qb_method}
        context["DepositToAccountRef"] = {"FullName": payment.deposit_account}
    context["SalesReceiptLineAdd" if receipt else "InvoiceLineAdd"] = built.lines
    main = replace(shell, context=context, document_hash=document_hash(context), hold_reason=hold,
                   depends_on_keys=depends + tuple(setup_key(role) for role in built.roles))
    requests.append(main)
    if not receipt and invoice.is_paid:
        requests.append(_payment(invoice, order, ctx, main, payment.qb_method,
                                 payment.deposit_account))
    return requests


def _payment(invoice: Invoice, order: Order, ctx: PlanContext, main: PlannedRequest,
             method: str, deposit_account: str) -> PlannedRequest:
    amount = main.amount or Decimal(0)
    context: dict[str, Any] = {
        "CustomerRef": main.context["CustomerRef"],
        "TxnDate": main.context["TxnDate"],
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
        depends_on_keys=(main.key,), priority=Priority.PAYMENT, hold_reason=main.hold_reason,
        amount=amount, txn_date=main.txn_date,
    )


def plan_credit_memo(memo: CreditMemo, order: Order, ctx: PlanContext, *,
                     invoice: Invoice | None = None) -> list[PlannedRequest]:
    """A Magento credit memo as ``CreditMemoAdd``, applied to its invoice while it is open."""
    if memo.state == CreditMemo.STATE_CANCELED:
        return []
    label = f"credit memo {memo.increment_id}"
    magento_id = str(memo.entity_id)
    key = f"creditmemo:{magento_id}"
    customer, items, requests = _parties(memo, order, ctx, label)
    depends = [ref.key for ref in (customer, *items.values())]
    if memo.invoice_id is not None:
        depends.append(f"invoice:{memo.invoice_id}")
    header, notes, hold = _header(memo, order, ctx, "creditmemo", customer, "credit memo")
    amount = cents(getattr(memo, "grand_total" if ctx.multicurrency else "base_grand_total"))
    shell = PlannedRequest(operation="CreditMemoAdd", key=key, context=header,
                           entity_type="creditmemo", magento_id=magento_id,
                           magento_ref=memo.increment_id, depends_on_keys=tuple(depends),
                           priority=Priority.CREDIT, amount=amount, txn_date=header["TxnDate"],
                           notes=tuple(notes))
    try:
        built = build_lines(memo, order, ctx, {s: r.name for s, r in items.items()}, label=label)
    except PlanningError as error:
        return _hold_on_error(requests, shell, error)
    context = dict(header)
    if built.lines:
        context["ItemSalesTaxRef"] = {"FullName": ctx.config.tax.zero_rate_tax_item}
    context["CreditMemoLineAdd"] = built.lines
    main = replace(shell, context=context, document_hash=document_hash(context), hold_reason=hold,
                   depends_on_keys=tuple(depends) + tuple(setup_key(r) for r in built.roles))
    requests.append(main)
    payment = ctx.config.payment_for(order.payment.method if order.payment else None)
    if invoice is not None and not invoice.is_paid and payment.flow == "invoice":
        # QuickBooks applies a credit to an invoice only through a payment's SetCredit,
        # and only while the invoice still has a balance.
        invoice_key = f"invoice:{invoice.entity_id}"
        apply_context: dict[str, Any] = {
            "CustomerRef": main.context["CustomerRef"], "TxnDate": main.context["TxnDate"],
            "TotalAmount": Decimal("0.00"),
            "Memo": f"Apply Magento credit memo {memo.increment_id}",
            "AppliedToTxnAdd": [{
                "TxnID": awaiting_txn_id(invoice_key), "PaymentAmount": Decimal("0.00"),
                "SetCredit": [{"CreditTxnID": awaiting_txn_id(key), "AppliedAmount": amount}],
            }],
        }
        requests.append(PlannedRequest(
            operation="ReceivePaymentAdd", key=f"credit-apply:{magento_id}",
            context=apply_context, entity_type="credit_application", magento_id=magento_id,
            magento_ref=memo.increment_id, document_hash=document_hash(apply_context),
            depends_on_keys=(key, invoice_key), priority=Priority.APPLY_CREDIT,
            hold_reason=hold, amount=amount, txn_date=main.txn_date,
        ))
    return requests
