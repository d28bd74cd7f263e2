"""One Web Connector session draining a large queue through the real HTTP server.

    .venv/bin/python -m bench.drain_http [--requests 10000] [--batch-max 100]

``qbwc-service serve`` runs as a child process on SQLite; the queue holds ``--requests``
simple CustomerAdd requests. A raw-SOAP client plays the Web Connector (authenticate,
sendRequestXML / receiveResponseXML until 100 %, closeConnection) against an instant
QuickBooks that answers every request with status 0. Printed: server time per request
(wall time of the SOAP calls, HTTP included; the stand-in QuickBooks' time excluded),
requests per second, message sets, and the server's peak RSS (VmHWM).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from xml.sax.saxutils import escape

import requests
from lxml import etree
from sqlalchemy import func, insert, select

from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, QbwcUser, Request, RequestStatus
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid
from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.settings import load_settings

__all__ = ["instant_quickbooks", "main"]

TNS = "http://developer.intuit.com/"
ENVELOPE = ('<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
            'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
            '<{op} xmlns="' + TNS + '">{fields}</{op}></soap:Body></soap:Envelope>')
PASSWORD = "bench-password-1"
ROOT = Path(__file__).resolve().parent.parent


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


class SoapClient:
    """Raw SOAP posts timed one by one; only the time inside the HTTP call is counted."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()
        self.seconds = 0.0
        self.calls = 0

    def call(self, operation: str, **fields: str | int) -> etree._Element:
        inner = "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in fields.items())
        body = ENVELOPE.format(op=operation, fields=inner).encode("utf-8")
        headers = {"Content-Type": "text/xml; charset=utf-8",
                   "SOAPAction": f'"{TNS}{operation}"'}
        started = time.perf_counter()
        reply = self.http.post(self.url, data=body, headers=headers, timeout=120)
        self.seconds += time.perf_counter() - started
        self.calls += 1
        reply.raise_for_status()
        return parse_xml(reply.content)


def _result(root: etree._Element, operation: str) -> str:
    found = root.find(f".//{{{TNS}}}{operation}Result")
    return "" if found is None else (found.text or "")


def _prepare(data_dir: Path, count: int, batch_max: int) -> Path:
    config = data_dir / "config.toml"
    config.write_text(f'[service]\ndata_dir = "."\nbatch_max = {batch_max}\n'
                      f"batch_max_bytes = {8 * 1024 * 1024}\n", encoding="utf-8")
    config.chmod(0o600)  # serve refuses a config file other users can read
    ctx = AppContext(load_settings(config, environ={}))
    with ctx.db.session() as session:
        company = Company(name="Bench Company", every_minutes=1, file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="bench",
                             password_hash=hash_password(PASSWORD)))
        # One bulk insert: the figure is about draining, not enqueueing.
        session.execute(insert(Request), [
            {"company_id": company.id, "operation": "CustomerAdd",
             "idempotency_key": f"customer:{n}", "payload": {"Name": f"Bench Customer {n}"},
             "status": "queued", "priority": 100} for n in range(count)])
    ctx.db.dispose()
    return config


def _succeeded(config: Path) -> float:
    ctx = AppContext(load_settings(config, environ={}))
    with ctx.db.session() as session:
        count = session.scalar(select(func.count(Request.id)).where(
            Request.status == RequestStatus.SUCCEEDED.value))
    ctx.db.dispose()
    return float(count or 0)


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


def _serve(config: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBWC_SERVICE_")}
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "qbwc_service.cli", "--config", str(config), "serve",
             "--port", str(port), "--no-scheduler"], cwd=ROOT, env=env, stdout=out,
            stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    server.wait(timeout=30)
    raise SystemExit("the server did not start: " + log.read_text(encoding="utf-8")[-2000:])


def drain(url: str) -> dict[str, float]:
    client = SoapClient(url)
    quickbooks_seconds = 0.0
    started = time.perf_counter()
    auth = client.call("authenticate", strUserName="bench", strPassword=PASSWORD)
    strings = [s.text or "" for s in auth.iter(f"{{{TNS}}}string")]
    ticket = strings[0]
    sets = requests_sent = 0
    percent = 0
    while percent < 100:
        xml = _result(client.call("sendRequestXML", ticket=ticket, strHCPResponse="",
                                  strCompanyFileName="C:\\Bench.QBW", qbXMLCountry="US",
                                  qbXMLMajorVers=13, qbXMLMinorVers=0), "sendRequestXML")
        if not xml:
            break
        qb_started = time.perf_counter()
        response = instant_quickbooks(xml)
        requests_sent += xml.count("requestID=")
        quickbooks_seconds += time.perf_counter() - qb_started
        sets += 1
        percent = int(_result(client.call("receiveResponseXML", ticket=ticket,
                                          response=response, hresult="", message=""),
                              "receiveResponseXML"))
        if percent < 0:
            raise SystemExit("the server answered -1; see its log")
    client.call("closeConnection", ticket=ticket)
    wall = time.perf_counter() - started
    return {"requests": requests_sent, "message_sets": sets, "soap_calls": client.calls,
            "http_seconds": client.seconds, "quickbooks_seconds": quickbooks_seconds,
            "wall_seconds": wall}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--batch-max", type=int, default=100)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    os.umask(0o077)  # an installation's files are its owner's, as init and serve leave them
    with tempfile.TemporaryDirectory(prefix="drain-http-") as folder:
        data_dir = Path(folder)
        config = _prepare(data_dir, args.requests, args.batch_max)
        port = _free_port()
        server = _serve(config, port, data_dir / "server.log")
        try:
            figures = drain(f"http://127.0.0.1:{port}/qbwc")
            figures["server_peak_rss_mb"] = _peak_rss_mb(server.pid)
        finally:
            server.terminate()
            server.wait(timeout=30)
        figures["succeeded"] = _succeeded(config)
    settled = max(1, int(figures["requests"]))
    figures["server_ms_per_request"] = 1000 * figures["http_seconds"] / settled
    figures["requests_per_second"] = settled / figures["http_seconds"]
    if args.json:
        print(json.dumps({k: round(v, 3) for k, v in figures.items()}))
        return
    print(f"drained {figures['requests']:.0f} CustomerAdd requests in "
          f"{figures['message_sets']:.0f} message sets ({figures['soap_calls']:.0f} SOAP calls), "
          f"batch max {args.batch_max}")
    print(f"server time (SOAP over HTTP): {figures['http_seconds']:.2f} s = "
          f"{figures['server_ms_per_request']:.3f} ms/request = "
          f"{figures['requests_per_second']:.0f} requests/s  (target <= 1 ms/request)")
    print(f"instant QuickBooks stand-in (excluded): {figures['quickbooks_seconds']:.2f} s; "
          f"wall clock: {figures['wall_seconds']:.2f} s")
    print(f"requests succeeded in the queue afterwards: {figures['succeeded']:.0f}")
    print(f"server peak RSS: {figures['server_peak_rss_mb']:.1f} MB")


if __name__ == "__main__":
    main()
