"""Identity mappings touched by one message set: read in one query, new ones written at once.

A Magento document that QuickBooks accepted is linked to the record QuickBooks made
(ListID/TxnID, name, EditSequence). One message set links up to a batch of them, so the
links are looked up together and the new ones inserted together, before any handler
reads them; the handlers then find them in the session's index (``db.set_index``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Mapping
from qbwc_service.db.records import IN_CHUNK, RequestLike
from qbwc_service.db.set_index import Identity, index_mappings
from qbwc_service.queue.bulk import insert_rows

__all__ = ["MappingBook"]


class MappingBook:
    """The mappings of one message set's requests, kept until ``write``."""

    def __init__(self, session: Session, requests: Iterable[RequestLike]) -> None:
        self.session = session
        self.existing: dict[Identity, Mapping] = {}
        self.new: dict[Identity, dict[str, Any]] = {}
        self._read({(request.company_id, request.entity_type, request.magento_id)
                    for request in requests if request.entity_type and request.magento_id})

    def _read(self, identities: Iterable[Identity]) -> None:
        """Read the mappings of ``identities`` into ``existing``: one statement for each
        company and entity type, on the identity's unique index (its leading columns
        alone would visit every mapping of the company)."""
        wanted: dict[tuple[int, str], list[str]] = {}
        for company_id, entity_type, magento_id in identities:
            wanted.setdefault((company_id, entity_type), []).append(magento_id)
        for (company_id, entity_type), magento_ids in wanted.items():
            for start in range(0, len(magento_ids), IN_CHUNK):
                for mapping in self.session.scalars(select(Mapping).where(
                        Mapping.company_id == company_id, Mapping.entity_type == entity_type,
                        Mapping.magento_id.in_(magento_ids[start:start + IN_CHUNK]))):
                    self.existing[(company_id, entity_type, mapping.magento_id)] = mapping

    def link(self, request: RequestLike, ret: Any, *, qb_id: str | None, qb_name: str | None,
             edit_sequence: str | None) -> None:
        """Point the request's Magento entity at the QuickBooks record ``ret`` describes."""
        if not (request.entity_type and request.magento_id and qb_id):
            return
        identity = (request.company_id, request.entity_type, request.magento_id)
        mapping = self.existing.get(identity)
        if mapping is not None:
            mapping.qb_id = qb_id
            mapping.qb_name = qb_name
            mapping.edit_sequence = edit_sequence
            mapping.qb_type = getattr(ret, "type", None)
            mapping.request_id = request.id
            mapping.magento_ref = request.magento_ref or mapping.magento_ref
            mapping.document_hash = request.document_hash or mapping.document_hash
            return
        row = self.new.setdefault(identity, {
            "company_id": request.company_id, "entity_type": request.entity_type,
            "magento_id": request.magento_id, "magento_ref": None, "document_hash": None,
        })
        row.update(
            qb_id=qb_id, qb_name=qb_name, edit_sequence=edit_sequence,
            qb_type=getattr(ret, "type", None), request_id=request.id,
            magento_ref=request.magento_ref or row["magento_ref"],
            document_hash=request.document_hash or row["document_hash"],
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
        self._read(inserted)
        index_mappings(self.session, self.existing.values())
