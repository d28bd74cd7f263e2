"""``QuickBooksSimulator``: executes qbXML message sets the way QuickBooks Desktop does.

Error recovery (qbxml.md §6): a set carrying ``newMessageSetID`` has its response saved
and echoes ``newMessageSetID`` with ``messageSetStatusCode="0"``; re-sending a set whose
``newMessageSetID`` is already saved answers the saved response without executing it again.
An empty set with ``oldMessageSetID=X newMessageSetID=X`` is a status check: the saved
responses with status 0, or no responses with status 9002 when nothing is saved under X.
An empty set with only ``oldMessageSetID`` clears the saved state: status 0, or 600
("No cleared state to return") when there was none; ``ClearAllMessageSets`` clears all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Answer, Company
from qbwc_service.sandbox.quickbooks.exceptions import (
    HRESULT_NOT_RUNNING,
    HRESULT_PERMISSION_DENIED,
    QbConnectionError,
    QbRequestRefused,
)
from qbwc_service.sandbox.quickbooks.faults import FaultDice, QbFaults
from qbwc_service.sandbox.quickbooks.forced import ForcedStatuses
from qbwc_service.sandbox.quickbooks.hcp_answers import company_ret, host_ret, preferences_ret
from qbwc_service.sandbox.quickbooks.ledger_queries import LEDGER_QUERIES, run_ledger_query
from qbwc_service.sandbox.quickbooks.lists import (
    LIST_ADDS,
    LIST_MODS,
    add_list,
    create_list,
    ensure_chart_of_accounts,
    mod_list,
    seed_company,
    seed_reference_lists,
)
from qbwc_service.sandbox.quickbooks.mods import TXN_MODS, mod_transaction
from qbwc_service.sandbox.quickbooks.queries import (
    LIST_QUERIES,
    TXN_QUERIES,
    IteratorBook,
    run_query,
)
from qbwc_service.sandbox.quickbooks.refusals import not_modelled, qb_error
from qbwc_service.sandbox.quickbooks.retxml import element, from_text
from qbwc_service.sandbox.quickbooks.store import CompanyStore
from qbwc_service.sandbox.quickbooks.transactions import TXN_ADDS, add_transaction
from qbwc_service.sandbox.quickbooks.validation import read_message_set
from qbwc_service.sandbox.quickbooks.voids import delete_transaction, void_transaction

__all__ = ["QuickBooksSimulator"]

_BUSY_MESSAGES = {
    3175: qb_error("There was an error when saving the record.",
                   "The internals of this list could not be locked."),
    3176: qb_error("There was an error when saving the record.",
                   "Failed to acquire the lock on the record; another user is editing it."),
    3180: qb_error("There was an error when saving the record.",
                   "This list element is in use by another user."),
}
_CONNECTION_REFUSALS = {
    "not_running": (HRESULT_NOT_RUNNING, "Could not start QuickBooks."),
    "permission": (HRESULT_PERMISSION_DENIED,
                   "This application does not have permission to access this QuickBooks "
                   "company data file. The QuickBooks administrator can grant access "
                   "permission through the Integrated Application preferences."),
}


class QuickBooksSimulator:
    """One simulated company file; see the package docstring for what it enforces."""

    def __init__(self, company_db: Path, *, release: str = "enterprise-2023",
                 xsd_dir: Path | None = None, multi_site: bool = True,
                 closing_date: date | None = None, latency_ms: int = 0,
                 faults: QbFaults | None = None, seed: int = 0,
                 clock: Callable[[], float] = time.time,
                 iterator_idle_seconds: float = 600.0,
                 iterator_max_requests: int = 1000,
                 home_currency: str | None = None) -> None:
        from qbwc_service.sandbox.quickbooks.releases import get_release

        self.release = get_release(release)
        self.xsd_dir = xsd_dir
        self.latency_ms = latency_ms
        self.faults = faults or QbFaults()
        self.dice = FaultDice(self.faults, seed)
        self.forced = ForcedStatuses()
        self.store = CompanyStore(Path(company_db), clock)
        if closing_date is not None:
            self.store.set_meta("closing_date", closing_date.isoformat())
        stored_closing = self.store.get_meta("closing_date")
        if home_currency is not None and self.store.get_meta("home_currency") is None:
            # Multicurrency, once on, stays on with its home currency (as in QuickBooks).
            with self.store.transaction():
                self.store.set_meta("home_currency", home_currency)
        self.company = Company(self.store, self.release, multi_site,
                               date.fromisoformat(stored_closing) if stored_closing else None,
                               home_currency=self.store.get_meta("home_currency"))
        self.iterators = IteratorBook(clock=clock, idle_seconds=iterator_idle_seconds,
                                      max_requests=iterator_max_requests)
        with self.store.transaction():
            if self.store.get_meta("seeded") is None:
                seed_company(self.company)
                self.store.set_meta("seeded", "1")
            else:
                ensure_chart_of_accounts(self.company)
                if multi_site and not self.store.lists_of(("InventorySite",)):
                    for name, default in (("Main Warehouse", "true"),
                                          ("East Warehouse", "false")):
                        create_list(self.company, "InventorySite", element("Seed", children=[
                            element("Name", name), element("IsDefaultSite", default)]))
                seed_reference_lists(self.company)

    @property
    def company_db(self) -> Path:
        return self.store.path

    def close(self) -> None:
        self.store.close()

    # -- connection-level behaviour the Web Connector sees ---------------------------------
    def open_connection(self) -> None:
        """Raise ``QbConnectionError`` when the fault dice say QuickBooks cannot be opened."""
        refusal = self.dice.connection_refusal()
        if refusal is not None:
            hresult, message = _CONNECTION_REFUSALS[refusal]
            raise QbConnectionError(hresult, message)

    def response_lost(self) -> bool:
        """Whether the response just produced is lost on its way back (a fault)."""
        return self.dice.lose_response()

    def end_session(self) -> None:
        """QuickBooks' session ends: its iterators die with it."""
        self.iterators.clear()

    def force_status(self, request_id: int | str, status_code: int, message: str) -> None:
        """Test hook: answer the next request carrying ``request_id`` with this error status
        instead of carrying it out (see ``forced.py``)."""
        self.forced.force(request_id, status_code, message)

    def stamp_file_id(self, owner_id: str, file_id: str) -> None:
        """What the Web Connector does on first contact: a FileID DataExt under OwnerID."""
        raw = self.store.get_meta("data_extensions")
        extensions: dict[str, dict[str, str]] = json.loads(raw) if raw else {}
        extensions.setdefault(owner_id, {})["FileID"] = file_id
        with self.store.transaction():
            self.store.set_meta("data_extensions", json.dumps(extensions))

    # -- qbXML ----------------------------------------------------------------------------
    def hcp_response(self) -> str:
        rs = element("QBXMLMsgsRs")
        for request_id, (tag, ret) in enumerate((("HostQueryRs", host_ret(self.company)),
                                                 ("CompanyQueryRs", company_ret(self.company)),
                                                 ("PreferencesQueryRs",
                                                  preferences_ret(self.company)))):
            rs.append(_rs(tag, str(request_id), Answer([ret])))
        return _document(rs)

    def process(self, request_xml: str) -> str:
        """Execute one request message set; ``QbHresultError`` when the stream is refused."""
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)
        message_set = read_message_set(request_xml, self.release, self.xsd_dir)
        self.company.version = message_set.version
        new_id, old_id = message_set.new_message_set_id, message_set.old_message_set_id
        if not message_set.requests and old_id:
            return self._recovery(old_id, new_id)
        if new_id:
            saved = self.store.saved_message_set(new_id)
            if saved is not None:
                return saved
        rs = element("QBXMLMsgsRs")
        for request in message_set.requests:
            response = self._answer(request)
            if message_set.response_data == "includeNone":
                for child in list(response):
                    response.remove(child)
            rs.append(response)
            if response.get("statusSeverity") == "Error" and \
                    message_set.on_error == "stopOnError":
                break
        if new_id:
            rs.set("newMessageSetID", new_id)
            rs.set("messageSetStatusCode", "0")
            text = _document(rs)
            with self.store.transaction():
                self.store.save_message_set(new_id, text)
            return text
        return _document(rs)

    def _recovery(self, old_id: str, new_id: str | None) -> str:
        rs = element("QBXMLMsgsRs")
        if new_id == old_id:
            saved = self.store.saved_message_set(old_id)
            rs.set("newMessageSetID", old_id)
            if saved is None:
                rs.set("messageSetStatusCode", "9002")
            else:
                rs.set("messageSetStatusCode", "0")
                saved_rs = from_text(saved).find("QBXMLMsgsRs")
                if saved_rs is not None:
                    rs.extend(list(saved_rs))
            return _document(rs)
        with self.store.transaction():
            cleared = self.store.clear_message_sets(
                None if old_id == "ClearAllMessageSets" else old_id)
        rs.set("messageSetStatusCode", "0" if cleared or old_id == "ClearAllMessageSets"
               else "600")
        return _document(rs)

    def _answer(self, request: etree._Element) -> etree._Element:
        tag = str(request.tag)
        rs_tag = tag[:-2] + "Rs"
        request_id = request.get("requestID")
        self.iterators.tick()
        if request_id is not None and len(request_id) > 50:
            return _rs(rs_tag, request_id, Answer(
                [], status_code=1060, severity="Error",
                status_message=f'The request ID "{request_id}" is invalid, possibly too long.'))
        forced = self.forced.take(request_id)
        if forced is not None:
            return _rs(rs_tag, request_id, forced)
        busy = self.dice.busy_code() if tag.endswith(("AddRq", "ModRq")) else None
        if busy is not None:
            return _rs(rs_tag, request_id, Answer([], status_code=busy, severity="Error",
                                                  status_message=_BUSY_MESSAGES[busy]))
        handler = self._handler(tag)
        if handler is None:
            # A valid request the simulator cannot carry out: refused on its own, never the
            # stream.
            return _rs(rs_tag, request_id, _refused_answer(not_modelled(tag)))
        try:
            with self.store.transaction():
                answer = handler(request)
        except QbRequestRefused as refused:
            answer = _refused_answer(refused)
        return _rs(rs_tag, request_id, answer)

    def _handler(self, tag: str) -> Callable[[etree._Element], Answer] | None:
        company = self.company
        fixed: dict[str, Callable[[], etree._Element]] = {
            "HostQueryRq": lambda: host_ret(company),
            "CompanyQueryRq": lambda: company_ret(company),
            "PreferencesQueryRq": lambda: preferences_ret(company),
        }
        if tag in fixed:
            build = fixed[tag]
            return lambda _request: Answer([build()])
        if tag in LIST_QUERIES or tag in TXN_QUERIES or tag == "ItemSitesQueryRq":
            return lambda request: run_query(company, self.iterators, request)
        if tag.endswith("AddRq") and tag[:-5] in LIST_ADDS:
            return lambda request: add_list(company, request)
        if tag.endswith("AddRq") and tag[:-5] in TXN_ADDS:
            return lambda request: add_transaction(company, request)
        if tag in LEDGER_QUERIES:
            return lambda request: run_ledger_query(company, self.iterators, request)
        if tag == "TxnDelRq":
            return lambda request: delete_transaction(company, request)
        if tag == "TxnVoidRq":
            return lambda request: void_transaction(company, request)
        if tag.endswith("ModRq") and tag[:-5] in TXN_MODS:
            return lambda request: mod_transaction(company, request)
        if tag.endswith("ModRq") and tag[:-5] in LIST_MODS:
            return lambda request: mod_list(company, request)
        return None


def _refused_answer(refused: QbRequestRefused) -> Answer:
    rets = [refused.ret] if isinstance(refused.ret, etree._Element) else []
    return Answer(rets, status_code=refused.status_code, severity=refused.severity,
                  status_message=refused.status_message)


def _rs(tag: str, request_id: str | None, answer: Answer) -> etree._Element:
    rs = element(tag)
    if request_id is not None:
        rs.set("requestID", request_id)
    rs.set("statusCode", str(answer.status_code))
    rs.set("statusSeverity", answer.severity)
    rs.set("statusMessage", answer.status_message)
    for name, value in (answer.attributes or {}).items():
        rs.set(name, value)
    rs.extend(answer.rets)
    return rs


def _document(msgs_rs: etree._Element) -> str:
    root = element("QBXML", children=[msgs_rs])
    body = etree.tostring(root, pretty_print=True, encoding="unicode")
    return '<?xml version="1.0" ?>\n' + body
