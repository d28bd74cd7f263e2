"""The ceiling the HTTP server and the SOAP layer put on round trips, with no work behind them.

    .venv/bin/python -m bench.soap_floor [--round-trips 3000]

``bench.round_trip`` measures the whole service. This benchmark serves the same WSGI stack
in a child process (waitress with the shipped options, the body-size and error guards,
the ``/qbwc`` endpoint's checks, spyne with the hardened SOAP 1.1 protocol), but with
callbacks that answer at once from memory: no database, no queue, no qbXML rendering or
parsing. The same raw-SOAP Web Connector (``bench.round_trip.drive_run``) then alternates
sendRequestXML (a one-request message set) and receiveResponseXML (its answer, the same
size as in ``bench.round_trip``).

What it prints is the fastest any round trip through this stack can be on this machine:
``bench.round_trip``'s one-request-per-set figure can only approach it, and the gap
between the two is what the service's own work (two durable transactions, the claim and
the settling) costs per round trip.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys

from bench.round_trip import (
    OPERATIONS,
    PASSWORD,
    ROOT,
    _free_port,
    _ms,
    _peak_rss_mb,
    answering,
    drive_run,
)

__all__ = ["main"]

# What sendRequestXML hands over in bench.round_trip at one request per message set.
MESSAGE_SET = (
    '<?xml version="1.0" encoding="utf-8"?><?qbxml version="13.0"?><QBXML>'
    '<QBXMLMsgsRq onError="continueOnError" newMessageSetID="{id}">'
    '<CustomerAddRq requestID="1"><CustomerAdd><Name>Bench Company customer {n}</Name>'
    "</CustomerAdd></CustomerAddRq></QBXMLMsgsRq></QBXML>"
)


class InstantRuns:
    """The ``runs.Runs`` callbacks spyne dispatches to, answered from memory."""

    def __init__(self) -> None:
        from qbwc_service.settings import Settings

        self.settings = Settings()
        self.sent = 0

    def server_version(self) -> str:
        return "floor"

    def client_version(self, version: str | None) -> str:
        return ""

    def authenticate(self, username: str | None, password: str | None,
                     address: str = "") -> list[str]:
        ok = username == "bench" and password == PASSWORD
        return ["floor-ticket", "" if ok else "nvu", "", ""]

    def send_request_xml(self, *args: object) -> str:
        self.sent += 1
        return MESSAGE_SET.format(id=self.sent, n=self.sent)

    def receive_response_xml(self, *args: object) -> int:
        return 50

    def close_connection(self, ticket: str | None) -> str:
        return "done"

    def connection_error(self, *args: object) -> str:
        return "done"

    def get_last_error(self, ticket: str | None) -> str:
        return ""


def serve(port: int) -> None:
    """The child: the service's SOAP stack over ``InstantRuns`` on ``127.0.0.1:port``."""
    from qbwc_service.app import SoapEndpoint
    from qbwc_service.qbwc.soap import make_soap_app
    from qbwc_service.security import harden
    from qbwc_service.server import bind_server

    runs = InstantRuns()
    soap = make_soap_app(runs, public_url=f"http://127.0.0.1:{port}/qbwc")  # type: ignore[arg-type]
    app = harden(SoapEndpoint(soap, "http://127.0.0.1/support"), runs.settings.max_body_bytes)
    bind_server(app, "127.0.0.1", port).run()


def _start(port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen([sys.executable, "-m", "bench.soap_floor", "--serve", str(port)],
                              cwd=ROOT)
    return answering(server, f"http://127.0.0.1:{port}/")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--round-trips", type=int, default=3_000)
    parser.add_argument("--serve", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve)
        return
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs", file=sys.stderr)
    port = _free_port()
    server = _start(port)
    try:
        drive_run(port, server.pid, 200)  # warm-up
        drive = drive_run(port, server.pid, args.round_trips)
        peak_rss = _peak_rss_mb(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    trips = max(1, drive.round_trips)
    print(f"{drive.round_trips:,} round trips through waitress + spyne with instant callbacks")
    print(f"round trips/s {drive.round_trips / drive.http_seconds:>8.1f}   "
          f"(server time: HTTP calls, stand-in excluded)")
    print(f"server CPU {1000 * drive.server_cpu_seconds / trips:.2f} ms/round trip, "
          f"peak RSS {peak_rss:.1f} MB")
    for operation in OPERATIONS:
        values = drive.latencies.get(operation, [])
        print(f"  {operation:20s} p50 {_ms(values, 0.50):>8.2f} ms   "
              f"p95 {_ms(values, 0.95):>8.2f} ms")


if __name__ == "__main__":
    main()
