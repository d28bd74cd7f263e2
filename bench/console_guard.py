"""What the console's overdue banner costs on every page, with years of Web Connector runs.

    .venv/bin/python -m bench.console_guard [--companies 200] [--runs 35000] [--repeat 50]

Builds ``--companies`` companies whose runs add up to ``--runs`` (a company polling every
15 minutes makes about 35,000 a year), then times ``overdue_companies`` (the statement
every signed-in page runs) with the ``(company_id, last_call_at)`` index, and the same
statement again after dropping the index (each company's runs then read one by one).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

from qbwc_service.db import Database
from qbwc_service.db.models import Company, QbwcUser, WcRun, utcnow
from qbwc_service.services.dashboard import overdue_companies

CHUNK = 5000


def build(database: Database, companies: int, runs: int) -> None:
    now = utcnow()
    with database.session() as session:
        session.execute(insert(Company), [
            {"name": f"Company {n:04d}", "file_id": f"{{{n:08d}}}", "every_minutes": 15}
            for n in range(companies)])
        ids = [row[0] for row in session.execute(text("SELECT id FROM companies ORDER BY id"))]
        session.execute(insert(QbwcUser), [
            {"company_id": company_id, "username": f"wc-{company_id}", "password_hash": "x"}
            for company_id in ids])
        users = dict(session.execute(text("SELECT company_id, id FROM qbwc_users")).all())
        rows: list[dict[str, Any]] = []
        for n in range(runs):
            company_id = ids[n % len(ids)]
            moment = now - timedelta(minutes=15 * (n // len(ids)))
            rows.append({"ticket": f"t{n:09d}", "company_id": company_id,
                         "user_id": users[company_id], "state": "closed", "created_at": moment,
                         "expires_at": moment, "last_call_at": moment, "closed_at": moment})
            if len(rows) == CHUNK:
                session.execute(insert(WcRun), rows)
                rows = []
        if rows:
            session.execute(insert(WcRun), rows)


def time_banner(database: Database, repeat: int) -> tuple[float, float]:
    """(median, p95) milliseconds of one ``overdue_companies`` in its own transaction."""
    timings: list[float] = []
    for _ in range(repeat):
        started = time.perf_counter()
        with database.session() as session:
            overdue_companies(session)
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[int(0.95 * (len(timings) - 1))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--runs", type=int, default=35_000)
    parser.add_argument("--repeat", type=int, default=50)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        database.upgrade()
        build(database, options.companies, options.runs)
        median, p95 = time_banner(database, options.repeat)
        print(f"{options.companies} companies, {options.runs} runs: banner with the index "
              f"{median:.2f} ms median, {p95:.2f} ms p95")
        with database.session() as session:
            session.execute(text("DROP INDEX ix_wc_sessions_company_last_call"))
        database.dispose()
        database = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        median, p95 = time_banner(database, options.repeat)
        print(f"without the index: {median:.2f} ms median, {p95:.2f} ms p95")
        database.dispose()


if __name__ == "__main__":
    main()
