"""Transaction Adds: invoices, sales receipts, credit memos, payments, stock movements.

Totals follow QuickBooks: line Amount = Quantity * Rate unless given; sales tax is the
ItemSalesTax rate applied to lines whose sales tax code is taxable; inventory lines move
on-hand quantity at their InventorySiteRef ("" stands for QuickBooks' unassigned site).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Answer, Company, object_not_found, qb_error
from qbwc_service.sandbox.quickbooks.defaults import sales_defaults
from qbwc_service.sandbox.quickbooks.exceptions import QbRequestRefused
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
from qbwc_service.sandbox.quickbooks.store import TxnRow

__all__ = ["TXN_ADDS", "add_transaction"]

_CENT = Decimal("0.01")
# Sales documents move stock out; a credit memo brings it back.
_STOCK_SIGN = {"Invoice": Decimal(-1), "SalesReceipt": Decimal(-1), "CreditMemo": Decimal(1)}
_LABEL = {"Invoice": "Invoice", "SalesReceipt": "Sales Receipt", "CreditMemo": "Credit Memo",
          "ReceivePayment": "Receive Payment", "InventoryAdjustment": "Inventory Adjustment",
          "TransferInventory": "Transfer Inventory"}
_HEADER_SKIP = frozenset({"DiscountLineAdd", "SalesTaxLineAdd", "ShippingLineAdd", "SetCredit",
                          "LinkToTxnID"})


@dataclass
class _Totals:
    subtotal: Decimal = Decimal(0)
    taxable: Decimal = Decimal(0)
    stock: list[tuple[str, str, Decimal]] = field(default_factory=list)
    line_number: int = 0
    epoch: int = 0


def _round(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)


def _header(company: Company, kind: str, source: etree._Element,
            skip: frozenset[str]) -> list[etree._Element]:
    parts: list[etree._Element] = []
    for child in source:
        if not isinstance(child.tag, str) or child.tag in skip or child.tag in _HEADER_SKIP:
            continue
        if str(child.tag).endswith("Ref"):
            parts.append(company.resolve(child, _LABEL[kind]))
        elif (copy := echoed(child)) is not None:
            parts.append(copy)
    return parts


def _stamp(company: Company, kind: str, source: etree._Element) -> tuple[list[etree._Element],
                                                                          str, str, int]:
    txn_date = text_of(source, "TxnDate") or date.today().isoformat()
    company.check_open_period(txn_date, _LABEL[kind])
    stamp, epoch = company.store.now()
    txn_id = company.store.new_txn_id(epoch)
    parts = [element("TxnID", txn_id), element("TimeCreated", stamp),
             element("TimeModified", stamp), element("EditSequence", str(epoch)),
             element("TxnDate", txn_date)]
    return parts, txn_id, stamp, epoch


def _sales_line(company: Company, kind: str, line: etree._Element, totals: _Totals,
                group_site: etree._Element | None, taxable_codes: set[str]) -> etree._Element:
    where = f"{_LABEL[kind]} line"
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
    item_ret = company.list_ret(item_row) if item_row is not None else None
    qty_text = text_of(line, "Quantity")
    rate_text = text_of(line, "Rate")
    amount_text = text_of(line, "Amount")
    qty = Decimal(qty_text) if qty_text else None
    price = text_of(item_ret, ".//SalesPrice") or text_of(item_ret, ".//Price") \
        if item_ret is not None else None
    rate = Decimal(rate_text) if rate_text else None
    if amount_text:
        amount = Decimal(amount_text)
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
    if code is None and item_ret is not None:
        code = text_of(item_ret, "SalesTaxCodeRef/FullName")
        if code is not None and line.find("SalesTaxCodeRef") is None:
            parts.append(from_text(to_text(item_ret.find("SalesTaxCodeRef"))))  # type: ignore[arg-type]
    totals.subtotal += amount
    if code is not None and code.lower() in taxable_codes:
        totals.taxable += amount
    if item_row is not None and item_row.kind == "ItemInventory":
        site = line.find("InventorySiteRef")
        site = site if site is not None else group_site
        site_row = company.lookup(("InventorySite",), site) if site is not None else None
        site_id = site_row.list_id if site_row is not None else ""
        totals.stock.append((item_row.list_id, site_id, qty if qty is not None else Decimal(1)))
    return ordered(f"{kind}LineRet", parts)


def _group_line(company: Company, kind: str, group: etree._Element, totals: _Totals,
                taxable_codes: set[str]) -> etree._Element:
    where = f"{_LABEL[kind]} line"
    group_ref = company.resolve(group.find("ItemGroupRef"), where,  # type: ignore[arg-type]
                                ("ItemGroup",))
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
        line = element("Line", children=[from_text(to_text(member.find("ItemRef")))])  # type: ignore[arg-type]
        line.append(element("Quantity", quantity(Decimal(text_of(member, "Quantity") or "1")
                                                 * count)))
        parts.append(_sales_line(company, kind, line, totals, site, taxable_codes))
    parts.append(element("TotalAmount", money(totals.subtotal - before)))
    return ordered(f"{kind}LineGroupRet", parts)


def _sales_document(company: Company, kind: str, source: etree._Element) -> Answer:
    store = company.store
    parts, txn_id, stamp, epoch = _stamp(company, kind, source)
    line_tags = (f"{kind}LineAdd", f"{kind}LineGroupAdd")
    parts += _header(company, kind, source, frozenset({"TxnDate", *line_tags}))
    parts += sales_defaults(company, kind, parts)
    customer = parts_ref(parts, "CustomerRef")
    if kind != "SalesReceipt" and source.find("ARAccountRef") is None:
        parts.append(company.default_ref("ARAccountRef", "Account", "Accounts Receivable"))
    if kind == "SalesReceipt" and source.find("DepositToAccountRef") is None:
        parts.append(company.default_ref("DepositToAccountRef", "Account", "Undeposited Funds"))
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
    for item_id, site_id, moved in totals.stock:
        store.adjust_quantity(item_id, site_id, moved * _STOCK_SIGN[kind])
    return _save(company, kind, parts, txn_id, stamp, epoch, total,
                 customer_id=text_of(customer, "ListID") if customer is not None else None,
                 source=source)


def price_text(value: Decimal) -> str:
    """PRICETYPE as QuickBooks writes it: two decimals unless more are needed."""
    exact = quantity(value)
    return money(value) if len(exact.partition(".")[2]) <= 2 else exact


def parts_ref(parts: list[etree._Element], tag: str) -> etree._Element | None:
    return next((part for part in parts if part.tag == tag), None)


def _save(company: Company, kind: str, parts: list[etree._Element], txn_id: str, stamp: str,
          epoch: int, total: Decimal, customer_id: str | None,
          source: etree._Element) -> Answer:
    provisional = ordered(f"{kind}Ret", parts)
    row = TxnRow(txn_id, kind, text_of(provisional, "RefNumber"),
                 text_of(provisional, "TxnDate") or "", customer_id, total,
                 text_of(source, "Memo"), text_of(source, "Other"), str(epoch), stamp, "")
    number = company.store.insert_txn(row, text_of(source, "ExternalGUID"))
    ret = ordered(f"{kind}Ret", [*parts, element("TxnNumber", str(number))])
    company.store.update_txn_ret(txn_id, to_text(ret), str(epoch), stamp)
    return Answer([ret])


def _receive_payment(company: Company, source: etree._Element) -> Answer:
    kind = "ReceivePayment"
    store = company.store
    parts, txn_id, stamp, epoch = _stamp(company, kind, source)
    parts += _header(company, kind, source, frozenset({"TxnDate", "AppliedToTxnAdd",
                                                       "IsAutoApply"}))
    customer = parts_ref(parts, "CustomerRef")
    customer_id = text_of(customer, "ListID") if customer is not None else None
    total = Decimal(text_of(source, "TotalAmount") or "0")
    applied_total = Decimal(0)
    targets: list[tuple[str, Decimal]] = []
    for applied in source.findall("AppliedToTxnAdd"):
        target = text_of(applied, "TxnID") or ""
        targets.append((target, Decimal(text_of(applied, "PaymentAmount") or "0")))
    if text_of(source, "IsAutoApply") == "true":
        remaining = total
        for invoice in store.txns_of("Invoice"):
            if invoice.customer_id != customer_id or remaining <= 0:
                continue
            due = Decimal(text_of(from_text(invoice.ret_xml), "BalanceRemaining") or "0")
            if due > 0:
                targets.append((invoice.txn_id, min(due, remaining)))
                remaining -= min(due, remaining)
    for target, amount in targets:
        parts.append(_apply_to_invoice(company, target, amount, customer_id))
        applied_total += amount
    parts.append(element("UnusedPayment", money(total - applied_total)))
    parts.append(element("UnusedCredits", "0.00"))
    if source.find("ARAccountRef") is None:
        parts.append(company.default_ref("ARAccountRef", "Account", "Accounts Receivable"))
    if source.find("DepositToAccountRef") is None:
        parts.append(company.default_ref("DepositToAccountRef", "Account", "Undeposited Funds"))
    return _save(company, kind, parts, txn_id, stamp, epoch, total, customer_id, source)


def _apply_to_invoice(company: Company, txn_id: str, amount: Decimal,
                      customer_id: str | None) -> etree._Element:
    store = company.store
    invoice = store.get_txn(txn_id)
    if invoice is None or invoice.kind != "Invoice" or invoice.customer_id != customer_id:
        raise object_not_found(txn_id)
    ret = from_text(invoice.ret_xml)
    due = Decimal(text_of(ret, "BalanceRemaining") or "0")
    if amount > due:
        raise QbRequestRefused(3210, qb_error(
            f'The "AppliedToTxnAdd payment amount" field has an invalid value "{money(amount)}".',
            "You cannot pay more than the amount due."))
    applied = Decimal(text_of(ret, "AppliedAmount") or "0") - amount
    for tag, value in (("AppliedAmount", money(applied)), ("BalanceRemaining",
                                                           money(due - amount)),
                       ("IsPaid", "true" if due - amount == 0 else "false")):
        node = ret.find(tag)
        if node is not None:
            node.text = value
    stamp, epoch = store.now()
    edit_sequence = store.next_edit_sequence(invoice.edit_sequence, epoch)
    ret.find("TimeModified").text = stamp  # type: ignore[union-attr]
    ret.find("EditSequence").text = edit_sequence  # type: ignore[union-attr]
    store.update_txn_ret(txn_id, to_text(ret), edit_sequence, stamp)
    return element("AppliedToTxnRet", children=[
        element("TxnID", txn_id), element("TxnType", "Invoice"),
        element("TxnDate", invoice.txn_date), element("RefNumber", invoice.ref_number or ""),
        element("BalanceRemaining", money(due - amount)), element("Amount", money(amount))])


def _inventory_adjustment(company: Company, source: etree._Element) -> Answer:
    kind = "InventoryAdjustment"
    store = company.store
    parts, txn_id, stamp, epoch = _stamp(company, kind, source)
    parts += _header(company, kind, source, frozenset({"TxnDate", "InventoryAdjustmentLineAdd"}))
    site = parts_ref(parts, "InventorySiteRef")
    site_id = text_of(site, "ListID") or "" if site is not None else ""
    for number, line in enumerate(source.findall("InventoryAdjustmentLineAdd"), start=1):
        item_ref = company.resolve(line.find("ItemRef"), f"{_LABEL[kind]} line",  # type: ignore[arg-type]
                                   ("ItemInventory",))
        item_id = text_of(item_ref, "ListID") or ""
        current = store.site_quantities(item_id).get(site_id, Decimal(0))
        new_quantity = text_of(line, "QuantityAdjustment/NewQuantity")
        difference = text_of(line, "QuantityAdjustment/QuantityDifference")
        delta = Decimal(new_quantity) - current if new_quantity is not None \
            else Decimal(difference or "0")
        store.adjust_quantity(item_id, site_id, delta)
        parts.append(element("InventoryAdjustmentLineRet", children=[
            element("TxnLineID", f"{number:X}-{epoch}"), item_ref,
            element("QuantityDifference", quantity(delta)),
            element("ValueDifference", "0.00")]))
    return _save(company, kind, parts, txn_id, stamp, epoch, Decimal(0), None, source)


def _transfer_inventory(company: Company, source: etree._Element) -> Answer:
    kind = "TransferInventory"
    store = company.store
    parts, txn_id, stamp, epoch = _stamp(company, kind, source)
    parts += _header(company, kind, source, frozenset({"TxnDate", "TransferInventoryLineAdd"}))
    from_site = text_of(parts_ref(parts, "FromInventorySiteRef"), "ListID") or ""  # type: ignore[arg-type]
    to_site = text_of(parts_ref(parts, "ToInventorySiteRef"), "ListID") or ""  # type: ignore[arg-type]
    for number, line in enumerate(source.findall("TransferInventoryLineAdd"), start=1):
        item_ref = company.resolve(line.find("ItemRef"), f"{_LABEL[kind]} line",  # type: ignore[arg-type]
                                   ("ItemInventory",))
        item_id = text_of(item_ref, "ListID") or ""
        moved = Decimal(text_of(line, "QuantityToTransfer") or "0")
        store.adjust_quantity(item_id, from_site, -moved)
        store.adjust_quantity(item_id, to_site, moved)
        parts.append(element("TransferInventoryLineRet", children=[
            element("TxnLineID", f"{number:X}-{epoch}"), item_ref,
            element("QuantityTransferred", quantity(moved))]))
    return _save(company, kind, parts, txn_id, stamp, epoch, Decimal(0), None, source)


TXN_ADDS = frozenset({"Invoice", "SalesReceipt", "CreditMemo", "ReceivePayment",
                      "InventoryAdjustment", "TransferInventory"})


def add_transaction(company: Company, request: etree._Element) -> Answer:
    source = request[0]
    kind = str(source.tag)[: -len("Add")]
    if kind in _STOCK_SIGN:
        return _sales_document(company, kind, source)
    if kind == "ReceivePayment":
        return _receive_payment(company, source)
    if kind == "InventoryAdjustment":
        return _inventory_adjustment(company, source)
    return _transfer_inventory(company, source)
