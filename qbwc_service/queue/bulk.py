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
from sqlalchemy.orm import ColumnProperty, DeclarativeBase, Session
from sqlalchemy.orm.attributes import set_committed_value

__all__ = ["insert_row", "insert_rows", "loaded_as", "update_rows", "write_changes"]

_KEY = "row_pk"  # the WHERE bind: a column's own name is reserved for its SET value
_IDS = "row_pks"
_IN_CHUNK = 500  # ids per IN list, well under every backend's bind-parameter limit


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
        session.connection().execute(_statement(table, columns, by_ids=False),
                                     {_KEY: first["id"], **{c: first[c] for c in columns}})
        return
    shared = tuple(
        column for column in columns
        if all(type(row[column]) is type(first[column]) and row[column] == first[column]
               for row in rows)
    )
    varying = tuple(column for column in columns if column not in shared)
    if shared:
        ids = [row["id"] for row in rows]
        statement = _statement(table, shared, by_ids=True)
        values = {column: first[column] for column in shared}
        for start in range(0, len(ids), _IN_CHUNK):
            session.connection().execute(statement,
                                         {**values, _IDS: ids[start:start + _IN_CHUNK]})
    if varying:
        session.connection().execute(
            _statement(table, varying, by_ids=False),
            [{_KEY: row["id"], **{c: row[c] for c in varying}} for row in rows],
        )


@functools.cache
def _statement(table: Table, columns: tuple[str, ...], *, by_ids: bool) -> Update:
    """``UPDATE table SET columns`` for ``WHERE id IN`` a list, or for one id per row.

    Built once per shape: the same few shapes come back with every message set, and a
    statement built afresh costs more than the rows it writes.
    """
    where = (table.c.id.in_(bindparam(_IDS, expanding=True)) if by_ids
             else table.c.id == bindparam(_KEY))
    return update(table).where(where).values({column: bindparam(column) for column in columns})


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


def write_changes(session: Session, instance: object) -> None:
    """UPDATE the columns of a loaded ``instance`` changed since it was read, at once.

    The one row a callback changes field by field (its run, its message set) would
    otherwise go through a unit-of-work flush, which costs more Python than the UPDATE
    itself. The row is written by its primary key and the object left clean, as a flush
    would leave it. Anything this does not cover (a new or deleted object, a change to
    a relationship) is left to the next flush.
    """
    state = inspect(instance)
    if not state.modified or not state.persistent or state.mapper.version_id_col is not None:
        return
    mapper = state.mapper
    primary_key = mapper.primary_key
    if len(primary_key) != 1 or _has_onupdate(mapper.local_table):  # type: ignore[arg-type]
        return
    values: dict[str, Any] = {}
    for key, before in state.committed_state.items():
        prop = mapper.attrs.get(key)
        if not isinstance(prop, ColumnProperty) or len(prop.columns) != 1:
            return
        value = state.dict.get(key)
        if value is not before:
            values[prop.columns[0].key] = value
    pk_attr = mapper.get_property_by_column(primary_key[0]).key
    if values:
        statement = _update_by_key(mapper.local_table, primary_key[0].key,  # type: ignore[arg-type]
                                   tuple(sorted(values)))
        session.connection().execute(statement, {**values, _KEY: state.dict[pk_attr]})
    state._commit_all(state.dict, session.identity_map)


@functools.cache
def _update_by_key(table: Table, key_column: str, columns: tuple[str, ...]) -> Update:
    return (update(table).where(table.c[key_column] == bindparam(_KEY))
            .values({column: bindparam(column) for column in columns}))


@functools.cache
def _has_onupdate(table: Table) -> bool:
    """A column the ORM would set on every UPDATE: such rows are left to the flush."""
    return any(column.onupdate is not None for column in table.columns)
