"""End-to-end harness: an installation on disk, the server as a process, and the books.

The books side reads the simulated company file directly (it is SQLite) so that the
assertions do not depend on the code under test to tell what QuickBooks holds.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select, update

from qbwc_service import queue
from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, QbwcUser, Request, RequestStatus
from qbwc_service.failpoints import ENV_VARIABLE
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid, owner_id
from qbwc_service.sandbox import QuickBooksSimulator, SessionSummary, WebConnector
from qbwc_service.sandbox.quickbooks.lists import create_list
from qbwc_service.sandbox.quickbooks.retxml import element
from qbwc_service.settings import load_settings

__all__ = [
    "COMPANY",
    "ZERO_RATE_TAX_ITEM",
    "Books",
    "Installation",
    "Ledger",
    "ServerProcess",
    "drain",
    "failures",
    "free_port",
    "make_installation",
    "merchant_setup",
    "release_backoff",
    "request_statuses",
    "settled",
]

ROOT = Path(__file__).resolve().parents[2]
COMPANY = "Harbour & Hill Outfitters"
USERNAME = "harbour-qbwc"
PASSWORD = "e2e-web-connector-pass"
# What the sync's default tax mapping refers to and a merchant creates once in QuickBooks.
ZERO_RATE_TAX_ITEM = "Magento Tax Zero"
READY_SECONDS = 120.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Installation:
    """A data folder with a config file, one company and its Web Connector user."""

    data_dir: Path
    config: Path
    ctx: AppContext
    company_id: int
    owner_id: str
    file_id: str
    username: str = USERNAME
    password: str = PASSWORD

    def connector(self, url: str, simulator: QuickBooksSimulator) -> WebConnector:
        return WebConnector(url, self.username, self.password, simulator,
                            owner_id=self.owner_id, file_id=self.file_id,
                            noop_pause_seconds=0, sleep=lambda _seconds: None)


def make_installation(root: Path, *, service: dict[str, Any] | None = None,
                      extra_toml: str = "") -> Installation:
    """Write ``root/config.toml`` and create the company and user in its SQLite database."""
    root.mkdir(parents=True, exist_ok=True)
    # A lost run is superseded at the next login instead of answering "busy" for 90 s:
    # the real Web Connector comes back minutes later, the tests a moment later.
    values: dict[str, Any] = {"data_dir": ".", "session_idle_seconds": 0,
                              "scheduler_enabled": False, **(service or {})}
    # A JSON scalar (string, number, true/false) is also a valid TOML value.
    lines = ["[service]", *(f"{key} = {json.dumps(value)}" for key, value in values.items())]
    config = root / "config.toml"
    config.write_text("\n".join(lines) + "\n" + extra_toml, encoding="utf-8")
    config.chmod(0o600)
    ctx = AppContext(load_settings(config, environ={}))
    with ctx.db.session() as session:
        company = Company(name=COMPANY, qbxml_version="13.0", every_minutes=1,
                          file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username=USERNAME,
                             password_hash=hash_password(PASSWORD)))
        facts = (company.id, owner_id(session), company.file_id)
    # As `init` leaves it: owner-only, or `serve` refuses to start (insecure_files).
    root.chmod(0o700)
    for path in root.glob("qbwc.sqlite3*"):
        path.chmod(0o600)
    return Installation(root, config, ctx, *facts)


def merchant_setup(simulator: QuickBooksSimulator) -> QuickBooksSimulator:
    """What the merchant creates once before the first sync: the zero-rate tax item."""
    with simulator.store.transaction():
        create_list(simulator.company, "ItemSalesTax", element("Seed", children=[
            element("Name", ZERO_RATE_TAX_ITEM), element("TaxRate", "0")]))
    return simulator


class ServerProcess:
    """``qbwc-service serve`` as a child process, optionally with failpoints armed."""

    def __init__(self, installation: Installation, port: int, log_path: Path) -> None:
        self.installation = installation
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.lives = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/qbwc"

    def start(self, failpoints: str = "") -> ServerProcess:
        env = {key: value for key, value in os.environ.items()
               if not key.startswith("QBWC_SERVICE_")}
        if failpoints:
            env[ENV_VARIABLE] = failpoints
        command = [sys.executable, "-m", "qbwc_service.cli", "--config",
                   str(self.installation.config), "serve", "--host", "127.0.0.1",
                   "--port", str(self.port), "--no-scheduler", "--threads", "4"]
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log,
                                            stderr=subprocess.STDOUT)
        self.lives += 1
        self._wait_ready()
        return self

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + READY_SECONDS
        assert self.process is not None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server exited with {self.process.returncode}: "
                                     f"{self.log_path.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz",
                                            timeout=2):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the server did not answer /healthz in time")

    def kill(self) -> None:
        """SIGKILL from outside, the way the OOM killer or a power cut ends a server."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.wait()

    def wait(self, timeout: float = 30.0) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    @property
    def died_by_sigkill(self) -> bool:
        return self.process is not None and self.process.poll() == -signal.SIGKILL

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def release_backoff(ctx: AppContext, company_id: int) -> int:
    """Let time pass: retries waiting out their backoff become ready now."""
    with ctx.db.session() as session:
        result = session.execute(
            update(Request)
            .where(Request.company_id == company_id,
                   Request.status == RequestStatus.QUEUED.value,
                   Request.not_before.is_not(None))
            .values(not_before=None))
        return int(getattr(result, "rowcount", 0) or 0)


def settled(ctx: AppContext, company_id: int) -> bool:
    """Nothing left to send and no message set whose outcome is unknown."""
    with ctx.db.session() as session:
        return (queue.outstanding_count(session, company_id) == 0
                and not queue.needs_recovery(session, company_id))


