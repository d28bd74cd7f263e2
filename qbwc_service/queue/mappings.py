"""Identity mappings touched by one message set: read in one query, new ones written at once.

A Magento document that QuickBooks accepted is linked to the record QuickBooks made
(ListID/TxnID, name, EditSequence). One message set links up to a batch of them, so the
links are looked up together and the new ones inserted together, before any handler
reads them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Mapping
from qbwc_service.db.records import RequestLike
from qbwc_service.queue.bulk import insert_rows

__all__ = ["MappingBook"]

_Identity = tuple[int, str, str]


class MappingBook:
    """The mappings of one message set's requests, kept until ``write``."""

    def __init__(self, session: Session, requests: Iterable[RequestLike]) -> None:
        self.session = session
        self.existing: dict[_Identity, Mapping] = {}
        self.new: dict[_Identity, dict[str, Any]] = {}
        wanted: dict[int, set[str]] = {}
        for request in requests:
            if request.entity_type and request.magento_id:
                wanted.setdefault(request.company_id, set()).add(request.magento_id)
        for company_id, magento_ids in wanted.items():
            found = session.scalars(
                select(Mapping).where(
                    Mapping.company_id == company_id, Mapping.magento_id.in_(magento_ids)
                )
            )
            for mapping in found:
                self.existing[(mapping.company_id, mapping.entity_type, mapping.magento_id)] = (
                    mapping
                )

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
        """Insert the mappings made since the last write (changed ones flush with the ORM)."""
        if self.new:
            insert_rows(self.session, Mapping, list(self.new.values()))
            self.new.clear()
