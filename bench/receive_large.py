"""A large ItemInventoryQueryRs answered through ``receiveResponseXML`` over HTTP.

    .venv/bin/python -m bench.receive_large [--megabytes 20]

Runs the service (SQLite, waitress) in this process, logs in as a Web Connector, takes
the queued ItemInventoryQuery with ``sendRequestXML`` and answers it with a generated
response of about ``--megabytes`` MB (escaped inside the SOAP envelope, as the Web
Connector sends it). Prints the answer, seconds, items stored, the size of the copy
the request log keeps, and the peak RSS growth of the process while the answer was
received and applied (Linux: VmHWM after resetting it through /proc/self/clear_refs).
The bound is the streaming benchmark's: < 60 MB.
"""

from __future__ import annotations

import argparse
import os
import re
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

import requests
from sqlalchemy import func, select

from bench.qbxml_parse import generate_item_inventory_rs
from qbwc_service.app import make_app
from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, QbwcUser, Request, SiteQuantity
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.server import ServerThread
from qbwc_service.settings import load_settings
from qbwc_service.sync.inventory import enqueue_inventory_query

__all__ = ["BOUND_MB", "main", "receive_large"]

BOUND_MB = 60.0
TNS = "http://developer.intuit.com/"
_BYTES_PER_ITEM = 1130  # one generated ItemInventoryRet


def _envelope(operation: str, inner: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><soap:Envelope '
        'xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
        f'<{operation} xmlns="{TNS}">{inner}</{operation}></soap:Body></soap:Envelope>'
    ).encode()


def _call(url: str, operation: str, inner: str | bytes) -> str:
    body = inner if isinstance(inner, bytes) else _envelope(operation, inner)
    reply = requests.post(url, data=body, timeout=600, headers={
        "Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{TNS}{operation}"'})
    reply.raise_for_status()
    return reply.text


_PROC = Path("/proc/self")  # peak RSS is read and reset through it (Linux)


def _vm(field: str) -> float:
    """A /proc/self/status figure in MB; NaN where there is no /proc (not measured)."""
    if not _PROC.is_dir():
        return float("nan")
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return 0.0


def receive_large(megabytes: float, folder: Path) -> dict[str, float]:
    """Figures of one large answer: size_mb, seconds, items, growth_mb, result."""
    settings = load_settings(None, environ={}, data_dir=folder / "data", scheduler_enabled=False)
    ctx = AppContext(settings)
    with ctx.db.session() as session:
        company = Company(name="Big", file_id="{00000000-0000-0000-0000-0000000000B1}")
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="big", password_hash=hash_password("pw")))
        enqueue_inventory_query(session, company)
    with ServerThread(make_app(ctx), threads=2) as server:
        url = server.url + "/qbwc"
        login = _call(url, "authenticate", "<strUserName>big</strUserName><strPassword>pw</strPassword>")
        ticket = re.findall(r"<tns:string>([^<]*)</tns:string>", login)[0]
        sent = _call(url, "sendRequestXML", f"<ticket>{ticket}</ticket><strHCPResponse/>"
                      "<strCompanyFileName/><qbXMLCountry>US</qbXMLCountry>"
                      "<qbXMLMajorVers>13</qbXMLMajorVers><qbXMLMinorVers>0</qbXMLMinorVers>")
        request_id = re.findall(r"requestID=\"(\d+)\"", sent)[0]
        path = folder / "answer.xml"
        generate_item_inventory_rs(int(megabytes * 1_000_000 / _BYTES_PER_ITEM), path)
        answer = path.read_text(encoding="utf-8").replace('requestID="1"', f'requestID="{request_id}"', 1)
        path.unlink()
        body = _envelope("receiveResponseXML", f"<ticket>{ticket}</ticket><response>"
                         f"{escape(answer)}</response><hresult/><message/>")
        del answer
        if _PROC.is_dir():
            (_PROC / "clear_refs").write_text("5")  # the peak starts from here
        baseline = _vm("VmRSS")
        start = time.perf_counter()
        reply = _call(url, "receiveResponseXML", body)
        seconds = time.perf_counter() - start
        growth = _vm("VmHWM") - baseline
    with ctx.db.session() as session:
        items = session.scalar(select(func.count()).select_from(SiteQuantity)) or 0
        stored = session.scalar(select(Request.response_xml).where(Request.id == int(request_id)))
    ctx.db.dispose()
    result = re.findall(r"<tns:receiveResponseXMLResult>(-?\d+)<", reply)
    noted = re.search(r"answer truncated: [\d,]+ bytes, ([\d,]+) records", stored or "")
    return {"size_mb": len(body) / 1e6, "seconds": seconds, "items": items,
            "growth_mb": growth, "result": float(result[0]) if result else float("nan"),
            "log_kb": len((stored or "").encode()) / 1024,
            "log_records": float(noted.group(1).replace(",", "")) if noted else float("nan")}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--megabytes", type=float, default=20.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
        figures = receive_large(args.megabytes, Path(folder))
    print(f"receiveResponseXML of {figures['size_mb']:.1f} MB answered "
          f"{figures['result']:.0f} in {figures['seconds']:.1f} s; {figures['items']:.0f} items "
          f"stored; request log keeps {figures['log_kb']:.0f} KB of it; peak RSS growth "
          f"{figures['growth_mb']:.1f} MB (bound {BOUND_MB:.0f} MB)")


if __name__ == "__main__":
    main()
