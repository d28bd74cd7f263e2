"""Round trips through the real HTTP server: one request per message set, and default batching.

    .venv/bin/python -m bench.round_trip [--queued 200 10000 100000] [--batch one default]

For each batching mode and each queue size, ``qbwc-service serve`` runs as a child process
on a fresh SQLite data folder holding that many queued CustomerAdd requests. A Web
Connector speaking raw SOAP over one keep-alive HTTP/1.1 connection (standard library
only) authenticates, alternates sendRequestXML and receiveResponseXML against an instant
QuickBooks that answers every request with status 0, and closes the run. ``one`` is
``batch_start = batch_max = 1`` (every request pays a whole round trip); ``default`` is
the shipped batching (``batch_start`` 20, growing to ``batch_max`` 100). Before the timed
run, another company's 200 requests are drained through the same server, so each figure
is about the queue behind it rather than a fresh process's first calls.

Printed per case: requests per second of server time (the wall time of the
sendRequestXML and receiveResponseXML calls over HTTP; the stand-in QuickBooks and the
one authenticate excluded), round trips per second, p50/p95 of each SOAP operation, the
server's CPU per request over those calls and its peak RSS (VmHWM). With one request per message set
the run stops after ``--one-per-set-requests`` requests (a 100,000-request queue would
take many minutes to drain one by one; the rate with that queue behind it is the point).

``--mapped``: each CustomerAdd carries its Magento customer, as the sync's requests do, so
every answer also links an identity mapping and the customer handler keeps QuickBooks'
name on it (without it the requests have no Magento identity: the queue's work alone).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

from lxml import etree
from sqlalchemy import func, insert, select

from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, QbwcUser, Request, RequestStatus
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.settings import load_settings

__all__ = ["answering", "drive_run", "instant_quickbooks", "main"]

TNS = "http://developer.intuit.com/"
ENVELOPE = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
            'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            '<{op} xmlns="' + TNS + '">{fields}</{op}></soap:Body></soap:Envelope>')
PASSWORD = "bench-password-1"
ROOT = Path(__file__).resolve().parent.parent
OPERATIONS = ("authenticate", "sendRequestXML", "receiveResponseXML", "closeConnection")
# Drained first, by another company's Web Connector: the figures are about the queue,
# not about a fresh process's first statements and templates.
WARM_UP_USER = "warm-up"
WARM_UP_REQUESTS = 200
# One request per message set: batch_start = batch_max = 1. Default: the shipped settings.
BATCHING = {"one": "batch_start = 1\nbatch_max = 1\n", "default": ""}


def instant_quickbooks(request_xml: str) -> str:
    """Answer every request of a message set with status 0 and a minimal CustomerRet."""
    root = parse_xml(request_xml)
    msgs = root.find("QBXMLMsgsRq")
    out = etree.Element("QBXML")
    rs_root = etree.SubElement(out, "QBXMLMsgsRs")
    if msgs is None:
        return etree.tostring(out, encoding="unicode")
    if msgs.get("newMessageSetID"):
        rs_root.set("newMessageSetID", msgs.get("newMessageSetID") or "")
        rs_root.set("messageSetStatusCode", "0")
    for number, rq in enumerate(msgs):
        rs = etree.SubElement(rs_root, str(rq.tag)[:-2] + "Rs", requestID=rq.get("requestID", ""),
                              statusCode="0", statusSeverity="Info", statusMessage="Status OK")
        ret = etree.SubElement(rs, "CustomerRet")
        etree.SubElement(ret, "ListID").text = f"{80000000 + number:X}-1712340000"
        etree.SubElement(ret, "EditSequence").text = "1712340000"
        etree.SubElement(ret, "Name").text = rq.findtext(".//Name") or "?"
        etree.SubElement(ret, "FullName").text = rq.findtext(".//Name") or "?"
    return '<?xml version="1.0" ?>' + etree.tostring(out, encoding="unicode")


@dataclass
class Drive:
    """What one Web Connector run saw."""

    requests: int = 0
    round_trips: int = 0
    http_seconds: float = 0.0  # sendRequestXML and receiveResponseXML only
    server_cpu_seconds: float = 0.0  # the same calls, with the stand-in's turns between them
    quickbooks_seconds: float = 0.0
    wall_seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=dict)


class WebConnector:
    """Raw SOAP over one keep-alive connection, each call timed."""

    def __init__(self, port: int, drive: Drive) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.drive = drive

    def call(self, operation: str, **fields: str | int) -> etree._Element:
        inner = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in fields.items())
        body = ENVELOPE.format(op=operation, fields=inner).encode("utf-8")
        headers = {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": f'"{TNS}{operation}"'}
        started = time.perf_counter()
        self.connection.request("POST", "/qbwc", body, headers)
        reply = self.connection.getresponse()
        content = reply.read()
        seconds = time.perf_counter() - started
        if operation in ("sendRequestXML", "receiveResponseXML"):
            self.drive.http_seconds += seconds
        self.drive.latencies.setdefault(operation, []).append(seconds)
        if reply.status != 200:
            raise SystemExit(f"{operation}: HTTP {reply.status}")
        return parse_xml(content)

    @staticmethod
    def result(root: etree._Element, operation: str) -> str:
        found = root.find(f".//{{{TNS}}}{operation}Result")
        return "" if found is None else (found.text or "")


def drive_run(port: int, server_pid: int, max_requests: int | None,
              username: str = "bench") -> Drive:
    """One Web Connector run: until 100 %, or until ``max_requests`` were answered."""
    drive = Drive()
    client = WebConnector(port, drive)
    started = time.perf_counter()
    auth = client.call("authenticate", strUserName=username, strPassword=PASSWORD)
    ticket = next(s.text or "" for s in auth.iter(f"{{{TNS}}}string"))
    cpu_before = cpu_seconds(server_pid)
    percent = 0
    while percent < 100 and (max_requests is None or drive.requests < max_requests):
        xml = client.result(client.call(
            "sendRequestXML", ticket=ticket, strHCPResponse="",
            strCompanyFileName="C:\\Bench.QBW", qbXMLCountry="US", qbXMLMajorVers=13,
            qbXMLMinorVers=0), "sendRequestXML")
        if not xml:
            break
        qb_started = time.perf_counter()
        response = instant_quickbooks(xml)
        drive.requests += xml.count("requestID=")
        drive.quickbooks_seconds += time.perf_counter() - qb_started
        percent = int(client.result(client.call(
            "receiveResponseXML", ticket=ticket, response=response, hresult="", message=""),
            "receiveResponseXML"))
        drive.round_trips += 1
        if percent < 0:
            raise SystemExit("the server answered -1; see its log")
    drive.server_cpu_seconds = cpu_seconds(server_pid) - cpu_before
    client.call("closeConnection", ticket=ticket)
    client.connection.close()
    drive.wall_seconds = time.perf_counter() - started
    return drive


def _prepare(data_dir: Path, count: int, batching: str, mapped: bool = False) -> Path:
    config = data_dir / "config.toml"
    config.write_text(f'[service]\ndata_dir = "."\nbatch_max_bytes = {8 * 1024 * 1024}\n'
                      f"{batching}", encoding="utf-8")
    ctx = AppContext(load_settings(config, environ={}))
    password_hash = hash_password(PASSWORD)
    with ctx.db.session() as session:
        for name, username, queued in (("Warm-up Company", WARM_UP_USER, WARM_UP_REQUESTS),
                                       ("Bench Company", "bench", count)):
            company = Company(name=name, every_minutes=1, file_id=new_guid())
            session.add(company)
            session.flush()
            session.add(QbwcUser(company_id=company.id, username=username,
                                 password_hash=password_hash))
            # Bulk inserts: the figure is about sending, not enqueueing.
            for start in range(0, queued, 10_000):
                session.execute(insert(Request), [
                    {"company_id": company.id, "operation": "CustomerAdd",
                     "idempotency_key": f"customer:{n}",
                     "payload": {"Name": f"{name} customer {n}"},
                     "status": "queued", "priority": 100,
                     **({"entity_type": "customer", "magento_id": str(n),
                         "magento_ref": f"customer {n}"} if mapped else {})}
                    for n in range(start, min(queued, start + 10_000))])
    ctx.db.dispose()
    return config


def _succeeded(config: Path) -> int:
    ctx = AppContext(load_settings(config, environ={}))
    with ctx.db.session() as session:
        count = session.scalar(select(func.count(Request.id)).join(Company).where(
            Company.name == "Bench Company", Request.status == RequestStatus.SUCCEEDED.value))
    ctx.db.dispose()
    return int(count or 0)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU of process ``pid`` so far."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _serve(config: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBWC_SERVICE_")}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "qbwc_service.cli", "--config", str(config), "serve",
             "--port", str(port), "--no-scheduler"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    return answering(server, f"http://127.0.0.1:{port}/healthz",
                     lambda: log.read_text(encoding="utf-8")[-2000:])


def answering(server: subprocess.Popen[bytes], url: str,
              output: Callable[[], str] = str) -> subprocess.Popen[bytes]:
    """``server`` once ``url`` answers; stopped, with ``output()`` said, if it never does."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    server.wait(timeout=30)
    raise SystemExit("the server did not start: " + output())


