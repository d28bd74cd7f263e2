"""What one round trip costs the database, counted in statements, and what it records."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

from qbwc_service import queue
from qbwc_service.db.models import Mapping, MessageSet

from .conftest import PASSWORD, Shop
from .test_wire import _answer_all, _login, _send
from .wc_envelopes import hcp, result, strings

# BEGIN, the run (with whether the company has a message set whose outcome is unknown),
# the claim, the message set, its attempts, the requests' move to SENT and their
# transitions, the run's one UPDATE.
SEND_STATEMENTS = 8
# BEGIN, the run with the message set it awaits, its requests with their open attempts,
# then the message set, attempts, requests and transitions written, whether work remains,
# the run's one UPDATE.
RECEIVE_STATEMENTS = 9
# SQLite's BEGIN IMMEDIATE goes to the driver's connection directly, past the statement
# events: it is counted from the engine's "begin" event, one per callback.
BEGIN = "BEGIN IMMEDIATE"


def _enqueue_customers(shop: Shop, count: int, first: int = 0, *, mapped: bool = False) -> None:
    """CustomerAdd requests: plain, or ``mapped`` to a Magento customer as the sync's are
    (each answer then links a mapping, and the customer handler keeps QuickBooks' name)."""
    with shop.ctx.db.session() as session:
        for n in range(first, first + count):
            identity = {"entity_type": "customer", "magento_id": str(n)} if mapped else {}
            queue.enqueue(session, company_id=shop.company_id, operation="CustomerAdd",
                          key=f"customer:{n}", payload={"Name": f"Customer {n}"}, **identity)


class Executed(list[str]):
    """The SQL statements executed, in order, with their parameters beside them."""

    def __init__(self) -> None:
        super().__init__()
        self.parameters: list[Any] = []


@contextmanager
def statements(shop: Shop) -> Iterator[Executed]:
    seen = Executed()

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append(statement)
        seen.parameters.append(parameters)

    def begin(_conn: Any) -> None:
        seen.append(BEGIN)
        seen.parameters.append(())

    engine = shop.ctx.db.engine
    event.listen(engine, "before_cursor_execute", record)
    event.listen(engine, "begin", begin)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
        event.remove(engine, "begin", begin)


def _steady_run(shop: Shop, username: str = "qbuser") -> str:
    """A run past its first message set (the HCP answer and version are settled)."""
    ticket = strings(result(shop.call("authenticate", strUserName=username,
                                      strPassword=PASSWORD), "authenticate"))[0]
    assert ticket
    first = _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    _receive(shop, ticket, first)
    return ticket


def _receive(shop: Shop, ticket: str, request_xml: str) -> int:
    reply = shop.call("receiveResponseXML", ticket=ticket, response=_answer_all(request_xml),
                      hresult="", message="")
    return int(result(reply, "receiveResponseXML").text or "0")


def test_one_request_round_trip_statement_budget(make_shop: Any) -> None:
    """A round trip of one request reads and writes each table once: the run row is
    updated once per call, the company row is not read again, the queue is not counted."""
    shop = make_shop(batch_start=1, batch_max=1)
    _enqueue_customers(shop, 4)
    ticket = _steady_run(shop)
    with statements(shop) as sent:
        request_xml = _send(shop, ticket)
    assert request_xml.count("<CustomerAddRq") == 1
    with statements(shop) as received:
        percent = _receive(shop, ticket, request_xml)
    assert 0 < percent < 100
    assert len(sent) == SEND_STATEMENTS, sent
    assert len(received) == RECEIVE_STATEMENTS, received
    for seen in (sent, received):
        assert seen[0] == BEGIN and seen.count(BEGIN) == 1
        assert sum(s.startswith("UPDATE wc_sessions") for s in seen) == 1
        assert not any("FROM companies" in s for s in seen)
    assert not any("count(" in s.lower() for s in received)


def test_a_linked_mapping_is_written_once(make_shop: Any) -> None:
    """An answer's new mapping is inserted with what the handler keeps of QuickBooks'
    record (its type, name): not inserted and then updated in the same call, and the
    handlers, with nothing left to write, open no savepoint."""
    shop = make_shop(batch_start=1, batch_max=1)
    _enqueue_customers(shop, 3, mapped=True)
    ticket = _steady_run(shop)
    with statements(shop) as received:
        _receive(shop, ticket, _send(shop, ticket))
    assert sum(s.startswith("INSERT INTO mappings") for s in received) == 1, received
    assert not any(s.startswith("UPDATE mappings") for s in received), received
    assert not any("SAVEPOINT" in s for s in received), received
    with shop.ctx.db.session() as session:
        kinds = set(session.scalars(select(Mapping.qb_type)))
    assert kinds == {"Customer"}


def _statements_for_one_round_trip(shop: Shop, ticket: str) -> tuple[int, int, int]:
    with statements(shop) as sent:
        request_xml = _send(shop, ticket)
    with statements(shop) as received:
        _receive(shop, ticket, request_xml)
    return request_xml.count("<CustomerAddRq"), len(sent), len(received)


@pytest.mark.parametrize("mapped", [False, True], ids=["plain", "mapped"])
def test_statements_per_round_trip_do_not_grow_with_the_batch(make_shop: Any,
                                                              mapped: bool) -> None:
    """A message set of 20 requests takes as many statements as one of 10, also when
    each answer links a Magento customer's mapping and its handler updates it."""
    small = make_shop(batch_start=10, batch_max=10)
    _enqueue_customers(small, 30, mapped=mapped)
    ten = _statements_for_one_round_trip(small, _steady_run(small))
    large = make_shop(batch_start=20, batch_max=20)
    _enqueue_customers(large, 60, first=100, mapped=mapped)
    twenty = _statements_for_one_round_trip(large, _steady_run(large, "qbuser2"))
    assert ten[0] == 10 and twenty[0] == 20
    assert ten[1:] == twenty[1:]


def test_progress_counts_the_run_not_the_queue(make_shop: Any) -> None:
    """The percentage grows with the requests answered against the work the run began
    with, and is 100 only when nothing is left to send."""
    shop = make_shop(batch_start=1, batch_max=1)
    _enqueue_customers(shop, 4)
    ticket = _steady_run(shop)  # 1 of 4 answered
    figures = []
    percent = 0
    while percent < 100:
        percent = _receive(shop, ticket, _send(shop, ticket))
        figures.append(percent)
    assert figures == [50, 75, 100]


def test_work_queued_during_the_run_holds_progress_below_100(make_shop: Any) -> None:
    """Requests queued after the run began are sent in it; the figure stays under 100
    until they are, and never goes back."""
    shop = make_shop(batch_start=1, batch_max=1)
    _enqueue_customers(shop, 2)
    ticket = _steady_run(shop)
    _enqueue_customers(shop, 3, first=2)
    figures = []
    percent = 0
    while percent < 100:
        percent = _receive(shop, ticket, _send(shop, ticket))
        figures.append(percent)
    # 2, 3 and 4 of at least 3, 4 and 5: the run began with 2, then the figure trails.
    assert figures == [66, 75, 80, 100]


def _first_set_answered_after(shop: Shop, queued: int, seconds: float) -> tuple[str, str, int]:
    """Queue, log in, send the first message set and answer it ``seconds`` later by the
    run's clock: the ticket, the set and the percentage answered."""
    now = {"at": datetime(2026, 12, 1, 9, 0, 0, tzinfo=UTC)}
    shop.runs.clock = lambda: now["at"]
    _enqueue_customers(shop, queued)
    ticket = _login(shop)[0]
    assert ticket
    first = _send(shop, ticket, hcp(shop.owner_id, shop.file_id))
    now["at"] += timedelta(seconds=seconds)
    return ticket, first, _receive(shop, ticket, first)


def test_round_trip_time_is_measured_from_the_message_set(make_shop: Any) -> None:
    """The message set records how long QuickBooks took, by the run's clock."""
    shop = make_shop()
    _, _, percent = _first_set_answered_after(shop, 1, 3.25)
    assert percent == 100
    with shop.ctx.db.session() as session:
        message_set = session.query(MessageSet).one()
        assert message_set.elapsed_ms == 3250


def test_a_soap_call_never_forces_a_full_garbage_collection(
    shop: Shop, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Answering the Web Connector does not stop the process for a full collection."""
    collections: list[int] = []
    monkeypatch.setattr(gc, "collect", lambda *args: collections.append(1) or 0)
    # As if the last collection were long ago: spyne collects at most once a second.
    monkeypatch.setattr("spyne.context._LAST_GC_RUN", 0.0)
    for _ in range(3):
        shop.call("serverVersion")
    _login(shop)
    assert collections == []


def _plans(shop: Shop, seen: Executed) -> list[str]:
    """SQLite's query plan of every SELECT in ``seen``."""
    plans = []
    with shop.ctx.db.engine.connect() as connection:
        for statement, params in zip(seen, seen.parameters, strict=True):
            if statement.lstrip().upper().startswith("SELECT"):
                rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
                plans.extend(str(row[-1]) for row in rows)
    return plans


def test_no_statement_of_a_run_visits_a_whole_table(make_shop: Any) -> None:
    """Every statement of sendRequestXML, receiveResponseXML and closeConnection finds its
    rows through an index (SQLite's query plan), so none slows as the tables grow."""
    shop = make_shop(batch_start=2, batch_max=2)
    _enqueue_customers(shop, 5)
    ticket = _steady_run(shop)
    with statements(shop) as seen:
        _receive(shop, ticket, _send(shop, ticket))
        shop.call("closeConnection", ticket=ticket)
    plans = _plans(shop, seen)
    assert plans
    full_scans = [plan for plan in plans
                  if plan.startswith("SCAN") and "INDEX" not in plan and "CONSTANT ROW" not in plan]
    assert full_scans == []
    # The refused attempts closeConnection reports on: found by ticket and outcome both.
    attempt_reads = [plan for plan in plans if "attempts" in plan and "ticket=?" in plan]
    assert attempt_reads and all("outcome=?" in plan for plan in attempt_reads), plans


def test_mappings_are_found_by_their_whole_identity(make_shop: Any) -> None:
    """A message set's mappings are read on the identity's unique index with all of its
    columns: company and Magento id alone would visit every mapping of the company."""
    shop = make_shop(batch_start=5, batch_max=5)
    _enqueue_customers(shop, 15, mapped=True)
    ticket = _steady_run(shop)  # the first set's mappings now exist beside the new ones
    with statements(shop) as seen:
        _receive(shop, ticket, _send(shop, ticket))
    mapping_reads = Executed()
    for statement, params in zip(seen, seen.parameters, strict=True):
        if statement.lstrip().upper().startswith("SELECT") and " mappings" in statement:
            mapping_reads.append(statement)
            mapping_reads.parameters.append(params)
    assert len(mapping_reads) >= 2  # with the sent requests, and the new ones read back
    plans = [plan for plan in _plans(shop, mapping_reads) if "mappings" in plan]
    assert plans and all("entity_type=? AND magento_id=?" in plan for plan in plans), plans


def _mapping_selects(seen: Executed) -> list[str]:
    return [s for s in seen if s.lstrip().upper().startswith("SELECT") and "FROM mappings" in s]


def test_a_set_reads_only_the_mappings_that_exist(make_shop: Any) -> None:
    """The sent requests are read with their mappings' ids: a set of new records reads
    mappings once (the new ones, back), a set whose records are mapped reads those once
    by id (and writes them in place)."""
    shop = make_shop(batch_start=5, batch_max=5)
    _enqueue_customers(shop, 10, mapped=True)
    ticket = _steady_run(shop)
    with statements(shop) as new:
        _receive(shop, ticket, _send(shop, ticket))
    assert len(_mapping_selects(new)) == 1 and "mappings.id IN" not in _mapping_selects(new)[0]
    with shop.ctx.db.session() as session:
        for n in range(5):  # customers mapped by the first set, added again under new names
            queue.enqueue(session, company_id=shop.company_id, operation="CustomerAdd",
                          key=f"customer-again:{n}", payload={"Name": f"Customer {n} again"},
                          entity_type="customer", magento_id=str(n))
    with statements(shop) as again:
        _receive(shop, ticket, _send(shop, ticket))
    selects = _mapping_selects(again)
    assert len(selects) == 1 and "mappings.id IN" in selects[0], selects
    assert not any(s.startswith("INSERT INTO mappings") for s in again)
    with shop.ctx.db.session() as session:
        names = set(session.scalars(select(Mapping.qb_name).where(
            Mapping.magento_id.in_([str(n) for n in range(5)]))))
    assert names == {f"Customer {n} again" for n in range(5)}


def test_the_awaited_message_set_is_found_without_the_runs_other_sets(make_shop: Any) -> None:
    """receiveResponseXML finds the set it settles by ticket and state together: a long
    run's answered sets are never visited again."""
    shop = make_shop(batch_start=1, batch_max=1)
    _enqueue_customers(shop, 3)
    ticket = _steady_run(shop)
    request_xml = _send(shop, ticket)
    with statements(shop) as seen:
        _receive(shop, ticket, request_xml)
    searches = [plan for plan in _plans(shop, seen) if "message_sets" in plan]
    assert searches
    assert all("state=?" in plan for plan in searches), searches


@pytest.mark.parametrize(("elapsed_seconds", "grown"), [
    (0.4, 80),   # under a fortieth of the 20 s target: grows fourfold
    (1.0, 40),   # under a tenth: doubles
    (3.0, 30),   # under a quarter: grows by half
    (10.0, 20),  # between a quarter and the target: stays
    (25.0, 10),  # over the target: halves
])
def test_the_batch_adapts_to_quickbooks_round_trip_time(
    make_shop: Any, elapsed_seconds: float, grown: int
) -> None:
    """The next message set's size follows how long QuickBooks took with the last one."""
    shop = make_shop(batch_start=20, batch_max=100, batch_target_seconds=20.0)
    ticket, first, _ = _first_set_answered_after(shop, 200, elapsed_seconds)
    assert first.count("<CustomerAddRq") == 20
    assert _send(shop, ticket).count("<CustomerAddRq") == grown


def test_the_batch_never_grows_past_batch_max(make_shop: Any) -> None:
    """However fast QuickBooks answers, a message set holds at most batch_max requests."""
    shop = make_shop(batch_start=20, batch_max=30)
    _enqueue_customers(shop, 200)
    ticket = _steady_run(shop)
    for _ in range(3):
        request_xml = _send(shop, ticket)
        assert request_xml.count("<CustomerAddRq") <= 30
        _receive(shop, ticket, request_xml)
