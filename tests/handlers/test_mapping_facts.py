"""What a mapping keeps of QuickBooks' record: the queue and the handlers write the same."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from qbwc_service.db.models import Mapping, quickbooks_facts
from qbwc_service.handlers._common import keep
from qbwc_service.qbxml.parse import RetRecord


def test_a_transaction_keeps_its_type_total_and_date() -> None:
    ret = RetRecord(type="InvoiceRet", txn_id="1A-1712340000", ref_number="100042",
                    txn_date="2026-11-30", total=Decimal("108.25"))
    assert quickbooks_facts(ret) == {"qb_type": "InvoiceRet", "amount": Decimal("108.25"),
                                     "txn_date": date(2026, 11, 30)}


def test_a_list_record_keeps_its_type_without_the_suffix_and_nothing_else() -> None:
    ret = RetRecord(type="ItemInventoryRet", list_id="80000011-1", name="SKU-1",
                    total=Decimal("5.00"), txn_date="2026-11-30")
    assert quickbooks_facts(ret) == {"qb_type": "ItemInventory"}


def test_what_the_answer_does_not_say_is_left_out() -> None:
    ret = RetRecord(type="SalesReceiptRet", txn_id="2B-1712340000", txn_date="30/11/2026")
    assert quickbooks_facts(ret) == {"qb_type": "SalesReceiptRet"}


def test_keep_assigns_only_what_differs(db, company_id) -> None:
    """Values the mapping holds are not assigned again: the row is not marked for the
    flush (SQLAlchemy marks it on any assignment, equal or not)."""
    with db.session() as session:
        session.add(Mapping(company_id=company_id, entity_type="customer", magento_id="7",
                            qb_id="80000005-1", qb_name="Ann Lee", qb_type="Customer"))
    with db.session() as session:
        mapping = session.query(Mapping).one()
        keep(mapping, {"qb_name": "Ann Lee", "qb_type": "Customer"})
        assert mapping not in session.dirty
        keep(mapping, {"qb_name": "Ann Lee", "edit_sequence": "7"})
        assert mapping in session.dirty
        assert session.is_modified(mapping)
        assert mapping.edit_sequence == "7"
