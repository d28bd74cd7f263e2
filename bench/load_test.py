"""Load test: many company files, each with its own Web Connector, against N server processes.

    .venv/bin/python -m bench.load_test [--companies 200] [--requests 5] [--processes 1 2]
    .venv/bin/python -m bench.load_test --idle [--companies 200] [--idle-seconds 60]

Each configuration gets a fresh PostgreSQL schema, ``--companies`` company files with one
Web Connector user and ``--requests`` queued queries each, and N ``qbwc-service serve``
processes on 127.0.0.1. One raw-SOAP client thread per company plays the Web Connector
(authenticate, sendRequestXML with the company's HCP, receiveResponseXML answered like
QuickBooks, closeConnection) until its queue is empty. Checked: no qbXML of one company
reaches another (cross-company leaks), no request is handed out twice (duplicates), every
request ends succeeded. Reported: SOAP calls per second, requests settled per second, and
p50/p95 latency of each SOAP call; then the throughput of N processes against one.

``--idle`` measures the common case instead: ``--companies`` company files with nothing
queued, on one ``serve`` process with its embedded SQLite database (so the database's
work is counted in the process). Each Web Connector polls as the real one does when
there is nothing to send: serverVersion, clientVersion, authenticate (answered "none"),
closeConnection (qbwc-protocol.md §4.1). First all of them at once, as after a start:
authentications per second, every password checked with argon2. Then each once more,
spread evenly over ``--idle-seconds`` (60: a minute of every company polling every
minute), answered from the logins remembered for ``login_cache_seconds``: the server's
CPU seconds over that window. One minute in every ``login_cache_seconds / 60`` pays
argon2 again for every company; the average minute adds that share.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import requests
from lxml import etree

__all__ = ["main"]

TNS = "http://developer.intuit.com/"
SOAP_NS = "http://schemas.xmlsoap.org/soap/envelope/"
PASSWORD = "load-test-passphrase"
# The Web Connector itself waits minutes for an answer before it gives up.
CALL_TIMEOUT = 600
DEFAULT_PG = os.environ.get("QBWC_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
MARKER = re.compile(r"<FullName>co(\d+)-r\d+</FullName>")
REQUEST_ID = re.compile(r'<(\w+)Rq requestID="(\d+)"')
HCP = (
    '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>'
    '<HostQueryRs requestID="0" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
    "<HostRet><ProductName>QuickBooks Enterprise Solutions 24.0</ProductName>"
    "<MajorVersion>34</MajorVersion><MinorVersion>0</MinorVersion><Country>US</Country>"
    "<SupportedQBXMLVersion>13.0</SupportedQBXMLVersion>"
    "<SupportedQBXMLVersion>16.0</SupportedQBXMLVersion>"
    "<QBFileMode>MultiUser</QBFileMode></HostRet></HostQueryRs>"
    '<CompanyQueryRs requestID="1" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
    "<CompanyRet><CompanyName>Load {company}</CompanyName><DataExtRet><OwnerID>{owner}</OwnerID>"
    "<DataExtName>FileID</DataExtName><DataExtType>STR255TYPE</DataExtType>"
    "<DataExtValue>{file_id}</DataExtValue></DataExtRet></CompanyRet></CompanyQueryRs>"
    '<PreferencesQueryRs requestID="2" statusCode="0" statusSeverity="Info" statusMessage="Status OK">'
    "<PreferencesRet><AccountingPreferences><IsUsingClassTracking>false</IsUsingClassTracking>"
    "</AccountingPreferences></PreferencesRet></PreferencesQueryRs></QBXMLMsgsRs></QBXML>"
)


@dataclass
class CompanyFile:
    company_id: int
    username: str
    file_id: str


@dataclass
class Tally:
    """What the simulated Web Connectors saw; shared by the client threads."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    handed_out: Counter[str] = field(default_factory=Counter)
    leaks: int = 0
    busy: int = 0
    errors: list[str] = field(default_factory=list)

    def record(self, operation: str, seconds: float) -> None:
        with self.lock:
            self.latencies[operation].append(seconds)


