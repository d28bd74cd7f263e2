"""PostgreSQL: concurrent claimers over several companies share one database safely."""

from __future__ import annotations

import random
import threading
from collections import Counter
from pathlib import Path

import pytest
from queue_helpers import add_company, claim, customer_body, open_quickbooks

from qbwc_service.db import Database
from qbwc_service.db.models import Request
from qbwc_service.handlers import Registry
from qbwc_service.queue import apply_response, enqueue

pytestmark = pytest.mark.postgres

COMPANIES = 4
PER_COMPANY = 40


@pytest.mark.slow
def test_two_claimers_never_share_or_leak(pg_db: Database, tmp_path: Path) -> None:
    """Two threads draining four companies: each request sent once, to its own company."""
    companies: list[int] = []
    with pg_db.session() as session:
        for number in range(COMPANIES):
            company_id = add_company(session, f"Company {number}")
            companies.append(company_id)
            for index in range(PER_COMPANY):
                enqueue(session, company_id=company_id, operation="CustomerAdd",
                        key=f"c{index}", body_xml=customer_body(f"C{number}-{index}"))
    books = {company_id: open_quickbooks(tmp_path / f"quickbooks-{company_id}.sqlite3")
             for company_id in companies}
    locks = {company_id: threading.Lock() for company_id in companies}
    handed_out: Counter[int] = Counter()
    leaks: list[tuple[int, int]] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def worker(name: str, seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(200):
                order = companies[:]
                rng.shuffle(order)
                progressed = False
                for company_id in order:
                    ticket = f"{name}-{company_id}"
                    # Claim and answer in one transaction: the other thread never sees
                    # this set unsettled, so any overlap would be a double claim.
                    with pg_db.session() as session:
                        outbound = claim(session, company_id, ticket, max_requests=rng.randint(1, 7))
                        if outbound is None:
                            continue
                        progressed = True
                        owners = {
                            r.company_id for r in session.query(Request).filter(
                                Request.id.in_(outbound.request_ids))
                        }
                        with guard:
                            handed_out.update(outbound.request_ids)
                            leaks.extend((company_id, o) for o in owners if o != company_id)
                        with locks[company_id]:
                            answer = books[company_id].process(outbound.xml)
                        apply_response(session, handlers=Registry(), ticket=ticket, response_xml=answer)
                if not progressed:
                    return
        except BaseException as exc:  # surfaced by the main thread
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}", i)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a claimer hung"
    assert errors == []
    assert leaks == []
    assert len(handed_out) == COMPANIES * PER_COMPANY
    assert max(handed_out.values()) == 1
    with pg_db.session() as session:
        assert {r.status for r in session.query(Request)} == {"succeeded"}
    for company_id, book in books.items():
        assert len(book.store.lists_of(("Customer",))) == PER_COMPANY, company_id
        book.close()
