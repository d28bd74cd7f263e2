"""What the handlers of one message set's answers read, gathered for the whole set.

The queue settles a message set's answers together, then runs a handler for each. A
handler reads rows about its own request: the request's identity mapping (to keep
QuickBooks' name, total and date on it) and, for a posted transaction, the requests that
depend on it (to hand them the new TxnID). Read request by request that is a statement
per answer; gathered here, it is one for the whole set:

- mappings: the queue reads the set's mappings, and writes the new ones, together
  (``queue.mappings.MappingBook``) and indexes them by identity;
- dependents: the queue names the set's requests, and the first handler that asks for
  a request's dependents reads those of every request of the set at once.

The queue drops the index once the handlers have run (``forget``). Asked about a request
the index does not hold (a handler called on its own), ``mapping_of`` and
``dependents_of`` read that request's rows alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Mapping, Request, RequestDependency
from qbwc_service.db.records import IN_CHUNK

__all__ = [
    "Identity",
    "dependents_of",
    "expect_dependents",
    "forget",
    "index_mappings",
    "mapping_of",
    "read_dependents",
    "read_mappings",
    "read_mappings_by_id",
]

# (company_id, entity_type, magento_id): what names one Magento entity of one company.
Identity = tuple[int, str, str]

_KEY = "message_set_index"  # the session.info key


@dataclass
class _Index:
    mappings: dict[Identity, Mapping] = field(default_factory=dict)
    request_ids: frozenset[int] = frozenset()
    dependents: dict[int, list[Request]] | None = None  # read on first use


def _index(session: Session) -> _Index:
    found = session.info.get(_KEY)
    if found is None:
        found = session.info[_KEY] = _Index()
    return found


def index_mappings(session: Session, mappings: Iterable[Mapping]) -> None:
    """Let this set's handlers find ``mappings`` by identity."""
    index = _index(session).mappings
    for mapping in mappings:
        index[(mapping.company_id, mapping.entity_type, mapping.magento_id)] = mapping


def mapping_of(session: Session, identity: Identity) -> Mapping | None:
    """The mapping of ``identity``: the set's, when the queue indexed it, else read."""
    found: _Index | None = session.info.get(_KEY)
    if found is not None and identity in found.mappings:
        return found.mappings[identity]
    return read_mappings(session, [identity]).get(identity)


def read_mappings(session: Session, identities: Iterable[Identity]) -> dict[Identity, Mapping]:
    """The mappings of ``identities`` that exist: one statement for each company and entity
    type, on the identity's unique index (its leading columns alone would visit every
    mapping of the company)."""
    wanted: dict[tuple[int, str], list[str]] = {}
    for company_id, entity_type, magento_id in identities:
        wanted.setdefault((company_id, entity_type), []).append(magento_id)
    found: dict[Identity, Mapping] = {}
    for (company_id, entity_type), magento_ids in wanted.items():
        for start in range(0, len(magento_ids), IN_CHUNK):
            for mapping in session.scalars(_MAPPINGS, {
                    "company_id": company_id, "entity_type": entity_type,
                    "magento_ids": magento_ids[start:start + IN_CHUNK]}):
                found[(company_id, entity_type, mapping.magento_id)] = mapping
    return found


def read_mappings_by_id(session: Session, mapping_ids: Iterable[int]) -> dict[Identity, Mapping]:
    """The mappings ``mapping_ids`` names, by identity (no statement for none)."""
    ids = sorted(mapping_ids)
    found: dict[Identity, Mapping] = {}
    for start in range(0, len(ids), IN_CHUNK):
        for mapping in session.scalars(_MAPPINGS_BY_ID, {"ids": ids[start:start + IN_CHUNK]}):
            found[(mapping.company_id, mapping.entity_type, mapping.magento_id)] = mapping
    return found


# Built once: read with every message set's answer, and a statement built afresh costs
# SQLAlchemy more than SQLite takes to run it.
_MAPPINGS_BY_ID = select(Mapping).where(Mapping.id.in_(bindparam("ids", expanding=True)))
_MAPPINGS = select(Mapping).where(
    Mapping.company_id == bindparam("company_id"),
    Mapping.entity_type == bindparam("entity_type"),
    Mapping.magento_id.in_(bindparam("magento_ids", expanding=True)))


def expect_dependents(session: Session, request_ids: Sequence[int]) -> None:
    """The set's requests: a handler asking for one's dependents gets all of theirs read."""
    index = _index(session)
    index.request_ids = frozenset(request_ids)
    index.dependents = None


def dependents_of(session: Session, request_id: int) -> list[Request]:
    """The requests that depend on ``request_id``: with those of every request of the set
    when the queue named it one of the set's, else its own alone."""
    found: _Index | None = session.info.get(_KEY)
    if found is None or request_id not in found.request_ids:
        return read_dependents(session, [request_id]).get(request_id, [])
    if found.dependents is None:
        found.dependents = read_dependents(session, sorted(found.request_ids))
    return found.dependents.get(request_id, [])


def read_dependents(session: Session, request_ids: Sequence[int]) -> dict[int, list[Request]]:
    """The requests depending directly on each of ``request_ids``, by the one they wait on."""
    dependents: dict[int, list[Request]] = {}
    for start in range(0, len(request_ids), IN_CHUNK):
        rows = session.execute(
            select(RequestDependency.depends_on_id, Request)
            .join(Request, RequestDependency.request_id == Request.id)
            .where(RequestDependency.depends_on_id.in_(request_ids[start:start + IN_CHUNK])))
        for depends_on_id, dependent in rows:
            dependents.setdefault(depends_on_id, []).append(dependent)
    return dependents


def forget(session: Session) -> None:
    """Drop the index: the set's handlers have run."""
    session.info.pop(_KEY, None)
