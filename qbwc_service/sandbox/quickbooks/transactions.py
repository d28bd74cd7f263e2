"""Transaction Adds: invoices, sales receipts and credit memos here; the others dispatched.

Totals follow QuickBooks: line Amount = Quantity * Rate unless given; sales tax is the
ItemSalesTax rate applied to lines whose sales tax code is taxable; inventory lines move
on-hand quantity at their InventorySiteRef ("" stands for QuickBooks' unassigned site).
Every document posts its journal lines (``posting``) in the same store transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Answer, Company, required_ref
from qbwc_service.sandbox.quickbooks.currency import (
    posting_rate,
    settle_exchange,
    txn_accounts,
    txn_currency,
)
from qbwc_service.sandbox.quickbooks.defaults import sales_defaults
from qbwc_service.sandbox.quickbooks.journal import JOURNAL_ADDS, add_journal_entry
from qbwc_service.sandbox.quickbooks.ledger import Posting
from qbwc_service.sandbox.quickbooks.payments import PAYMENT_ADDS, add_payment, apply_credits
from qbwc_service.sandbox.quickbooks.posting import (
    SalesLine,
    line_account,
    post_sales_document,
    stored_ret,
)
from qbwc_service.sandbox.quickbooks.refusals import save_refused
from qbwc_service.sandbox.quickbooks.retxml import (
    echoed,
    element,
    from_text,
    money,
    ordered,
    quantity,
    text_of,
    to_text,
)
from qbwc_service.sandbox.quickbooks.stock import STOCK_ADDS, add_stock_movement
from qbwc_service.sandbox.quickbooks.store import TxnRow
from qbwc_service.sandbox.quickbooks.txnbase import (
    LABEL,
    header,
    parts_ref,
    price_text,
    ref_id,
    required_id,
    resave,
    restamp,
    save,
    stamp,
    txn_date_of,
)

__all__ = ["SALES_KINDS", "TXN_ADDS", "add_transaction", "sales_document"]

_CENT = Decimal("0.01")
SALES_KINDS = frozenset({"Invoice", "SalesReceipt", "CreditMemo"})
# Where a sales document's Ret gives its total in home currency (the XSD's element).
_HOME_TOTAL = {"Invoice": "BalanceRemainingInHomeCurrency",
               "SalesReceipt": "TotalAmountInHomeCurrency",
               "CreditMemo": "CreditRemainingInHomeCurrency"}


@dataclass
class _Totals:
    subtotal: Decimal = Decimal(0)
    taxable: Decimal = Decimal(0)
    lines: list[SalesLine] = field(default_factory=list)
    line_number: int = 0
    epoch: int = 0


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _sales_line(company: Company, kind: str, line: etree._Element, totals: _Totals,
                group_site: etree._Element | None, taxable_codes: set[str]) -> etree._Element:
    where = f"{LABEL[kind]} line"
    totals.line_number += 1
    parts = [element("TxnLineID", f"{totals.line_number:X}-{totals.epoch}")]
    item_row = None
    for child in line:
        if not isinstance(child.tag, str) or child.tag in ("Rate", "Amount", "Quantity"):
            continue
        if str(child.tag).endswith("Ref"):
            resolved = company.resolve(child, where)
            parts.append(resolved)
            if child.tag == "ItemRef":
                item_row = company.lookup((), resolved)
        elif (copy := echoed(child)) is not None:
            parts.append(copy)
    if group_site is not None and line.find("InventorySiteRef") is None:
        parts.append(from_text(to_text(group_site)))
    item_ret = stored_ret(item_row) if item_row is not None else None
    qty_text = text_of(line, "Quantity")
    rate_text = text_of(line, "Rate")
    amount_text = text_of(line, "Amount")
    qty = Decimal(qty_text) if qty_text else None
    price = text_of(item_ret, ".//SalesPrice") or text_of(item_ret, ".//Price") \
        if item_ret is not None else None
    rate = Decimal(rate_text) if rate_text else None
    if amount_text:
        amount = _round(Decimal(amount_text))  # QuickBooks keeps amounts to the cent
        if rate is None and qty:
            rate = amount / qty
    else:
        if rate is None:
            rate = Decimal(price) if price else Decimal(0)
        amount = _round((qty if qty is not None else Decimal(1)) * rate)
    if qty is not None:
        parts.append(element("Quantity", quantity(qty)))
    if rate is not None and line.find("RatePercent") is None:
        parts.append(element("Rate", price_text(rate)))
    parts.append(element("Amount", money(amount)))
    code = text_of(line, "SalesTaxCodeRef/FullName")
    item_code = item_ret.find("SalesTaxCodeRef") if item_ret is not None else None
    if code is None and item_code is not None:
        code = text_of(item_code, "FullName")
        if code is not None and line.find("SalesTaxCodeRef") is None:
            parts.append(from_text(to_text(item_code)))
    totals.subtotal += amount
    if code is not None and code.lower() in taxable_codes:
        totals.taxable += amount
    site_id = ""
    if item_row is not None and item_row.kind == "ItemInventory":
        site = line.find("InventorySiteRef")
        site = site if site is not None else group_site
        site_row = company.lookup(("InventorySite",), site) if site is not None else None
        site_id = site_row.list_id if site_row is not None else ""
    if item_row is None and amount != 0:
        # Nothing to post it to: QuickBooks takes amounts only on lines with an item.
        raise save_refused(f"{LABEL[kind]} line", "A line with an amount needs an item.")
    override = parts_ref(parts, "OverrideItemAccountRef")
    totals.lines.append(SalesLine(item_row, line_account(company, item_row, override), amount,
                                  site_id, qty if qty is not None else Decimal(1)))
    return ordered(f"{kind}LineRet", parts)


def _group_line(company: Company, kind: str, group: etree._Element, totals: _Totals,
                taxable_codes: set[str]) -> etree._Element:
    where = f"{LABEL[kind]} line"
    group_ref = company.resolve(required_ref(group.find("ItemGroupRef"), "ItemGroupRef", where),
                                where, ("ItemGroup",))
    group_row = company.lookup(("ItemGroup",), group_ref)
    assert group_row is not None
    group_ret = company.list_ret(group_row)
    count = Decimal(text_of(group, "Quantity") or "1")
    site = group.find("InventorySiteRef")
    if site is not None:
        site = company.resolve(site, where)
    before = totals.subtotal
    totals.line_number += 1
    parts = [element("TxnLineID", f"{totals.line_number:X}-{totals.epoch}"),
             group_ref, element("Desc", text_of(group, "Desc") or text_of(group_ret, "ItemDesc")
                                or group_row.name),
             element("Quantity", quantity(count)),
             element("IsPrintItemsInGroup", text_of(group_ret, "IsPrintItemsInGroup") or "false")]
    for member in group_ret.findall("ItemGroupLine"):
        item_ref = required_ref(member.find("ItemRef"), "ItemRef", where)
        line = element("Line", children=[from_text(to_text(item_ref))])
        line.append(element("Quantity", quantity(Decimal(text_of(member, "Quantity") or "1")
                                                 * count)))
        parts.append(_sales_line(company, kind, line, totals, site, taxable_codes))
    parts.append(element("TotalAmount", money(totals.subtotal - before)))
    return ordered(f"{kind}LineGroupRet", parts)


def sales_document(company: Company, kind: str, source: etree._Element,
                   existing: TxnRow | None = None) -> Answer:
    """Add an invoice, sales receipt or credit memo, or re-post ``existing`` from ``source``
    (an Add-shaped aggregate built by a Mod)."""
    store = company.store
    if existing is None:
        parts, txn_id, now_text, epoch = stamp(company, kind, source)
    else:
        parts, txn_id, now_text, epoch = restamp(company, kind, source, existing)
    line_tags = (f"{kind}LineAdd", f"{kind}LineGroupAdd")
    parts += header(company, kind, source, frozenset({"TxnDate", *line_tags}))
    parts += sales_defaults(company, kind, parts)
    currency = txn_currency(company, LABEL[kind], source, parts)
    receipt = kind == "SalesReceipt"
    txn_accounts(company, currency, parts, source, LABEL[kind], "DepositToAccountRef",
                 receivable=not receipt, default_account="Undeposited Funds" if receipt
                 else None)
    ref_number = text_of(source, "RefNumber")
    if ref_number is None:
        ref_number = str(store.next_counter(f"ref:{kind}"))
        parts.append(element("RefNumber", ref_number))
    taxable_codes = {row.name.lower() for row in store.lists_of(("SalesTaxCode",))
                     if text_of(company.list_ret(row), "IsTaxable") == "true"}
    totals = _Totals(epoch=epoch)
    for line in source:
        if line.tag == f"{kind}LineAdd":
            parts.append(_sales_line(company, kind, line, totals, None, taxable_codes))
        elif line.tag == f"{kind}LineGroupAdd":
            parts.append(_group_line(company, kind, line, totals, taxable_codes))
    tax_ref = parts_ref(parts, "ItemSalesTaxRef")
    if tax_ref is None:
        tax_ref = company.default_ref("ItemSalesTaxRef", "ItemSalesTax", "State Tax")
        if tax_ref is not None:
            parts.append(tax_ref)
    rate = Decimal(0)
    if tax_ref is not None:
        tax_row = company.lookup(("ItemSalesTax",), tax_ref)
        rate = Decimal(text_of(company.list_ret(tax_row), "TaxRate") or "0") if tax_row else rate
    customer_code = text_of(parts_ref(parts, "CustomerSalesTaxCodeRef"), "FullName") \
        if parts_ref(parts, "CustomerSalesTaxCodeRef") is not None else None
    taxable = Decimal(0) if customer_code and customer_code.lower() not in taxable_codes \
        else totals.taxable
    tax = _round(taxable * rate / 100)
    total = _round(totals.subtotal) + tax
    parts += [element("Subtotal", money(totals.subtotal)),
              element("SalesTaxPercentage", quantity(rate)), element("SalesTaxTotal", money(tax))]
    if kind == "Invoice":
        parts += [element("AppliedAmount", "0.00"), element("BalanceRemaining", money(total)),
                  element("IsPaid", "false" if total > 0 else "true")]
    elif kind == "CreditMemo":
        parts += [element("TotalAmount", money(total)), element("CreditRemaining", money(total))]
    else:
        parts.append(element("TotalAmount", money(total)))
    if currency is not None:
        parts += currency.ret_parts(company, total, _HOME_TOTAL[kind])
    customer_id = ref_id(parts, "CustomerRef")
    header_account = required_id(parts, "DepositToAccountRef" if kind == "SalesReceipt"
                                 else "ARAccountRef", LABEL[kind])
    posting = Posting(txn_id, kind, txn_date_of(parts), rate=posting_rate(currency))
    post_sales_document(company, posting, kind, header_account, customer_id, totals.lines,
                        tax, total)
    moved = Decimal(0)
    if kind == "Invoice":
        # Credits booked at another rate than the invoice's leave the difference on A/R.
        moved = apply_credits(company, txn_id, txn_id, customer_id, source.findall("SetCredit"),
                              total - store.applied_to(txn_id), posting.rate or Decimal(1))
        posting.add(header_account, moved, entity_id=customer_id, home=True)
    settle_exchange(company, posting, rounding_only=not moved)
    posting.save(store)
    if existing is not None:
        return resave(company, kind, parts, existing, now_text, total, customer_id, source)
    return save(company, kind, parts, txn_id, now_text, epoch, total, customer_id=customer_id,
                source=source)


def add_transaction(company: Company, request: etree._Element) -> Answer:
    source = request[0]
    kind = str(source.tag)[: -len("Add")]
    if kind in SALES_KINDS:
        return sales_document(company, kind, source)
    if kind in PAYMENT_ADDS:
        return add_payment(company, kind, source)
    if kind in JOURNAL_ADDS:
        return add_journal_entry(company, source)
    return add_stock_movement(company, kind, source)


TXN_ADDS = frozenset({*SALES_KINDS, *PAYMENT_ADDS, *STOCK_ADDS, *JOURNAL_ADDS})


