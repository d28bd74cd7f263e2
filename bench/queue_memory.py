"""Memory while 100,000 requests sit in the queue and message sets are claimed from it.

    .venv/bin/python -m bench.queue_memory [--requests 100000] [--sets 500]

Prints peak RSS after loading, after claiming and answering ``--sets`` message sets of
20, and the claim/answer rate. The rows are loaded with one bulk INSERT (the status
column default is queued), so the figure measures the queue, not enqueue.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from lxml import etree
from sqlalchemy import insert

from qbwc_service.db import Database
from qbwc_service.db.models import Company, Request
from qbwc_service.handlers import Registry
from qbwc_service.queue import apply_response, next_message_set


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def body(index: int) -> str:
    rq = etree.Element("CustomerAddRq")
    add = etree.SubElement(rq, "CustomerAdd")
    etree.SubElement(add, "Name").text = f"Customer {index}"
    return etree.tostring(rq, encoding="unicode")


def answer(xml: str) -> str:
    messages = etree.fromstring(xml.split("?>", 2)[-1].encode()).find("QBXMLMsgsRq")
    out = etree.Element("QBXML")
    rs_set = etree.SubElement(out, "QBXMLMsgsRs")
    for rq in messages if messages is not None else []:
        rs = etree.SubElement(rs_set, "CustomerAddRs", requestID=rq.get("requestID") or "",
                              statusCode="0", statusSeverity="Info", statusMessage="Status OK")
        ret = etree.SubElement(rs, "CustomerRet")
        etree.SubElement(ret, "ListID").text = f"{rq.get('requestID')}-1"
        etree.SubElement(ret, "EditSequence").text = "1"
    return etree.tostring(out, encoding="unicode")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--sets", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        database = Database(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        database.upgrade()
        print(f"RSS at start: {rss_mb():.1f} MB")
        with database.session() as session:
            company = Company(name="Bench", file_id="{0}")
            session.add(company)
            session.flush()
            company_id = company.id
        batch = 5_000
        for start in range(0, args.requests, batch):
            rows = [
                {"company_id": company_id, "operation": "CustomerAdd",
                 "idempotency_key": f"c:{index}", "payload": {}, "body_xml": body(index)}
                for index in range(start, min(start + batch, args.requests))
            ]
            with database.session() as session:
                session.execute(insert(Request), rows)
        print(f"RSS with {args.requests:,} queued requests: {rss_mb():.1f} MB")
        began = time.perf_counter()
        handed = 0
        peak = rss_mb()
        for round_number in range(args.sets):
            ticket = "bench"
            with database.session() as session:
                outbound = next_message_set(
                    session, company_id=company_id, ticket=ticket, qbxml_version="13.0",
                    max_requests=20, max_bytes=512 * 1024)
            if outbound is None:
                break
            handed += len(outbound.request_ids)
            with database.session() as session:
                apply_response(session, handlers=Registry(), ticket=ticket, response_xml=answer(outbound.xml))
            if round_number % 50 == 0:
                peak = max(peak, rss_mb())
        elapsed = time.perf_counter() - began
        peak = max(peak, rss_mb())
        print(f"claimed and answered {handed:,} requests in {elapsed:.1f} s "
              f"({handed / elapsed:,.0f} requests/s, {elapsed / max(handed, 1) * 1000:.2f} ms each)")
        print(f"peak RSS while claiming: {peak:.1f} MB (limit 150 MB)")
        database.dispose()


if __name__ == "__main__":
    main()
