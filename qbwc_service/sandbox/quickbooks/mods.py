"""InvoiceMod, SalesReceiptMod, CreditMemoMod and ReceivePaymentMod: the transaction is
re-posted.

The Mod must carry the current EditSequence (3200 otherwise, with the current Ret). Header
fields it gives replace the stored ones. Lines follow QuickBooks' rule for line Mods: with
no line Mod aggregate the lines stay; with any, the lines listed are the new lines (an
existing ``TxnLineID`` keeps that line with the changes given, ``-1`` adds one) and the
lines not listed are deleted. Amount is recomputed from Quantity and Rate when either
changes without an Amount. The old journal lines go and the new document posts afresh;
payments and credits already applied to it stay applied.
"""

from __future__ import annotations

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import (
    Answer,
    Company,
    check_edit_sequence,
    object_not_found,
)
from qbwc_service.sandbox.quickbooks.ledger import fill_txn
from qbwc_service.sandbox.quickbooks.payments import receive_payment
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, money, text_of, to_text
from qbwc_service.sandbox.quickbooks.transactions import SALES_KINDS, sales_document

__all__ = ["TXN_MODS", "mod_transaction"]

TXN_MODS = frozenset({*SALES_KINDS, "ReceivePayment"})
_PAYMENT_HEADER = ("CustomerRef", "ARAccountRef", "TxnDate", "RefNumber", "TotalAmount",
                   "ExchangeRate", "PaymentMethodRef", "Memo", "DepositToAccountRef",
                   "ExternalGUID")
_HEADER = ("CustomerRef", "ClassRef", "ARAccountRef", "TemplateRef", "TxnDate", "RefNumber",
           "BillAddress", "ShipAddress", "IsPending", "CheckNumber", "PaymentMethodRef",
           "PONumber", "TermsRef", "DueDate", "SalesRepRef", "FOB", "ShipDate",
           "ShipMethodRef", "ItemSalesTaxRef", "Memo", "CustomerMsgRef", "IsToBePrinted",
           "IsToBeEmailed", "IsTaxIncluded", "CustomerSalesTaxCodeRef", "DepositToAccountRef",
           "Other", "ExchangeRate", "ExternalGUID")
_LINE = ("ItemRef", "Desc", "Quantity", "UnitOfMeasure", "Rate", "RatePercent", "ClassRef",
         "Amount", "InventorySiteRef", "InventorySiteLocationRef", "SerialNumber", "LotNumber",
         "ServiceDate", "SalesTaxCodeRef", "OverrideItemAccountRef", "Other1", "Other2")


def _copy(node: etree._Element) -> etree._Element:
    return from_text(to_text(node))


def _line_from_ret(kind: str, ret: etree._Element,
                   mod: etree._Element | None) -> etree._Element:
    """An Add line (or group) from a stored line Ret, with a line Mod's changes."""
    changes = {str(c.tag): c for c in (mod if mod is not None else ())
               if isinstance(c.tag, str) and c.tag != "TxnLineID"}
    if ret.tag.endswith("LineGroupRet"):
        group = element(f"{kind}LineGroupAdd", children=[_copy(ret.find("ItemGroupRef"))])  # type: ignore[arg-type]
        quantity = changes.get("Quantity", ret.find("Quantity"))
        if quantity is not None:
            group.append(_copy(quantity))
        member = ret.find(f"{kind}LineRet/InventorySiteRef")
        site = changes.get("InventorySiteRef", member)
        if site is not None:
            group.append(_copy(site))
        return group
    recompute = ("Quantity" in changes or "Rate" in changes) and "Amount" not in changes
    line = element(f"{kind}LineAdd")
    for tag in _LINE:
        source = changes.get(tag, ret.find(tag))
        if source is None or (tag == "Amount" and recompute):
            continue
        line.append(_copy(source))
    return line


def _add_shaped(kind: str, stored: etree._Element, mod: etree._Element) -> etree._Element:
    add = element(f"{kind}Add")
    for tag in _HEADER:
        source = mod.find(tag)
        source = source if source is not None else stored.find(tag)
        if source is not None:
            add.append(_copy(source))
    add.extend(_copy(credit) for credit in mod.findall("SetCredit"))
    line_rets = [c for c in stored if c.tag in (f"{kind}LineRet", f"{kind}LineGroupRet")]
    line_mods = [c for c in mod if c.tag in (f"{kind}LineMod", f"{kind}LineGroupMod")]
    if not line_mods:
        add.extend(_line_from_ret(kind, ret, None) for ret in line_rets)
        return add
    by_id = {text_of(ret, "TxnLineID"): ret for ret in line_rets}
    for line_mod in line_mods:
        line_id = text_of(line_mod, "TxnLineID") or ""
        if line_id == "-1":
            tag = f"{kind}LineAdd" if line_mod.tag.endswith("LineMod") else \
                f"{kind}LineGroupAdd"
            add.append(element(tag, children=[_copy(c) for c in line_mod
                                              if isinstance(c.tag, str)
                                              and c.tag != "TxnLineID"]))
        elif line_id in by_id:
            add.append(_line_from_ret(kind, by_id[line_id], line_mod))
        else:
            raise object_not_found(line_id)
    return add


def mod_transaction(company: Company, request: etree._Element) -> Answer:
    source = request[0]
    kind = str(source.tag)[: -len("Mod")]
    store = company.store
    txn_id = text_of(source, "TxnID") or ""
    row = store.get_txn(txn_id)
    if row is None or row.kind != kind:
        raise object_not_found(txn_id)
    stored = fill_txn(store, kind, txn_id, from_text(row.ret_xml))
    check_edit_sequence(source, row.edit_sequence, stored)
    if kind == "ReceivePayment":
        add = _payment_shaped(company, stored, source)
        store.remove_entries(txn_id)
        store.remove_payment_applications(txn_id)
        return receive_payment(company, add, existing=row)
    add = _add_shaped(kind, stored, source)
    store.remove_entries(txn_id)
    return sales_document(company, kind, add, existing=row)


def _payment_shaped(company: Company, stored: etree._Element,
                    mod: etree._Element) -> etree._Element:
    """A ReceivePaymentAdd from the stored payment and its Mod: ``AppliedToTxnMod``
    aggregates, when given, replace what the payment was applied to."""
    add = element("ReceivePaymentAdd")
    for tag in _PAYMENT_HEADER:
        source = mod.find(tag)
        source = source if source is not None else stored.find(tag)
        if source is not None:
            add.append(_copy(source))
    applied = mod.findall("AppliedToTxnMod")
    if applied:
        for node in applied:
            add.append(element("AppliedToTxnAdd", children=[
                _copy(c) for c in node if isinstance(c.tag, str)]))
        return add
    txn_id = text_of(stored, "TxnID") or ""
    paid: dict[str, list[etree._Element]] = {}
    for target, credit, amount in company.store.applied_by(txn_id):
        children = paid.setdefault(target, [element("TxnID", target),
                                            element("PaymentAmount", "0.00")])
        if credit is None:
            children[1].text = money(amount)
        else:
            children.append(element("SetCredit", children=[
                element("CreditTxnID", credit), element("AppliedAmount", money(amount))]))
    add.extend(element("AppliedToTxnAdd", children=children) for children in paid.values())
    return add
