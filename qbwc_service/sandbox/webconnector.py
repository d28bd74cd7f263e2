"""A simulated QuickBooks Web Connector driving any QBWC server against the simulated QuickBooks.

It follows the real call order (qbwc-protocol.md §3): serverVersion, clientVersion,
authenticate, connectionError when QuickBooks cannot be opened, sendRequestXML (the first
with the HCP response), receiveResponseXML looping on percent done, getLastError with the
NoOp pause, closeConnection. A lost response ends the run the way the real Web Connector
does when its HTTP call fails: no receiveResponseXML, no closeConnection.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from qbwc_service.qbxml.xmlsafe import XMLSyntaxError, parse_xml
from qbwc_service.sandbox.exceptions import WebConnectorError
from qbwc_service.sandbox.quickbooks import QbConnectionError, QbHresultError, QuickBooksSimulator
from qbwc_service.sandbox.soap_client import SoapClient

__all__ = ["RunSummary", "SessionSummary", "WebConnector"]

NOOP = "NoOp"
STOP_WORDS = ("none", "nvu", "busy")


@dataclass
class SessionSummary:
    """One Web Connector run: its calls in order, how it ended, what QuickBooks answered."""

    outcome: str = "done"
    ticket: str | None = None
    calls: list[str] = field(default_factory=list)
    message_sets: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    server_version: str | None = None
    client_version_reply: str | None = None
    postpone_seconds: int | None = None
    min_run_every_seconds: int | None = None
    last_error: str | None = None
    close_message: str | None = None
    hresults: list[str] = field(default_factory=list)
    seconds: float = 0.0

    problem: str | None = None  # why the run failed, as a sentence; None when it did not

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())


@dataclass
class RunSummary:
    sessions: list[SessionSummary]
    seconds: float

    def as_dict(self, company_counts: dict[str, Any] | None = None) -> dict[str, Any]:
        statuses: Counter[int] = Counter()
        for session in self.sessions:
            statuses.update(session.statuses)
        return {
            "sessions": len(self.sessions),
            "outcomes": dict(Counter(s.outcome for s in self.sessions)),
            "message_sets": sum(s.message_sets for s in self.sessions),
            "requests": sum(statuses.values()),
            "succeeded": sum(n for code, n in statuses.items() if code < 1000),
            "failed_by_status": {str(code): n for code, n in sorted(statuses.items())
                                 if code >= 1000},
            "seconds": round(self.seconds, 3),
            "problems": [s.problem for s in self.sessions if s.problem],
            "company": company_counts or {},
        }


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _auth_fields(result: Any) -> list[str]:
    strings = getattr(result, "string", result)
    if isinstance(result, dict):
        strings = result.get("string", [])
    return [_text(s) for s in (strings or [])]


def _seconds(values: list[str], index: int) -> int | None:
    if len(values) > index and values[index].strip().lstrip("-").isdigit():
        return int(values[index])
    return None


class WebConnector:
    """The simulated Web Connector for one QWC entry (server URL, user, company file)."""

    def __init__(self, url: str, username: str, password: str,
                 simulator: QuickBooksSimulator, *, wsdl: Path | str | None = None,
                 company_file: str = r"C:\Users\Public\Documents\Intuit\QuickBooks\Sandbox.QBW",
                 owner_id: str | None = None, file_id: str | None = None,
                 version: str = "2.3.0.36", noop_pause_seconds: float = 5.0,
                 max_noops: int = 50, max_connection_retries: int = 1,
                 timeout: float = 30.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self.url = url
        self.username = username
        self.password = password
        self.simulator = simulator
        self.wsdl = wsdl
        self.company_file = company_file
        self.owner_id = owner_id
        self.file_id = file_id
        self.version = version
        self.noop_pause_seconds = noop_pause_seconds
        self.max_noops = max_noops
        self.max_connection_retries = max_connection_retries
        self.timeout = timeout
        self.sleep = sleep
        self._soap: SoapClient | None = None

    @property
    def soap(self) -> SoapClient:
        if self._soap is None:
            self._soap = SoapClient(self.url, self.wsdl, self.timeout)
        return self._soap

    def _call(self, summary: SessionSummary, operation: str, **parameters: Any) -> Any:
        summary.calls.append(operation)
        return self.soap.call(operation, **parameters)

    # -- one run ----------------------------------------------------------------------------
    def run_session(self) -> SessionSummary:
        started = time.monotonic()
        summary = SessionSummary()
        try:
            self._session(summary)
        except WebConnectorError as exc:
            summary.outcome = "transport_error"
            summary.last_error = str(exc)
        finally:
            self.simulator.end_session()
            summary.seconds = time.monotonic() - started
        summary.problem = self._problem(summary)
        return summary

    def _problem(self, summary: SessionSummary) -> str | None:
        """The sentence a person needs when the run could not connect, log in, or failed."""
        detail = summary.last_error or "no detail given"
        if summary.outcome == "transport_error":
            parts = urlsplit(self.url)
            if parts.path in ("", "/"):
                suggestion = urlunsplit((parts.scheme, parts.netloc, "/qbwc", "", ""))
                return (f"no Web Connector service at {self.url} — did you mean {suggestion}? "
                        f"({detail})")
            return f"no Web Connector service answered at {self.url} ({detail})"
        return {
            "nvu": "wrong user name or password (or the user is locked or disabled)",
            "client_version_refused": f"the server refused this Web Connector version: {detail}",
            "connection_error": f"QuickBooks could not be opened: {detail}",
            "error": f"the run ended in an error: {detail}",
        }.get(summary.outcome)

    def _session(self, summary: SessionSummary) -> None:
        try:
            summary.server_version = _text(self._call(summary, "serverVersion"))
        except WebConnectorError:
            summary.calls.pop()  # a server without serverVersion is still usable
        reply = _text(self._call(summary, "clientVersion", strVersion=self.version))
        summary.client_version_reply = reply
        if reply.startswith(("E:", "O:")):
            summary.outcome = "client_version_refused"
            summary.last_error = reply[2:]
            return
        values = _auth_fields(self._call(summary, "authenticate", strUserName=self.username,
                                         strPassword=self.password))
        summary.ticket = ticket = values[0] if values else ""
        company = values[1] if len(values) > 1 else ""
        summary.postpone_seconds = _seconds(values, 2)
        summary.min_run_every_seconds = _seconds(values, 3)
        if company.lower() in STOP_WORDS:
            summary.outcome = company.lower()
            summary.close_message = _text(self._call(summary, "closeConnection", ticket=ticket))
            return
        if summary.postpone_seconds:
            summary.outcome = "postponed"
            return
        if not self._open_quickbooks(summary, ticket, company):
            return
        self._exchange(summary, ticket)

    def _open_quickbooks(self, summary: SessionSummary, ticket: str, company: str) -> bool:
        if company:
            self.company_file = company
        for attempt in range(self.max_connection_retries + 1):
            try:
                self.simulator.open_connection()
            except QbConnectionError as refusal:
                summary.hresults.append(refusal.hresult)
                answer = _text(self._call(summary, "connectionError", ticket=ticket,
                                          hresult=refusal.hresult, message=refusal.message))
                if answer.lower() == "done" or attempt == self.max_connection_retries:
                    summary.outcome = "connection_error"
                    summary.last_error = refusal.message
                    return False
                if answer:
                    self.company_file = answer
                continue
            if self.owner_id and self.file_id:
                self.simulator.stamp_file_id(self.owner_id, self.file_id)
            return True
        return False

    def _exchange(self, summary: SessionSummary, ticket: str) -> None:
        major, minor = self.simulator.release.max_version
        hcp = self.simulator.hcp_response()
        noops = 0
        while True:
            request = _text(self._call(summary, "sendRequestXML", ticket=ticket,
                                       strHCPResponse=hcp, strCompanyFileName=self.company_file,
                                       qbXMLCountry="US", qbXMLMajorVers=major,
                                       qbXMLMinorVers=minor))
            hcp = ""
            if request in ("", NOOP):
                message = _text(self._call(summary, "getLastError", ticket=ticket))
                if message == NOOP and noops < self.max_noops:
                    noops += 1
                    self.sleep(self.noop_pause_seconds)
                    continue
                summary.last_error = message
                summary.outcome = "done"
                break
            percent = self._deliver(summary, ticket, request)
            if percent is None:
                return
            if percent < 0:
                summary.last_error = _text(self._call(summary, "getLastError", ticket=ticket))
                summary.outcome = "error"
                break
            if percent >= 100:
                summary.outcome = "done"
                break
        summary.close_message = _text(self._call(summary, "closeConnection", ticket=ticket))

    def _deliver(self, summary: SessionSummary, ticket: str, request: str) -> int | None:
        """Hand the request to QuickBooks and its answer to the server; None when lost."""
        try:
            response = self.simulator.process(request)
        except QbHresultError as refusal:
            summary.hresults.append(refusal.hresult)
            return int(self._call(summary, "receiveResponseXML", ticket=ticket, response="",
                                  hresult=refusal.hresult, message=refusal.message))
        summary.message_sets += 1
        self._count_statuses(summary, response)
        if self.simulator.response_lost():
            summary.outcome = "lost_response"
            return None
        return int(self._call(summary, "receiveResponseXML", ticket=ticket, response=response,
                              hresult="", message=""))

    @staticmethod
    def _count_statuses(summary: SessionSummary, response: str) -> None:
        try:
            root = parse_xml(response)
        except XMLSyntaxError:
            return
        msgs = root.find("QBXMLMsgsRs")
        for rs in msgs if msgs is not None else []:
            code = rs.get("statusCode")
            if code is not None and code.lstrip("-").isdigit():
                summary.statuses[int(code)] += 1

    # -- repeated runs ---------------------------------------------------------------------
    def run(self, sessions: int = 1, every_seconds: float = 0.0) -> RunSummary:
        started = time.monotonic()
        results: list[SessionSummary] = []
        for index in range(sessions):
            if index:
                self.sleep(self._gap(results[-1], every_seconds))
            results.append(self.run_session())
        return RunSummary(results, time.monotonic() - started)

    @staticmethod
    def _gap(last: SessionSummary, every_seconds: float) -> float:
        gap = every_seconds
        if last.min_run_every_seconds:
            gap = max(gap, float(last.min_run_every_seconds))
        if last.postpone_seconds:
            gap = max(gap, float(last.postpone_seconds))
        return gap