@dataclass
class Outcome:
    processes: int
    seconds: float
    calls: int
    settled: int
    tally: Tally
    unsettled: int
    multi_attempt: int


# --------------------------------------------------------------------------- set-up


@contextmanager
def fresh_schema(pg_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(pg_url)
    with admin.begin() as connection:
        connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{pg_url}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def seed(url: str, companies: int, per_company: int) -> tuple[str, list[CompanyFile]]:
    from qbwc_service.db import Database
    from qbwc_service.db.models import Company, QbwcUser
    from qbwc_service.qbwc.auth import hash_password
    from qbwc_service.qbwc.qwc import new_guid, owner_id
    from qbwc_service.queue import enqueue

    database = Database(url)
    database.upgrade()
    # One argon2 hash for every user: hashing 200 passwords would only slow the set-up.
    password_hash = hash_password(PASSWORD)
    files: list[CompanyFile] = []
    with database.session() as session:
        owner = owner_id(session)
        for number in range(companies):
            company = Company(name=f"Load {number:03d}", file_id=new_guid(), every_minutes=1)
            session.add(company)
            session.flush()
            username = f"load-{number:03d}"
            session.add(QbwcUser(company_id=company.id, username=username,
                                 password_hash=password_hash))
            for item in range(per_company):
                enqueue(
                    session, company_id=company.id, operation="CustomerQuery",
                    key=f"probe-{item}",
                    body_xml=f"<CustomerQueryRq><FullName>co{company.id}-r{item}</FullName>"
                             "</CustomerQueryRq>",
                )
            files.append(CompanyFile(company.id, username, company.file_id))
    database.dispose()
    return owner, files


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# The process behind each base URL, for reading its CPU time.
_server_pids: dict[str, int] = {}


@contextmanager
def servers(url: str, count: int, threads: int) -> Iterator[list[str]]:
    executable = shutil.which("qbwc-service", path=str(Path(sys.executable).parent))
    if executable is None:
        raise SystemExit("qbwc-service is not installed in this environment (pip install -e .)")
    data_dir = Path(tempfile.mkdtemp(prefix="qbwc-load-"))
    environ = {**os.environ, "QBWC_SERVICE_DATABASE_URL": url,
               "QBWC_SERVICE_SCHEDULER_ENABLED": "false"}
    processes: list[subprocess.Popen[bytes]] = []
    bases: list[str] = []
    try:
        for _ in range(count):
            port = free_port()
            processes.append(subprocess.Popen(
                [executable, "--data-dir", str(data_dir), "serve", "--host", "127.0.0.1",
                 "--port", str(port), "--threads", str(threads)],
                env=environ, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
            bases.append(f"http://127.0.0.1:{port}")
            _server_pids[bases[-1]] = processes[-1].pid
        for base in bases:
            wait_healthy(base)
        yield bases
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(data_dir, ignore_errors=True)


def wait_healthy(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.3)
    raise SystemExit(f"the server at {base} did not become healthy within {seconds:.0f} s")


# --------------------------------------------------------------------------- the Web Connector


def envelope(operation: str, **fields: str | int) -> bytes:
    inner = "".join(
        f"<{name} />" if value == "" else f"<{name}>{escape(str(value))}</{name}>"
        for name, value in fields.items()
    )
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_NS}">'
        f'<soap:Body><{operation} xmlns="{TNS}">{inner}</{operation}></soap:Body></soap:Envelope>'
    ).encode()


def answer_like_quickbooks(qbxml: str) -> str:
    """A successful CustomerQueryRs for every request in the message set."""
    parts = []
    for name, request_id in REQUEST_ID.findall(qbxml):
        parts.append(
            f'<{name}Rs requestID="{request_id}" statusCode="0" statusSeverity="Info" '
            f'statusMessage="Status OK"><CustomerRet><ListID>80000001-{request_id}</ListID>'
            f"<EditSequence>1</EditSequence><Name>c{request_id}</Name>"
            f"<FullName>c{request_id}</FullName><IsActive>true</IsActive></CustomerRet>"
            f"</{name}Rs>"
        )
    return f'<?xml version="1.0" ?><QBXML><QBXMLMsgsRs>{"".join(parts)}</QBXMLMsgsRs></QBXML>'


class WebConnector:
    """One company's Web Connector: runs until the service says there is nothing to do."""

    def __init__(self, base: str, company: CompanyFile, owner: str, tally: Tally) -> None:
        self.base = base
        self.company = company
        self.hcp = HCP.format(company=company.company_id, owner=owner, file_id=company.file_id)
        self.tally = tally
        self.http = requests.Session()
        self.calls = 0

    def call(self, operation: str, **fields: str | int) -> list[str]:
        started = time.perf_counter()
        response = self.http.post(
            f"{self.base}/qbwc", data=envelope(operation, **fields), timeout=CALL_TIMEOUT,
            headers={"Content-Type": "text/xml; charset=utf-8",
                     "SOAPAction": f'"{TNS}{operation}"'},
        )
        self.tally.record(operation, time.perf_counter() - started)
        self.calls += 1
        if response.status_code != 200:
            raise RuntimeError(f"{operation}: HTTP {response.status_code}")
        result = etree.fromstring(response.content).find(f".//{{{TNS}}}{operation}Result")
        if result is None:
            raise RuntimeError(f"{operation}: no result element")
        strings = result.findall(f"{{{TNS}}}string")
        return [s.text or "" for s in strings] if strings else [result.text or ""]

    def idle_poll(self) -> None:
        """A poll with nothing to send: the Web Connector's four calls."""
        self.call("serverVersion")
        self.call("clientVersion", strVersion="2.3.0.36")
        ticket, verdict = [*self.call("authenticate", strUserName=self.company.username,
                                      strPassword=PASSWORD), "", ""][:2]
        if verdict != "none":
            with self.tally.lock:
                self.tally.errors.append(f"company {self.company.company_id}: {verdict!r}")
        self.call("closeConnection", ticket=ticket)
        # Each run is a connection of its own; 200 held open would also pass waitress'
        # default connection_limit (100), which holds further clients back.
        self.http.close()

    def run_until_drained(self) -> None:
        try:
            self._run_until_drained()
        finally:
            self.http.close()  # see idle_poll

    def _run_until_drained(self) -> None:
        for _ in range(50):
            answer = self.call("authenticate", strUserName=self.company.username,
                               strPassword=PASSWORD)
            ticket, verdict = [*answer, "", ""][:2]
            if verdict == "none":
                return
            if verdict in ("nvu", "busy"):
                with self.tally.lock:
                    self.tally.busy += 1
                time.sleep(0.2)
                continue
            self.one_run(ticket)
        with self.tally.lock:
            self.tally.errors.append(f"company {self.company.company_id} never drained")

    def one_run(self, ticket: str) -> None:
        hcp = self.hcp
        while True:
            [qbxml] = self.call("sendRequestXML", ticket=ticket, strHCPResponse=hcp,
                                strCompanyFileName="", qbXMLCountry="US",
                                qbXMLMajorVers=16, qbXMLMinorVers=0)
            hcp = ""
            if not qbxml:
                [message] = self.call("getLastError", ticket=ticket)
                if message == "NoOp":
                    time.sleep(0.05)
                    continue
                break
            self.check(qbxml)
            [percent] = self.call("receiveResponseXML", ticket=ticket,
                                  response=answer_like_quickbooks(qbxml), hresult="", message="")
            if int(percent) >= 100 or int(percent) < 0:
                if int(percent) < 0:
                    self.call("getLastError", ticket=ticket)
                break
        self.call("closeConnection", ticket=ticket)

    def check(self, qbxml: str) -> None:
        owners = {int(owner) for owner in MARKER.findall(qbxml)}
        with self.tally.lock:
            self.tally.leaks += len(owners - {self.company.company_id})
            for _, request_id in REQUEST_ID.findall(qbxml):
                self.tally.handed_out[request_id] += 1


# --------------------------------------------------------------------------- one configuration


def settle_counts(url: str) -> tuple[int, int, int]:
    from sqlalchemy import func, select

    from qbwc_service.db import Database
    from qbwc_service.db.models import Attempt, Request, RequestStatus

    database = Database(url)
    try:
        with database.session() as session:
            settled = session.scalar(select(func.count()).where(
                Request.status == RequestStatus.SUCCEEDED.value)) or 0
            unsettled = session.scalar(select(func.count()).where(
                Request.status != RequestStatus.SUCCEEDED.value)) or 0
            per_request = select(Attempt.request_id).group_by(Attempt.request_id).having(
                func.count() > 1).subquery()
            multi = session.scalar(select(func.count()).select_from(per_request)) or 0
        return settled, unsettled, multi
    finally:
        database.dispose()


def run_configuration(args: argparse.Namespace, processes: int) -> Outcome:
    with fresh_schema(args.pg_url) as url:
        owner, files = seed(url, args.companies, args.requests)
        with servers(url, processes, args.server_threads) as bases:
            tally = Tally()
            connectors = [WebConnector(bases[i % len(bases)], company, owner, tally)
                          for i, company in enumerate(files)]

            def drive(connector: WebConnector) -> None:
                try:
                    connector.run_until_drained()
                except Exception as exc:
                    with tally.lock:
                        tally.errors.append(f"company {connector.company.company_id}: {exc}")

            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                list(pool.map(drive, connectors))
            seconds = time.perf_counter() - started
        settled, unsettled, multi = settle_counts(url)
    calls = sum(connector.calls for connector in connectors)
    return Outcome(processes, seconds, calls, settled, tally, unsettled, multi)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] if ordered else 0.0


