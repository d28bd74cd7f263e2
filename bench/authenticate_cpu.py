"""CPU of one Web Connector ``authenticate`` (argon2id verify, throttle, run bookkeeping).

    .venv/bin/python -m bench.authenticate_cpu [--logins 50]

Calls ``Runs.authenticate`` with the right password against a SQLite database
with nothing queued (the common poll: answered "none"), and prints the process CPU per
call. Target: ≤ 60 ms.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
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
        ctx = AppContext(load_settings(None, environ={}, data_dir=Path(folder)))
        with ctx.db.session() as session:
            company = Company(name="Poll", file_id="{00000000-0000-0000-0000-0000000000A1}")
            session.add(company)
            session.flush()
            session.add(QbwcUser(company_id=company.id, username="poll",
                                 password_hash=hash_password("a long passphrase")))
        runs = Runs(ctx, handlers=Registry())
        assert runs.authenticate("poll", "a long passphrase", "127.0.0.1")[1] == NO_WORK
        start = time.process_time()
        for _ in range(args.logins):
            runs.authenticate("poll", "a long passphrase", "127.0.0.1")
        per_call = (time.process_time() - start) / args.logins * 1000
        ctx.db.dispose()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"authenticate: {per_call:.1f} ms CPU per call over {args.logins} logins "
          "(argon2id m=19 MiB, t=2, p=1; target <= 60 ms)")


if __name__ == "__main__":
    main()