def request_statuses(ctx: AppContext, company_id: int) -> Counter[str]:
    with ctx.db.session() as session:
        rows = session.execute(
            select(Request.status, func.count(Request.id))
            .where(Request.company_id == company_id).group_by(Request.status))
        return Counter({str(status): int(count) for status, count in rows})


def failures(ctx: AppContext, company_id: int) -> list[str]:
    """``#12 InvoiceAdd 3140: explanation`` for each failed request."""
    with ctx.db.session() as session:
        return [f"#{row.id} {row.operation} {row.status_code}: {row.explanation}"
                for row in session.scalars(select(Request).where(
                    Request.company_id == company_id,
                    Request.status == RequestStatus.FAILED.value))]


def drain(ctx: AppContext, company_id: int, run_session: Callable[[], SessionSummary],
          *, max_sessions: int = 40) -> list[SessionSummary]:
    """Run Web Connector sessions until the queue is settled; the summaries in order."""
    sessions: list[SessionSummary] = []
    while not settled(ctx, company_id):
        if len(sessions) >= max_sessions:
            raise AssertionError(f"the queue did not drain in {max_sessions} sessions: "
                                 f"{request_statuses(ctx, company_id)}; failures: "
                                 f"{failures(ctx, company_id)}")
        release_backoff(ctx, company_id)
        sessions.append(run_session())
    return sessions


@dataclass
class Books:
    """What the simulated company file holds, read straight from its SQLite file."""

    lists: list[tuple[str, str]] = field(default_factory=list)
    txns: list[tuple[str, str | None, Decimal, str | None]] = field(default_factory=list)

    @classmethod
    def read(cls, company_db: Path) -> Books:
        connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
        try:
            lists = [(str(kind), str(name)) for kind, name in connection.execute(
                "SELECT kind, full_name FROM list_record ORDER BY kind, full_name")]
            txns = [(str(kind), ref, Decimal(str(total)), memo)
                    for kind, ref, total, memo in connection.execute(
                        "SELECT kind, ref_number, total, memo FROM txn ORDER BY txn_number")]
        finally:
            connection.close()
        return cls(lists, txns)

    def names(self, kind: str) -> Counter[str]:
        return Counter(name for k, name in self.lists if k == kind)

    def refs(self, kind: str) -> Counter[str]:
        return Counter(ref or "" for k, ref, _total, _memo in self.txns if k == kind)

    def totals(self, kind: str) -> dict[str, Decimal]:
        return {ref or "": total for k, ref, total, _memo in self.txns if k == kind}

    def memos(self, kind: str) -> Counter[str]:
        return Counter(memo or "" for k, _ref, _total, memo in self.txns if k == kind)


def repeated(counts: Counter[str], expected: Sequence[str]) -> dict[str, int]:
    """Expected keys seen other than exactly once (0 = missing, 2+ = duplicated)."""
    return {key: counts.get(key, 0) for key in expected if counts.get(key, 0) != 1}


@dataclass
class Ledger:
    """The simulated company's journal, read straight from its SQLite file: balances as
    QuickBooks shows them, per account name, and what each credit memo has left."""

    balances: dict[str, Decimal]
    account_types: dict[str, str]
    difference: Decimal
    credit_left: dict[str, Decimal]  # credit memo RefNumber -> CreditRemaining
    on_hand: dict[str, Decimal]  # item name -> quantity across sites
    at_site: dict[tuple[str, str], Decimal]  # (item name, site name) -> quantity

    @classmethod
    def read(cls, company_db: Path) -> Ledger:
        from qbwc_service.sandbox.quickbooks.ledger import (
            account_balances,
            account_types,
            inventory_by_site,
            natural,
        )

        connection = sqlite3.connect(f"file:{company_db}?mode=ro", uri=True)
        try:
            names = {str(list_id): str(name) for list_id, name in connection.execute(
                "SELECT list_id, full_name FROM list_record")}
            types = account_types(connection)
            balances = {names[account]: natural(types.get(account, "NonPosting"), signed)
                        for account, signed in account_balances(connection).items()}
            used: dict[str, Decimal] = {}
            for credit_id, amount in connection.execute(
                    "SELECT credit_id, amount FROM application WHERE credit_id IS NOT NULL"):
                used[str(credit_id)] = used.get(str(credit_id), Decimal(0)) + Decimal(amount)
            credit_left = {str(ref): Decimal(str(total)) - used.get(str(txn_id), Decimal(0))
                           for txn_id, ref, total in connection.execute(
                               "SELECT txn_id, ref_number, total FROM txn "
                               "WHERE kind = 'CreditMemo'")}
            on_hand: dict[str, Decimal] = {}
            at_site: dict[tuple[str, str], Decimal] = {}
            for (item, site), (quantity, _value) in inventory_by_site(connection).items():
                on_hand[names[item]] = on_hand.get(names[item], Decimal(0)) + quantity
                at_site[(names[item], names.get(site, ""))] = quantity
            # Debits minus credits over the whole journal: zero in a sound company file.
            difference = sum((Decimal(amount) for (amount,) in connection.execute(
                "SELECT amount FROM journal")), Decimal(0))
        finally:
            connection.close()
        return cls(balances, {names[k]: v for k, v in types.items()}, difference,
                   credit_left, on_hand, at_site)

    def total(self, account_type: str) -> Decimal:
        return sum((amount for name, amount in self.balances.items()
                    if self.account_types.get(name) == account_type), Decimal(0))