def _ms(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0] * 1000
    return statistics.quantiles(values, n=100, method="inclusive")[round(fraction * 100) - 1] * 1000


def run_case(batch: str, queued: int, one_per_set_requests: int,
             mapped: bool = False) -> dict[str, object]:
    """Queue ``queued`` requests, drive one run over HTTP, and return its figures."""
    with tempfile.TemporaryDirectory(prefix="round-trip-") as folder:
        data_dir = Path(folder)
        config = _prepare(data_dir, queued, BATCHING[batch], mapped)
        port = _free_port()
        server = _serve(config, port, data_dir / "server.log")
        try:
            drive_run(port, server.pid, None, username=WARM_UP_USER)
            drive = drive_run(port, server.pid, one_per_set_requests if batch == "one" else None)
            peak_rss = _peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        succeeded = _succeeded(config)
    requests = max(1, drive.requests)
    figures: dict[str, object] = {
        "batch": batch, "queued": queued, "mapped": mapped, "requests": drive.requests,
        "succeeded": succeeded, "round_trips": drive.round_trips,
        "requests_per_s": round(requests / drive.http_seconds, 1),
        "round_trips_per_s": round(drive.round_trips / drive.http_seconds, 1),
        "wall_seconds": round(drive.wall_seconds, 2),
        "server_cpu_ms_per_request": round(1000 * drive.server_cpu_seconds / requests, 3),
        "server_peak_rss_mb": round(peak_rss, 1),
    }
    for operation in OPERATIONS:
        values = drive.latencies.get(operation, [])
        figures[f"{operation}_p50_ms"] = round(_ms(values, 0.50), 2)
        figures[f"{operation}_p95_ms"] = round(_ms(values, 0.95), 2)
    return figures


