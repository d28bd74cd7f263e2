"""Currency rounding rule: a journal entry that puts Magento's base amounts on income and
Sales Tax Payable when no exchange rate can.

A foreign document is posted at a rate that makes QuickBooks' conversion of its total
Magento's base total (:func:`.common.home_exchange_rate`), and where one exists at a rate
that also gives Magento's base net sales and base tax (:func:`.common.account_exact_rate`).
Magento computes base amounts from base prices, so for some documents no such rate exists:
QuickBooks then books income and tax a cent or two from Magento's figures, the difference
in Exchange Gain or Loss. For those documents this rule plans two more requests:

1. a read-back of the posted transaction's journal lines (``TransactionQuery`` by its
   RefNumber, type and date, ``TransactionDetailLevelFilter`` ``All``; the XSD makes TxnID
   and the detail level a choice, so the handler keeps the lines of the document's own
   TxnID), and
2. a ``JournalEntryAdd`` depending on it, planned with what Magento's base figures say
   each account should hold: every line's base amount on ``accounts.income`` (the account
   every item the service creates books to) and the base tax on Sales
   Tax Payable under the tax agency (``tax.agency``; QuickBooks wants the agency as the
   name on a Sales Tax Payable line). The handler of the read-back answer
   (``handlers/rounding.py``) turns it into lines: per account, what Magento says less
   what QuickBooks posted, balanced by one line to ``accounts.rounding`` (default
   Exchange Gain or Loss). When QuickBooks posted Magento's figures already there is
   nothing to correct and the entry is settled as skipped, never sent.

The entry is in home currency (no CurrencyRef) and touches no A/R account; it carries the
document's RefNumber and date, a memo naming the Magento document on every line, and an
ExternalGUID of its own, by which a lost answer is recognised (exactly once: the look-up
by RefNumber runs before it is sent again). Without a tax agency the tax cannot be named
on a journal line, so only income is corrected and the tax rounding stays in Exchange Gain
or Loss.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from decimal import Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order
from qbwc_service.handlers.rounding import CORRECTION, readback_key
from qbwc_service.sync.exceptions import PlanningError
from qbwc_service.sync.plan import PlanContext, PlannedRequest, Priority, cents, document_hash
from qbwc_service.sync.posting.common import Parties, rate_fits
from qbwc_service.sync.posting.lines import LINE_TAGS, build_lines
from qbwc_service.sync.posting.tax import tax_lines, tax_shares

__all__ = ["SALES_TAX_PAYABLE", "base_targets", "plan_rounding"]

SALES_TAX_PAYABLE = "Sales Tax Payable"
_TXN_TYPES = {"InvoiceAdd": "Invoice", "SalesReceiptAdd": "SalesReceipt",
              "CreditMemoAdd": "CreditMemo"}
# How many journal lines the read-back may answer: one document's lines, in one page.
_MAX_LINES = 500
_GUID_NAMESPACE = uuid.UUID("7b0f3f4e-3c1a-5d8e-9a51-6f2d0c4e8b17")


def base_targets(document: Invoice | CreditMemo, order: Order, ctx: PlanContext,
                 refs: Parties, label: str, *, credit: bool) -> list[dict[str, Any]]:
    """What each account should hold after the document, from Magento's base amounts:
    signed as the journal (debit positive), income per account, the tax per agency."""
    base_ctx = replace(ctx, config=replace(ctx.config, currency_mode="home"))
    shares = tax_shares(document, order, base_ctx)
    # Tax lines only need telling apart here (they are never sent): a name no item has.
    base_tax = tax_lines(shares, {share.code: f"\0{share.code}" for share in shares})
    built = build_lines(document, order, base_ctx, refs.item_names, label=label,
                        tax_lines=base_tax)
    tax_items = {line["ItemRef"]["FullName"] for line in base_tax}
    income = ctx.config.accounts.income
    sign = Decimal(1) if credit else Decimal(-1)
    held: dict[tuple[str, str], Decimal] = {}
    for line in built.lines:
        item = line["ItemRef"]["FullName"]
        amount = Decimal(line["Amount"]) * sign
        if item in tax_items:
            if not ctx.config.tax.agency:
                continue  # no name for a Sales Tax Payable line: the tax is not corrected
            key = (SALES_TAX_PAYABLE, ctx.config.tax.agency)
        else:
            key = (income, "")  # every item the service creates books to it
        held[key] = held.get(key, Decimal(0)) + amount
    targets: list[dict[str, Any]] = []
    for (account, entity), amount in held.items():
        target: dict[str, Any] = {"AccountRef": {"FullName": account}}
        if entity:
            target["EntityRef"] = {"FullName": entity}
        target["Amount"] = cents(amount)
        targets.append(target)
    return targets


def plan_rounding(document: Invoice | CreditMemo, order: Order, ctx: PlanContext,
                  refs: Parties, main: PlannedRequest, *, label: str,
                  title: str) -> list[PlannedRequest]:
    """The read-back and the correcting journal entry of a foreign ``main`` document whose
    rate could not give Magento's base amounts account by account (else nothing)."""
    rate = main.context.get("ExchangeRate")
    line_tag = LINE_TAGS.get(main.operation)
    if rate is None or line_tag is None:
        return []
    lines = list(main.context.get(line_tag) or [])
    if rate_fits(document, lines, list(refs.tax_lines), Decimal(rate)):
        return []
    try:
        targets = base_targets(document, order, ctx, refs, label,
                               credit=main.operation == "CreditMemoAdd")
    except PlanningError:
        return []  # Magento's base amounts do not add up: the rounding stays as posted
    txn_date = main.context["TxnDate"]
    ref_number = main.context["RefNumber"]
    readback_context: dict[str, Any] = {
        "MaxReturned": _MAX_LINES,
        "RefNumber": [ref_number],
        "TransactionDateRangeFilter": {"FromTxnDate": txn_date, "ToTxnDate": txn_date},
        "TransactionTypeFilter": {"TxnTypeFilter": [_TXN_TYPES[main.operation]]},
        "TransactionDetailLevelFilter": "All",
    }
    readback = PlannedRequest(
        operation="TransactionQuery", key=readback_key(main.key),
        context=readback_context, magento_ref=main.magento_ref,
        document_hash=document_hash(readback_context), depends_on_keys=(main.key,),
        priority=Priority.ROUNDING, hold_reason=main.hold_reason, txn_date=main.txn_date)
    memo = f"Currency rounding for Magento {title} {document.increment_id}"
    entry_context: dict[str, Any] = {
        "TxnDate": txn_date,
        "RefNumber": ref_number,
        "ExternalGUID": "{" + str(uuid.uuid5(_GUID_NAMESPACE, f"rounding:{main.key}")) + "}",
        CORRECTION: {"Memo": memo, "Targets": targets,
                     "RoundingAccountRef": {"FullName": ctx.config.accounts.rounding}},
    }
    entry = PlannedRequest(
        operation="JournalEntryAdd", key=f"rounding:{main.key}", context=entry_context,
        entity_type=f"{main.entity_type}_rounding", magento_id=main.magento_id,
        magento_ref=main.magento_ref, document_hash=document_hash(entry_context),
        depends_on_keys=(readback.key,), priority=Priority.ROUNDING,
        hold_reason=main.hold_reason, txn_date=main.txn_date)
    return [readback, entry]
