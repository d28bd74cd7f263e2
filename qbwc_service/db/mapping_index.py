"""The identity mappings one message set's answers touched, indexed for its handlers.

The queue reads a message set's mappings, and writes the new ones, together
(``queue.mappings.MappingBook``). The handlers that then run for each answer (keeping
QuickBooks' name, total and date on the mapping) look a request's mapping up here, in
the session, instead of with a SELECT each; the queue drops the index once they have run.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from qbwc_service.db.models import Mapping

__all__ = ["Identity", "forget_mappings", "index_mappings", "indexed_mapping"]

# (company_id, entity_type, magento_id): what names one Magento entity of one company.
Identity = tuple[int, str, str]

_INDEX = "mappings_by_identity"  # the session.info key


def index_mappings(session: Session, mappings: Iterable[Mapping]) -> None:
    """Let what runs next in this session find ``mappings`` by identity."""
    index: dict[Identity, Mapping] = session.info.setdefault(_INDEX, {})
    for mapping in mappings:
        index[(mapping.company_id, mapping.entity_type, mapping.magento_id)] = mapping


def indexed_mapping(session: Session, identity: Identity) -> Mapping | None:
    """The indexed mapping of ``identity``; None when it is not indexed (ask the database)."""
    index: dict[Identity, Mapping] | None = session.info.get(_INDEX)
    return None if index is None else index.get(identity)


def forget_mappings(session: Session) -> None:
    session.info.pop(_INDEX, None)
