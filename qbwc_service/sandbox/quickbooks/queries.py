"""Query requests, with iterators that expire like QuickBooks' do.

An iterator lives in the simulator's memory only: it dies with the session, after
``idle_seconds`` without use, or after ``max_requests`` other requests; using it afterwards
answers 3391.
"""

from __future__ import annotations

import hashlib
import operator
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import ITEM_KINDS, Answer, Company
from qbwc_service.sandbox.quickbooks.exceptions import QbRequestRefused
from qbwc_service.sandbox.quickbooks.ledger import fill_txn
from qbwc_service.sandbox.quickbooks.refusals import not_enabled
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, quantity, text_of, to_text
from qbwc_service.sandbox.quickbooks.store import ListRow, TxnRow

__all__ = ["LIST_QUERIES", "TXN_QUERIES", "IteratorBook", "max_returned", "ref_match",
           "run_query"]

LIST_QUERIES: dict[str, tuple[str, ...]] = {
    "CustomerQueryRq": ("Customer",), "VendorQueryRq": ("Vendor",), "ItemQueryRq": ITEM_KINDS,
    "AccountQueryRq": ("Account",), "ClassQueryRq": ("Class",),
    "SalesTaxCodeQueryRq": ("SalesTaxCode",), "PaymentMethodQueryRq": ("PaymentMethod",),
    "InventorySiteQueryRq": ("InventorySite",), "CurrencyQueryRq": ("Currency",),
    **{f"{kind}QueryRq": (kind,) for kind in ITEM_KINDS},
}
TXN_QUERIES = frozenset({"InvoiceQueryRq", "SalesReceiptQueryRq", "CreditMemoQueryRq",
                         "ReceivePaymentQueryRq", "CheckQueryRq", "ARRefundCreditCardQueryRq",
                         "InventoryAdjustmentQueryRq", "TransferInventoryQueryRq",
                         "JournalEntryQueryRq"})
_NO_MATCH = "A query request did not find a matching object in QuickBooks"


@dataclass
class _Iterator:
    request_tag: str
    remaining: list[str]
    last_used: float
    last_request: int


@dataclass
class IteratorBook:
    """Open iterators of the current session."""

    clock: Callable[[], float] = time.monotonic
    idle_seconds: float = 600.0
    max_requests: int = 1000
    request_count: int = 0
    open: dict[str, _Iterator] = field(default_factory=dict)

    def tick(self) -> None:
        self.request_count += 1

    def clear(self) -> None:
        self.open.clear()

    def paged(self, request_tag: str, rets: list[etree._Element], page: int | None,
              iterator: str | None) -> Answer:
        """What a query answers: a new iterator's first page, else the first ``page``
        records (or all); status 1 when nothing matched."""
        if iterator == "Start":
            answer = self.start(request_tag, rets, page)
            if not rets:
                answer.status_code, answer.status_message = 1, _NO_MATCH
            return answer
        if page is not None:
            rets = rets[:page]
        if not rets:
            return Answer([], status_code=1, status_message=_NO_MATCH)
        return Answer(rets)

    def start(self, request_tag: str, rets: list[etree._Element],
              page: int | None) -> Answer:
        size = page if page is not None else len(rets)
        first, rest = rets[:size], rets[size:]
        iterator_id = "{" + str(uuid.uuid4()) + "}"
        if rest:
            self.open[iterator_id] = _Iterator(request_tag, [to_text(r) for r in rest],
                                               self.clock(), self.request_count)
        return self._answer(first, len(rest), iterator_id)

    def resume(self, request_tag: str, query: etree._Element) -> Answer | None:
        """The answer to an iterator's Continue or Stop; None for a query that starts afresh."""
        iterator = query.get("iterator")
        if iterator == "Continue":
            return self.next_page(request_tag, query.get("iteratorID") or "",
                                  max_returned(query))
        if iterator == "Stop":
            self.open.pop(query.get("iteratorID") or "", None)
            return Answer([])
        return None

    def next_page(self, request_tag: str, iterator_id: str, page: int | None) -> Answer:
        state = self.open.get(iterator_id)
        if state is None or state.request_tag != request_tag \
                or self.clock() - state.last_used > self.idle_seconds \
                or self.request_count - state.last_request > self.max_requests:
            self.open.pop(iterator_id, None)
            raise QbRequestRefused(3391, f'The iteratorID "{iterator_id}" is not valid.')
        size = page if page is not None else len(state.remaining)
        first, state.remaining = state.remaining[:size], state.remaining[size:]
        state.last_used, state.last_request = self.clock(), self.request_count
        if not state.remaining:
            del self.open[iterator_id]
        return self._answer([from_text(text) for text in first], len(state.remaining),
                            iterator_id)

    @staticmethod
    def _answer(rets: list[etree._Element], remaining: int, iterator_id: str) -> Answer:
        # Real iterator pages carry only these two (no retCount): qbxml.md §5.
        return Answer(rets, {"iteratorRemainingCount": str(remaining),
                             "iteratorID": iterator_id})


