"""Stock movements: inventory adjustments and transfers between sites.

InventoryAdjustmentAdd (qbXML 13.0/16.0): each line holds one of ``QuantityAdjustment``
or ``ValueAdjustment``, each with ``NewQuantity`` or ``QuantityDifference``, at the
adjustment's ``InventorySiteRef``. A quantity adjustment moves stock at the item's average
cost against the adjustment account (``AccountRef``, e.g. Inventory Adjustments or a
shrinkage expense). A value adjustment changes the quantity and keeps the value, so the
average cost changes. Intuit's 13.0 and 16.0 XSDs declare ValueAdjustment's
``NewValue``/``ValueDifference`` choice with ``maxOccurs="0"``: the schema admits neither,
and the simulator refuses them the same way with and without an XSD folder.

TransferInventoryAdd moves quantity and its value (at average cost) from one site's
Inventory Asset line to another's: the account balance does not change. QuickBooks will not
transfer more of an item than the sending site holds (a transfer cannot take a site below
zero, unlike a sale); the simulator refuses it with status 3180 and says so. The exact
wording of QuickBooks' refusal is not in the reference material: the message is ours.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Answer, Company, required_ref
from qbwc_service.sandbox.quickbooks.ledger import Posting, inventory_by_site
from qbwc_service.sandbox.quickbooks.posting import move_stock
from qbwc_service.sandbox.quickbooks.refusals import save_refused
from qbwc_service.sandbox.quickbooks.retxml import element, money, quantity, text_of
from qbwc_service.sandbox.quickbooks.store import ListRow
from qbwc_service.sandbox.quickbooks.txnbase import (
    LABEL,
    header,
    ref_id,
    required_id,
    save,
    stamp,
    txn_date_of,
)

__all__ = ["STOCK_ADDS", "add_stock_movement"]

STOCK_ADDS = frozenset({"InventoryAdjustment", "TransferInventory"})


def _inventory_item(company: Company, kind: str,
                    line: etree._Element) -> tuple[etree._Element, ListRow]:
    """A stock line's ItemRef, resolved (an inventory item, else 3140), and its item."""
    where = f"{LABEL[kind]} line"
    item_ref = company.resolve(required_ref(line.find("ItemRef"), "ItemRef", where), where,
                               ("ItemInventory",))
    item = company.lookup(("ItemInventory",), item_ref)
    assert item is not None
    return item_ref, item


def _inventory_adjustment(company: Company, source: etree._Element) -> Answer:
    kind = "InventoryAdjustment"
    store = company.store
    parts, txn_id, now_text, epoch = stamp(company, kind, source)
    parts += header(company, kind, source, frozenset({"TxnDate", "InventoryAdjustmentLineAdd"}))
    site_id = ref_id(parts, "InventorySiteRef") or ""
    account = required_id(parts, "AccountRef", LABEL[kind])
    customer_id = ref_id(parts, "CustomerRef")
    posting = Posting(txn_id, kind, txn_date_of(parts))
    for number, line in enumerate(source.findall("InventoryAdjustmentLineAdd"), start=1):
        item_ref, item = _inventory_item(company, kind, line)
        adjustment = line.find("QuantityAdjustment")
        if adjustment is None:
            adjustment = line.find("ValueAdjustment")
        current_qty, _value = inventory_by_site(store.connection, item.list_id).get(
            (item.list_id, site_id), (Decimal(0), Decimal(0)))
        new_quantity = text_of(adjustment, "NewQuantity") if adjustment is not None else None
        difference = text_of(adjustment, "QuantityDifference") if adjustment is not None \
            else None
        delta = Decimal(new_quantity) - current_qty if new_quantity is not None \
            else Decimal(difference or "0")
        value = Decimal(0) if adjustment is not None and adjustment.tag == "ValueAdjustment" \
            else None
        moved = move_stock(company, posting, item, site_id, delta, account, customer_id,
                           value=value)
        parts.append(element("InventoryAdjustmentLineRet", children=[
            element("TxnLineID", f"{number:X}-{epoch}"), item_ref,
            element("QuantityDifference", quantity(delta)),
            element("ValueDifference", money(moved))]))
    posting.save(store)
    return save(company, kind, parts, txn_id, now_text, epoch, Decimal(0), None, source)


def _transfer_inventory(company: Company, source: etree._Element) -> Answer:
    kind = "TransferInventory"
    store = company.store
    parts, txn_id, now_text, epoch = stamp(company, kind, source)
    parts += header(company, kind, source, frozenset({"TxnDate", "TransferInventoryLineAdd"}))
    from_site = required_id(parts, "FromInventorySiteRef", LABEL[kind])
    to_site = required_id(parts, "ToInventorySiteRef", LABEL[kind])
    posting = Posting(txn_id, kind, txn_date_of(parts))
    for number, line in enumerate(source.findall("TransferInventoryLineAdd"), start=1):
        item_ref, item = _inventory_item(company, kind, line)
        moved = Decimal(text_of(line, "QuantityToTransfer") or "0")
        held = store.site_quantities(item.list_id).get(from_site, Decimal(0)) + sum(
            (entry.quantity or Decimal(0) for entry in posting.entries
             if entry.item_id == item.list_id and entry.site_id == from_site), Decimal(0))
        if moved > held:
            raise save_refused("Transfer Inventory transaction",
                               f'The site holds {quantity(held)} of item "{item.full_name}"; '
                               f"{quantity(moved)} cannot be transferred from it.")
        value = move_stock(company, posting, item, from_site, -moved, None)
        move_stock(company, posting, item, to_site, moved, None, value=-value)
        parts.append(element("TransferInventoryLineRet", children=[
            element("TxnLineID", f"{number:X}-{epoch}"), item_ref,
            element("QuantityTransferred", quantity(moved))]))
    posting.save(store)
    return save(company, kind, parts, txn_id, now_text, epoch, Decimal(0), None, source)


def add_stock_movement(company: Company, kind: str, source: etree._Element) -> Answer:
    if kind == "InventoryAdjustment":
        return _inventory_adjustment(company, source)
    return _transfer_inventory(company, source)