def report(outcome: Outcome) -> None:
    tally = outcome.tally
    duplicates = sum(1 for count in tally.handed_out.values() if count > 1)
    print(f"\n== {outcome.processes} server process(es) ==")
    print(f"wall time            {outcome.seconds:8.2f} s")
    print(f"SOAP calls           {outcome.calls:8d}  ({outcome.calls / outcome.seconds:7.1f} /s)")
    print(f"requests settled     {outcome.settled:8d}  ({outcome.settled / outcome.seconds:7.1f} /s)")
    logins = len(tally.latencies.get("authenticate", []))
    print(f"authentications      {logins:8d}  ({logins / outcome.seconds:7.1f} /s)")
    print(f"cross-company leaks  {tally.leaks:8d}")
    print(f"duplicates handed out{duplicates:8d}   requests with >1 attempt {outcome.multi_attempt}")
    print(f"unsettled requests   {outcome.unsettled:8d}   busy answers {tally.busy}")
    print(f"{'call':22s}{'count':>8s}{'p50 ms':>10s}{'p95 ms':>10s}")
    for operation, values in sorted(tally.latencies.items()):
        print(f"{operation:22s}{len(values):8d}{percentile(values, 0.5) * 1000:10.1f}"
              f"{percentile(values, 0.95) * 1000:10.1f}")
    kinds = Counter(re.sub(r"company \d+: |host='[^']*', port=\d+", "", e) for e in tally.errors)
    for kind, count in kinds.most_common(5):
        print(f"error x{count}: {kind}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def idle_polling(args: argparse.Namespace) -> int:
    """Authentications per second, and the CPU cost of a minute of idle polls."""
    os.umask(0o077)  # serve refuses a data folder other users can read
    folder = Path(tempfile.mkdtemp(prefix="qbwc-idle-"))
    try:
        url = f"sqlite:///{folder / 'idle.sqlite3'}"
        owner, files = seed(url, args.companies, 0)
        with servers(url, 1, args.server_threads) as bases:
            pid = _server_pids[bases[0]]
            tally = Tally()
            connectors = [WebConnector(bases[0], company, owner, tally) for company in files]
            cpu = cpu_seconds(pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                list(pool.map(WebConnector.idle_poll, connectors))
            burst = time.perf_counter() - started
            burst_cpu = cpu_seconds(pid) - cpu
            logins = len(tally.latencies["authenticate"])
            tally.latencies.clear()
            gap = args.idle_seconds / len(connectors)
            cpu = cpu_seconds(pid)
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=8) as pool:
                for number, connector in enumerate(connectors):
                    time.sleep(max(0.0, started + number * gap - time.perf_counter()))
                    pool.submit(connector.idle_poll)
            time.sleep(max(0.0, started + args.idle_seconds - time.perf_counter()))
            window = time.perf_counter() - started
            window_cpu = cpu_seconds(pid) - cpu
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    from qbwc_service.settings import Settings

    remembered_for = Settings().login_cache_seconds
    polls = len(files)
    argon2_share = 60 / remembered_for if remembered_for else 1.0
    average = window_cpu + argon2_share * max(0.0, burst_cpu - window_cpu)
    print(f"\n== {polls} idle company files, one server process, SQLite ==")
    print(f"all polling at once (argon2 for each): {logins} logins in {burst:.2f} s = "
          f"{logins / burst:.1f} authentications/s, {1000 * burst_cpu / logins:.1f} ms "
          "server CPU per poll")
    print(f"each polling once more over {window:.1f} s (remembered logins): {window_cpu:.2f} "
          f"CPU seconds in the server process, {1000 * window_cpu / polls:.1f} ms per poll")
    print(f"average minute of {polls} companies polling every minute, one in "
          f"{1 / argon2_share:.0f} with argon2 for each: {average:.2f} CPU seconds "
          f"(target < 6 s; every poll with argon2: {burst_cpu:.2f} s)")
    print(f"{'call':22s}{'count':>8s}{'p50 ms':>10s}{'p95 ms':>10s}")
    for operation, values in sorted(tally.latencies.items()):
        print(f"{operation:22s}{len(values):8d}{percentile(values, 0.5) * 1000:10.1f}"
              f"{percentile(values, 0.95) * 1000:10.1f}")
    for error in tally.errors[:5]:
        print(f"error: {error}")
    return 1 if tally.errors else 0


def postgres_reachable(pg_url: str) -> bool:
    import sqlalchemy as sa

    try:
        engine = sa.create_engine(pg_url, connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--companies", type=int, default=200)
    parser.add_argument("--requests", type=int, default=5, help="queued requests per company")
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--clients", type=int, default=200, help="concurrent Web Connectors")
    parser.add_argument("--server-threads", type=int, default=8)
    parser.add_argument("--pg-url", default=DEFAULT_PG)
    parser.add_argument("--idle", action="store_true",
                        help="measure idle polling on one process instead (SQLite)")
    parser.add_argument("--idle-seconds", type=float, default=60.0,
                        help="window over which every idle company polls once")
    args = parser.parse_args(argv)
    if args.idle:
        return idle_polling(args)
    if not postgres_reachable(args.pg_url):
        print(f"PostgreSQL is not reachable at {args.pg_url}; set QBWC_TEST_PG_URL or --pg-url.")
        return 2
    outcomes = []
    for processes in args.processes:
        outcome = run_configuration(args, processes)
        report(outcome)
        outcomes.append(outcome)
    base = outcomes[0]
    for outcome in outcomes[1:]:
        ratio = (outcome.calls / outcome.seconds) / (base.calls / base.seconds)
        print(f"\nthroughput {outcome.processes} vs {base.processes} process(es): {ratio:.2f}x "
              f"(SOAP calls/s), on {os.cpu_count()} CPU(s) shared with PostgreSQL and the clients")
    failed = any(o.tally.leaks or o.unsettled or o.tally.errors or
                 any(c > 1 for c in o.tally.handed_out.values()) for o in outcomes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
