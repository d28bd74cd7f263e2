"""Rows read with Core as plain objects, for the statements of every Web Connector call.

Loading an ORM object costs SQLAlchemy about twice what a Core statement costs, and
writing it back through the unit of work more again. The rows a callback reads and
changes field by field (its run; the message set an answer settles; the requests it
claims or settles) are read as ``Record``s: the table's columns as attributes, nothing in
the session's identity map. ``save`` writes what changed since the row was read with one
UPDATE by key; the queue writes a message set's requests together (``queue.bulk``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Self

from sqlalchemy import Table, Update, bindparam, update
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from qbwc_service.db.models import MessageSet, Request, WcRun

__all__ = [
    "IN_CHUNK",
    "KEY_BIND",
    "MessageSetRecord",
    "Record",
    "RequestLike",
    "RequestRecord",
    "RunRecord",
    "save",
    "update_by_key",
]

KEY_BIND = "row_key"  # the WHERE bind: a column's own name is its SET value
IN_CHUNK = 500  # ids per IN list, well under every backend's bind-parameter limit


class Record:
    """One row of ``table``, its columns as attributes; changes kept until ``save``."""

    table: ClassVar[Table]
    key: ClassVar[str]  # the primary key column
    columns: ClassVar[tuple[str, ...]]  # the table's column names, listed once per class
    _read: dict[str, Any]  # the columns as read (or last written)
    _assigned: set[str]

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        cls.columns = tuple(cls.table.columns.keys())

    def __init__(self, values: Mapping[str, Any]) -> None:
        attributes = self.__dict__
        attributes.update(values)
        attributes["_read"] = dict(values)
        # The names given a value since: ``changes`` compares only those, not every
        # column (a request has forty, and a message set's requests are read by the batch).
        attributes["_assigned"] = set()

    def __setattr__(self, name: str, value: Any) -> None:
        self.__dict__[name] = value
        self._assigned.add(name)

    @classmethod
    def from_row(cls, row: Row[Any]) -> Self:
        """The record of ``row``'s table columns (a row may carry more beside them)."""
        mapping = row._mapping
        return cls({column: mapping[column] for column in cls.columns})

    def changes(self) -> dict[str, Any]:
        """The columns given another value since the row was read."""
        read, attributes = self._read, self.__dict__
        return {column: value for column in self._assigned
                if column in read and (value := attributes[column]) is not read[column]
                and value != read[column]}

    def written(self, values: Mapping[str, Any]) -> None:
        """The row now holds ``values`` (written by the caller): they are read, not changes."""
        self.__dict__.update(values)
        self._read.update(values)
        self._assigned.difference_update(values)


def save(connection: Connection, record: Record) -> None:
    """UPDATE the columns ``record`` changed, by its key, in the connection's transaction."""
    values = record.changes()
    if not values:
        return
    statement = update_by_key(record.table, record.key, tuple(sorted(values)))
    connection.execute(statement, {**values, KEY_BIND: record._read[record.key]})
    record.written(values)


@functools.cache
def update_by_key(table: Table, key: str, columns: tuple[str, ...]) -> Update:
    """``UPDATE table SET columns WHERE key = :row_key``, built once per set of columns
    (the same few come back on every call, and building one costs more than running it)."""
    return (update(table).where(table.c[key] == bindparam(KEY_BIND))
            .values({column: bindparam(column) for column in columns}))


class RunRecord(Record):
    """A Web Connector run (``wc_sessions``; ``models.WcRun`` has the meaning of each)."""

    table = WcRun.__table__  # type: ignore[assignment]
    key = "ticket"

    ticket: str
    company_id: int
    user_id: int
    state: str
    created_at: datetime
    expires_at: datetime
    last_call_at: datetime
    closed_at: datetime | None
    client_version: str | None
    company_file_name: str | None
    qbxml_version: str | None
    qb_product: str | None
    hcp_parsed: bool
    batch_size: int
    sent_count: int
    succeeded_count: int
    failed_count: int
    noop_count: int
    initial_work: int
    last_error: str | None
    hresult: str | None
    connection_retries: int
    summary: str | None
    released_at: datetime | None
    open_company_id: int | None
    # Not columns: read beside the run. Whether the company had a message set with its
    # outcome unknown (None: not asked), and the set whose answer the run awaits.
    unsettled_sets: bool | None = None
    awaited_set: MessageSetRecord | None = None


class MessageSetRecord(Record):
    """A message set (``message_sets``; ``models.MessageSet`` has the meaning of each)."""

    table = MessageSet.__table__  # type: ignore[assignment]
    key = "id"

    id: int
    company_id: int
    ticket: str
    message_set_id: str
    state: str
    writes: bool
    qbxml_version: str
    request_xml: str | None
    sent_at: datetime
    answered_at: datetime | None
    elapsed_ms: int | None


class RequestRecord(Record):
    """A queued request (``requests``; ``models.Request`` has the meaning of each).

    Claiming and settling a message set read its requests as records; whatever reads a
    request without changing it (rendering, handlers, look-ups) takes either kind.
    """

    table = Request.__table__  # type: ignore[assignment]
    key = "id"

    id: int
    company_id: int
    operation: str
    status: str
    idempotency_key: str
    entity_type: str | None
    magento_id: str | None
    magento_ref: str | None
    magento_customer_id: str | None
    document_hash: str | None
    changed_after_post: bool
    customer_name: str | None
    amount: Decimal | None
    currency: str | None
    document_date: date | None
    payload: dict[str, Any]
    body_xml: str | None
    request_xml: str | None
    response_xml: str | None
    priority: int
    not_before: datetime | None
    attempts_count: int
    status_code: int | None
    status_severity: str | None
    status_message: str | None
    explanation: str | None
    hold_reason: str | None
    waiting_reason: str | None
    qb_id: str | None
    qb_ref: str | None
    qb_edit_sequence: str | None
    lookup_reason: str | None
    iterator_id: str | None
    iterator_remaining: int | None
    message_set_pk: int | None
    ticket: str | None
    created_at: datetime
    updated_at: datetime
    sent_at: datetime | None
    completed_at: datetime | None

    def loaded(self, session: Session) -> Request:
        """This request as an ORM object, carrying the record's unsaved changes: for an
        outcome settled field by field (rare beside the plain ones, which stay records)."""
        request = session.get(Request, self.id)
        if request is None:  # pragma: no cover - read in this transaction a moment ago
            raise LookupError(f"request #{self.id} vanished")
        for column, value in self.changes().items():
            setattr(request, column, value)
        return request


# A request as the ORM loads it or as a record: for code that only reads it.
RequestLike = Request | RequestRecord
