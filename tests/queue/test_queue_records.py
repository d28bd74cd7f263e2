"""Rows read with Core as records: their columns, and one UPDATE of what changed."""

from __future__ import annotations

from typing import Any, get_type_hints

import pytest
from sqlalchemy import event, select

from qbwc_service.db import Database
from qbwc_service.db.models import MessageSet, MessageSetState, utcnow
from qbwc_service.db.records import MessageSetRecord, Record, RequestRecord, RunRecord, save


@pytest.mark.parametrize("record", [RunRecord, MessageSetRecord, RequestRecord])
def test_a_record_names_every_column_of_its_table(record: type[Record]) -> None:
    """A column added to the table is a column the record must carry (and no other)."""
    hints = set(get_type_hints(record)) - set(get_type_hints(Record)) - {"unsettled_sets", "awaited_set"}
    assert hints == set(record.table.columns.keys())


def _message_set(db: Database, company_id: int) -> int:
    with db.session() as session:
        message_set = MessageSet(company_id=company_id, ticket="t-record",
                                 message_set_id="m-record", state=MessageSetState.SENT.value,
                                 writes=True, qbxml_version="13.0", request_xml="<QBXML/>",
                                 sent_at=utcnow())
        session.add(message_set)
        session.flush()
        return message_set.id


def test_save_writes_the_changed_columns_once(db: Database, company_id: int) -> None:
    """Only the columns given another value are written, by key; saving again writes
    nothing, and an unchanged record costs no statement."""
    pk = _message_set(db, company_id)
    table = MessageSetRecord.table
    seen: list[str] = []

    def record_statement(_c: Any, _cur: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record_statement)
    try:
        with db.engine.begin() as connection:
            row = connection.execute(select(table).where(table.c.id == pk)).one()
            record = MessageSetRecord.from_row(row)
            seen.clear()
            save(connection, record)
            assert seen == []
            record.state = MessageSetState.ANSWERED.value
            record.elapsed_ms = 42
            record.qbxml_version = "13.0"  # the same value: not a change
            save(connection, record)
            save(connection, record)
    finally:
        event.remove(db.engine, "before_cursor_execute", record_statement)
    assert len(seen) == 1
    assert seen[0].startswith("UPDATE message_sets SET state=?, elapsed_ms=? WHERE")
    with db.engine.connect() as connection:
        stored = connection.execute(select(table.c.state, table.c.elapsed_ms, table.c.ticket)
                                    .where(table.c.id == pk)).one()
    assert tuple(stored) == ("answered", 42, "t-record")
