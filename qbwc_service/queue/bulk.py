"""Writing a whole message set's rows at once, and keeping the session's objects in step.

A message set touches up to a batch of requests, attempts and transitions. Through the
unit of work each object costs far more Python than its SQL does, so these rows are
written with a statement or two per table, and the objects already loaded in the session
are given the written values as their loaded state (never left stale, never flushed
again). The statements run on the session's connection, in its transaction: they are
Core statements on tables, so the ORM's per-statement handling has nothing to add.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Insert, Table, Update, bindparam, insert, inspect, update
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from qbwc_service.db.records import IN_CHUNK, KEY_BIND, update_by_key

__all__ = ["insert_row", "insert_rows", "loaded_as", "loaded_in_session", "update_rows"]

_IDS = "row_pks"


def update_rows(
    session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> None:
    """UPDATE rows by their ``id``.

    Columns given the same value in every row are set by one ``WHERE id IN`` statement;
    only the columns that differ go row by row (binding a value costs more than the SQL).
    """
    groups: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
    for row in rows:
        groups.setdefault(tuple(sorted(key for key in row if key != "id")), []).append(row)
    for columns, group in groups.items():
        if columns:
            _update_group(session, model.__table__, columns, group)  # type: ignore[arg-type]


def _update_group(
    session: Session, table: Table, columns: tuple[str, ...], rows: list[Mapping[str, Any]]
) -> None:
    first = rows[0]
    if len(rows) == 1:
        # One row (a message set of one request): ``id = ?``, not an IN list, whose
        # expansion costs SQLAlchemy more than the UPDATE costs SQLite.
        session.connection().execute(update_by_key(table, "id", columns),
                                     {KEY_BIND: first["id"], **{c: first[c] for c in columns}})
        return
    shared = tuple(
        column for column in columns
        if all(type(row[column]) is type(first[column]) and row[column] == first[column]
               for row in rows)
    )
    varying = tuple(column for column in columns if column not in shared)
    if shared:
        ids = [row["id"] for row in rows]
        statement = _update_by_ids(table, shared)
        values = {column: first[column] for column in shared}
        for start in range(0, len(ids), IN_CHUNK):
            session.connection().execute(statement,
                                         {**values, _IDS: ids[start:start + IN_CHUNK]})
    if varying:
        # A column the table stamps on every UPDATE (``updated_at``) is set again with the
        # value the shared statement wrote: left out, it would take a later clock reading.
        varying += tuple(column for column in shared if table.c[column].onupdate is not None)
        session.connection().execute(
            update_by_key(table, "id", varying),
            [{KEY_BIND: row["id"], **{c: row[c] for c in varying}} for row in rows],
        )


@functools.cache
def _update_by_ids(table: Table, columns: tuple[str, ...]) -> Update:
    """``UPDATE table SET columns WHERE id IN`` a list (one id per row: ``update_by_key``).

    Built once per shape: the same few shapes come back with every message set, and a
    statement built afresh costs more than the rows it writes.
    """
    return (update(table).where(table.c.id.in_(bindparam(_IDS, expanding=True)))
            .values({column: bindparam(column) for column in columns}))


def insert_rows(
    session: Session, model: type[DeclarativeBase], rows: Sequence[Mapping[str, Any]]
) -> None:
    """INSERT rows in one statement (column defaults apply to the keys left out)."""
    if rows:
        session.connection().execute(_insert(model.__table__), list(rows))  # type: ignore[arg-type]


def insert_row(session: Session, model: type[DeclarativeBase], row: Mapping[str, Any]) -> int:
    """INSERT one row and return its new ``id``, without a unit-of-work flush."""
    result = session.connection().execute(_insert(model.__table__), dict(row))  # type: ignore[arg-type]
    return int(result.inserted_primary_key[0])  # type: ignore[attr-defined,index]


@functools.cache
def _insert(table: Table) -> Insert:
    return insert(table)


def loaded_as(instance: object, values: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> None:
    """Make ``values`` the loaded, unmodified state of ``instance`` (the row already has them)."""
    state = inspect(instance)
    pairs = values.items() if isinstance(values, Mapping) else values
    if state.modified or state.expired or state.expired_attributes:
        for key, value in pairs:
            set_committed_value(instance, key, value)
        return
    # Nothing pending and nothing to load: the instance dict is the loaded state itself,
    # so writing it is what a refresh from the row would do, without the round trip.
    state.dict.update(pairs)


def loaded_in_session(session: Session, model: type[DeclarativeBase], key: Any,
                      values: Mapping[str, Any]) -> None:
    """``loaded_as`` for the session's object of the row ``key``, if it holds one: a row
    written past the unit of work is never left stale in the identity map."""
    if not session.identity_map:
        return
    instance = session.identity_map.get(identity_key(model, key))
    if instance is not None:
        loaded_as(instance, values)
