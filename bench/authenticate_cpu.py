"""CPU of one Web Connector ``authenticate`` (argon2id verify, throttle, run bookkeeping).

    .venv/bin/python -m bench.authenticate_cpu [--logins 50]

Calls ``Runs.authenticate`` with the right password against a SQLite database
with nothing queued (the common poll: answered "none"), and prints the process CPU per
call: with argon2 at every login (``login_cache_seconds = 0``: what a first poll, or any
poll after the remembered login expired, costs; target ≤ 60 ms), then as a Web Connector
polling again within ``login_cache_seconds`` is answered.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, QbwcUser
from qbwc_service.handlers import Registry
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.runs import NO_WORK, Runs
from qbwc_service.settings import load_settings

__all__ = ["main"]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--logins", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(None, environ={}, data_dir=Path(folder))
        ctx = AppContext(settings)
        with ctx.db.session() as session:
            company = Company(name="Poll", file_id="{00000000-0000-0000-0000-0000000000A1}")
            session.add(company)
            session.flush()
            session.add(QbwcUser(company_id=company.id, username="poll",
                                 password_hash=hash_password("a long passphrase")))
        every_time = _per_call(Runs(AppContext(replace(settings, login_cache_seconds=0),
                                               _database=ctx.db), handlers=Registry()),
                               args.logins)
        remembered = _per_call(Runs(ctx, handlers=Registry()), args.logins)
        ctx.db.dispose()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"authenticate with argon2: {every_time:.1f} ms CPU per call over {args.logins} "
          "logins (argon2id m=19 MiB, t=2, p=1; target <= 60 ms)")
    print(f"authenticate of a remembered password: {remembered:.1f} ms CPU per call")


def _per_call(runs: Runs, logins: int) -> float:
    """CPU milliseconds per ``authenticate`` after a first, untimed one."""
    assert runs.authenticate("poll", "a long passphrase", "127.0.0.1")[1] == NO_WORK
    start = time.process_time()
    for _ in range(logins):
        runs.authenticate("poll", "a long passphrase", "127.0.0.1")
    return (time.process_time() - start) / logins * 1000


if __name__ == "__main__":
    main()