def _parse_stamp(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    return value if value.tzinfo else value.astimezone()


def _in_range(stamp: str, low: str | None, high: str | None) -> bool:
    moment = _parse_stamp(stamp)
    if low and moment < _parse_stamp(low):
        return False
    if high:
        bound = _parse_stamp(high if "T" in high else high + "T23:59:59")
        if moment > bound:
            return False
    return True


def _name_match(name: str, query: etree._Element) -> bool:
    name_filter = query.find("NameFilter")
    lowered = name.lower()
    if name_filter is not None:
        wanted = (text_of(name_filter, "Name") or "").lower()
        criterion = text_of(name_filter, "MatchCriterion")
        if criterion == "StartsWith":
            return lowered.startswith(wanted)
        if criterion == "EndsWith":
            return lowered.endswith(wanted)
        return wanted in lowered
    name_range = query.find("NameRangeFilter")
    if name_range is not None:
        low = (text_of(name_range, "FromName") or "").lower()
        high = (text_of(name_range, "ToName") or "").lower()
        return lowered >= low and (not high or lowered <= high)
    return True


def _list_rows(company: Company, query: etree._Element,
               kinds: tuple[str, ...]) -> tuple[list[ListRow], bool]:
    """Matching rows, and whether a named ListID/FullName was missing."""
    ids = [t.text or "" for t in query.findall("ListID")]
    names = [t.text or "" for t in query.findall("FullName")]
    rows = company.store.lists_of(kinds)
    if ids or names:
        wanted_ids, wanted_names = set(ids), {n.lower() for n in names}
        found = [r for r in rows if r.list_id in wanted_ids or r.full_name.lower()
                 in wanted_names]
        return found, len(found) < len(ids) + len(names)
    status = text_of(query, "ActiveStatus") or "ActiveOnly"
    low, high = text_of(query, "FromModifiedDate"), text_of(query, "ToModifiedDate")
    account_types = {t.text for t in query.findall("AccountType")}
    balance_filter = query.find("TotalBalanceFilter")
    matched = []
    for row in rows:
        if (status == "ActiveOnly" and not row.is_active) or \
                (status == "InactiveOnly" and row.is_active):
            continue
        if (low or high) and not _in_range(row.time_modified, low, high):
            continue
        if not _name_match(row.full_name, query):
            continue
        if account_types and text_of(from_text(row.ret_xml), "AccountType") not in account_types:
            continue
        if balance_filter is not None and not _balance_match(company, row, balance_filter):
            continue
        matched.append(row)
    return matched, False


_COMPARE = {"LessThan": operator.lt, "LessThanEqual": operator.le, "Equal": operator.eq,
            "GreaterThan": operator.gt, "GreaterThanEqual": operator.ge}


def _balance_match(company: Company, row: ListRow, balance_filter: etree._Element) -> bool:
    """TotalBalanceFilter: the customer's TotalBalance (from the ledger) against Amount."""
    total = Decimal(text_of(company.list_ret(row), "TotalBalance") or "0")
    compare = _COMPARE[text_of(balance_filter, "Operator") or "Equal"]
    return bool(compare(total, Decimal(text_of(balance_filter, "Amount") or "0")))


def _txn_rows(company: Company, query: etree._Element, kind: str) -> tuple[list[TxnRow], bool]:
    ids = [t.text or "" for t in query.findall("TxnID")]
    refs = [t.text or "" for t in query.findall("RefNumber")]
    exact_refs = [t.text or "" for t in query.findall("RefNumberCaseSensitive")]
    rows = company.store.txns_of(kind)
    if ids or refs or exact_refs:
        lowered = {r.lower() for r in refs}
        found = [r for r in rows if r.txn_id in ids or (r.ref_number or "").lower() in lowered
                 or r.ref_number in exact_refs]
        return found, not found
    low = text_of(query, "TxnDateRangeFilter/FromTxnDate")
    high = text_of(query, "TxnDateRangeFilter/ToTxnDate")
    mod_low = text_of(query, "ModifiedDateRangeFilter/FromModifiedDate")
    mod_high = text_of(query, "ModifiedDateRangeFilter/ToModifiedDate")
    entity = query.find("EntityFilter")
    entity_row = company.lookup(("Customer",), entity) if entity is not None else None
    ref_filter = query.find("RefNumberFilter")
    paid = text_of(query, "PaidStatus") or "All"
    matched = []
    for row in rows:
        if (low and row.txn_date < low) or (high and row.txn_date > high):
            continue
        if (mod_low or mod_high) and not _in_range(row.time_modified, mod_low, mod_high):
            continue
        if entity is not None and (entity_row is None or row.customer_id != entity_row.list_id):
            continue
        if ref_filter is not None and not ref_match(row.ref_number or "", ref_filter):
            continue
        if paid != "All":
            is_paid = text_of(fill_txn(company.store, row.kind, row.txn_id,
                                       from_text(row.ret_xml)), "IsPaid") == "true"
            if is_paid != (paid == "PaidOnly"):
                continue
        matched.append(row)
    return matched, False


def ref_match(ref_number: str, ref_filter: etree._Element) -> bool:
    wanted = (text_of(ref_filter, "RefNumber") or "").lower()
    criterion = text_of(ref_filter, "MatchCriterion")
    value = ref_number.lower()
    if criterion == "StartsWith":
        return value.startswith(wanted)
    if criterion == "EndsWith":
        return value.endswith(wanted)
    return wanted in value


def _txn_ret(company: Company, row: TxnRow, include_lines: bool) -> etree._Element:
    ret = fill_txn(company.store, row.kind, row.txn_id, from_text(row.ret_xml))
    if not include_lines:
        for line in [c for c in ret if str(c.tag).endswith(("LineRet", "LineGroupRet"))
                     and c.tag != "AppliedToTxnRet"]:
            ret.remove(line)
    return ret


def _item_sites(company: Company, query: etree._Element) -> list[etree._Element]:
    store = company.store
    item_filter = query.find("ItemSiteFilter/ItemFilter")
    site_filter = query.find("ItemSiteFilter/SiteFilter")
    wanted_ids = {t.text for t in query.findall("ListID")}
    sites = store.lists_of(("InventorySite",))
    rets = []
    for item in store.lists_of(("ItemInventory",)):
        if item_filter is not None and company.lookup(("ItemInventory",), item_filter) != item:
            continue
        quantities = store.site_quantities(item.list_id)
        for site in sites:
            if site_filter is not None and \
                    company.lookup(("InventorySite",), site_filter) != site:
                continue
            digest = hashlib.sha1(f"{item.list_id}/{site.list_id}".encode(),
                                  usedforsecurity=False).hexdigest()[:8].upper()
            list_id = f"{digest}-{item.list_id.split('-')[-1]}"
            if wanted_ids and list_id not in wanted_ids:
                continue
            on_hand = quantities.get(site.list_id)
            rets.append(element("ItemSitesRet", children=[
                element("ListID", list_id), element("TimeCreated", item.time_modified),
                element("TimeModified", item.time_modified),
                element("EditSequence", item.edit_sequence),
                company.ref("ItemInventoryRef", item), company.ref("InventorySiteRef", site),
                element("QuantityOnHand", quantity(on_hand) if on_hand is not None else "0"),
                element("QuantityOnPurchaseOrders", "0"), element("QuantityOnSalesOrders", "0"),
                element("QuantityOnPendingTransfers", "0")]))
    return rets


def _trim(ret: etree._Element, keep: set[str]) -> etree._Element:
    for child in [c for c in ret if c.tag not in keep]:
        ret.remove(child)
    return ret


def max_returned(query: etree._Element) -> int | None:
    """A query's MaxReturned: the page size of an iterator, or the cap of a plain query."""
    text = text_of(query, "MaxReturned")
    return int(text) if text else None


def run_query(company: Company, book: IteratorBook, query: etree._Element) -> Answer:
    tag = str(query.tag)
    if tag in ("InventorySiteQueryRq", "ItemSitesQueryRq") and not company.multi_site:
        raise not_enabled()
    resumed = book.resume(tag, query)
    if resumed is not None:
        return resumed
    page, iterator = max_returned(query), query.get("iterator")
    partial = False
    if tag == "ItemSitesQueryRq":
        rets = _item_sites(company, query)
    elif tag in TXN_QUERIES:
        txn_rows, partial = _txn_rows(company, query, tag[: -len("QueryRq")])
        include_lines = text_of(query, "IncludeLineItems") == "true"
        rets = [_txn_ret(company, row, include_lines) for row in txn_rows]
    else:
        list_rows, partial = _list_rows(company, query, LIST_QUERIES[tag])
        rets = [company.list_ret(row) for row in list_rows]
    keep = {t.text or "" for t in query.findall("IncludeRetElement")}
    if keep:
        rets = [_trim(ret, keep) for ret in rets]
    answer = book.paged(tag, rets, page, iterator)
    if partial and iterator != "Start" and answer.status_code == 0:
        return Answer(answer.rets, status_code=500, severity="Warn",
                      status_message="The query request has not been fully completed. There "
                                     "was a required element that could not be found in "
                                     "QuickBooks.")
    return answer
