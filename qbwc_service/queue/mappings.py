"""Identity mappings touched by one message set: read together, new ones written at once.

A Magento document that QuickBooks accepted is linked to the record QuickBooks made
(ListID/TxnID, name, EditSequence). One message set links up to a batch of them: the
queue learns which exist with the set's requests (their ids, in the same statement),
reads those in one more (none for a set of new records), and inserts the new ones
together, before any handler reads them; the handlers then find them in the session's
index (``db.set_index``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from qbwc_service.db.models import Mapping, quickbooks_facts
from qbwc_service.db.records import RequestLike
from qbwc_service.db.set_index import (
    Identity,
    index_mappings,
    read_mappings,
    read_mappings_by_id,
)
from qbwc_service.queue.bulk import insert_rows

__all__ = ["MappingBook"]


class MappingBook:
    """The mappings of one message set's requests, kept until ``write``."""

    def __init__(self, session: Session, mapping_ids: Iterable[int]) -> None:
        """``mapping_ids``: the existing mappings of the set's requests (read with them)."""
        self.session = session
        self.existing: dict[Identity, Mapping] = read_mappings_by_id(session, mapping_ids)
        self.new: dict[Identity, dict[str, Any]] = {}

    def link(self, request: RequestLike, ret: Any, *, qb_id: str | None, qb_name: str | None,
             edit_sequence: str | None) -> None:
        """Point the request's Magento entity at the QuickBooks record ``ret`` describes,
        with what the mapping keeps of it (``models.quickbooks_facts``)."""
        if not (request.entity_type and request.magento_id and qb_id):
            return
        identity = (request.company_id, request.entity_type, request.magento_id)
        mapping = self.existing.get(identity)
        if mapping is not None:
            mapping.qb_id = qb_id
            mapping.qb_name = qb_name
            mapping.edit_sequence = edit_sequence
            mapping.request_id = request.id
            mapping.magento_ref = request.magento_ref or mapping.magento_ref
            mapping.document_hash = request.document_hash or mapping.document_hash
            for name, value in quickbooks_facts(ret).items():
                setattr(mapping, name, value)
            return
        # Every row carries every key: the set's new mappings are one executemany.
        row = self.new.setdefault(identity, {
            "company_id": request.company_id, "entity_type": request.entity_type,
            "magento_id": request.magento_id, "magento_ref": None, "document_hash": None,
            "qb_type": None, "amount": None, "txn_date": None,
        })
        row.update(
            qb_id=qb_id, qb_name=qb_name, edit_sequence=edit_sequence, request_id=request.id,
            magento_ref=request.magento_ref or row["magento_ref"],
            document_hash=request.document_hash or row["document_hash"],
            **quickbooks_facts(ret),
        )

    def write(self) -> None:
        """Insert the mappings made since the last write (changed ones flush with the ORM),
        and index every mapping of the set for the handlers that run next: the new ones
        are read back in one statement per company."""
        if not self.new:
            index_mappings(self.session, self.existing.values())
            return
        insert_rows(self.session, Mapping, list(self.new.values()))
        inserted = list(self.new)
        self.new.clear()
        self.existing.update(read_mappings(self.session, inserted))
        index_mappings(self.session, self.existing.values())