def _print(figures: dict[str, object]) -> None:
    mapped = ", each with its Magento customer" if figures["mapped"] else ""
    print(f"\n== {figures['batch']} batching, {figures['queued']:,} queued{mapped} ==")
    print(f"answered {figures['requests']:,} requests in {figures['round_trips']:,} round trips "
          f"({figures['succeeded']:,} succeeded in the queue afterwards), "
          f"wall {figures['wall_seconds']} s")
    print(f"requests/s {figures['requests_per_s']:>10}   round trips/s "
          f"{figures['round_trips_per_s']:>8}   (server time: HTTP calls, stand-in excluded)")
    print(f"server CPU {figures['server_cpu_ms_per_request']} ms/request, "
          f"peak RSS {figures['server_peak_rss_mb']} MB")
    for operation in OPERATIONS:
        print(f"  {operation:20s} p50 {figures[operation + '_p50_ms']:>8} ms   "
              f"p95 {figures[operation + '_p95_ms']:>8} ms")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queued", type=int, nargs="+", default=[200, 10_000],
                        help="queue sizes to run (default: 200 10000; add 100000)")
    parser.add_argument("--batch", choices=sorted(BATCHING), nargs="+",
                        default=["one", "default"])
    parser.add_argument("--one-per-set-requests", type=int, default=2_000,
                        help="requests answered per case at one request per message set")
    parser.add_argument("--mapped", action="store_true",
                        help="requests carry their Magento customer (mappings and handler)")
    parser.add_argument("--json", action="store_true", help="print one JSON object per case")
    args = parser.parse_args(argv)
    os.umask(0o077)  # serve refuses files other users can read, as init leaves them
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", file=sys.stderr)
    for batch in args.batch:
        for queued in args.queued:
            figures = run_case(batch, queued, args.one_per_set_requests, args.mapped)
            if args.json:
                print(json.dumps(figures))
            else:
                _print(figures)


if __name__ == "__main__":
    main()
