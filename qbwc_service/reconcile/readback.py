"""Read-back requests of a run: what the run asks QuickBooks, queued like any other work.

The requests go through the ordinary queue and wait for the next Web Connector run. They
are read-only and sent last (``READBACK_PRIORITY`` is after every posting priority), so a
run never holds a posting back; the long queries page through iterators.

Per transaction type the run asks twice (qbXML's query filters allow one date filter
at a time): by ``TxnDateRangeFilter`` over the period, which finds everything dated in
it including transactions entered by hand, and by ``ModifiedDateRangeFilter`` from the
day before the period, which also finds the period's postings whose date was changed in
QuickBooks afterwards. ``TxnDeletedQuery`` says which of ours were deleted and when.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from lxml import etree
from sqlalchemy.orm import Session

from qbwc_service.db.models import Company, Request, RequestStatus
from qbwc_service.db.reconciliation import ReconciliationRun
from qbwc_service.qbxml import ITERABLE_QUERIES
from qbwc_service.queue import enqueue, release
from qbwc_service.reconcile.lifecycle import readback_key

__all__ = ["PAGE_SIZE", "READBACK_PRIORITY", "TXN_TYPES", "ReadBackQuery", "plan_queries",
           "queue_readback"]

# After every posting priority (lists 10 … inventory 90): postings always go first.
READBACK_PRIORITY = 500
PAGE_SIZE = 500
# Every transaction type the service posts, and the refunds a bookkeeper makes by hand.
TXN_TYPES = ("Invoice", "SalesReceipt", "CreditMemo", "ReceivePayment", "ARRefundCreditCard",
             "Check")
ACTOR = "reconciliation"


@dataclass(frozen=True)
class ReadBackQuery:
    label: str  # unique within the run: "Invoice:by-date"
    operation: str  # qbXML request name without Rq
    body_xml: str


def _sub(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    child = etree.SubElement(parent, tag)
    if text is not None:
        child.text = text
    return child


def _page(root: etree._Element) -> None:
    """A page size, only where the queue pages through an iterator: elsewhere MaxReturned
    would cut the answer short without a word."""
    if str(root.tag)[:-2] in ITERABLE_QUERIES:
        _sub(root, "MaxReturned", str(PAGE_SIZE))


def _txn_query(kind: str, *, date_from: date, date_to: date, by: str) -> ReadBackQuery:
    root = etree.Element(f"{kind}QueryRq")
    _page(root)
    if by == "date":
        window = _sub(root, "TxnDateRangeFilter")
        _sub(window, "FromTxnDate", date_from.isoformat())
        _sub(window, "ToTxnDate", date_to.isoformat())
    else:
        window = _sub(root, "ModifiedDateRangeFilter")
        _sub(window, "FromModifiedDate", f"{date_from - timedelta(days=1)}T00:00:00")
    return ReadBackQuery(f"{kind}:by-{by}", f"{kind}Query", etree.tostring(root,
                                                                           encoding="unicode"))


def _deleted_query(kinds: Sequence[str], date_from: date) -> ReadBackQuery:
    root = etree.Element("TxnDeletedQueryRq")
    for kind in kinds:
        _sub(root, "TxnDelType", kind)
    window = _sub(root, "DeletedDateRangeFilter")
    _sub(window, "FromDeletedDate", f"{date_from - timedelta(days=1)}T00:00:00")
    return ReadBackQuery("deleted", "TxnDeletedQuery", etree.tostring(root, encoding="unicode"))


def _account_query(accounts: Sequence[str]) -> ReadBackQuery:
    root = etree.Element("AccountQueryRq")
    for name in accounts:
        _sub(root, "FullName", name)
    if not accounts:
        _sub(root, "ActiveStatus", "All")
    return ReadBackQuery("accounts", "AccountQuery", etree.tostring(root, encoding="unicode"))


def _quantity_query(multi_site: bool) -> ReadBackQuery:
    # Without multi-location inventory QuickBooks refuses ItemSitesQuery outright; the
    # company-wide quantity is on the item itself.
    tag = "ItemSitesQuery" if multi_site else "ItemInventoryQuery"
    root = etree.Element(f"{tag}Rq")
    _page(root)
    _sub(root, "ActiveStatus", "All")
    return ReadBackQuery("quantities", tag, etree.tostring(root, encoding="unicode"))


def plan_queries(company: Company, date_from: date, date_to: date, *,
                 accounts: Sequence[str] = (), txn_types: Sequence[str] = TXN_TYPES,
                 deleted: bool = True, quantities: bool = True) -> list[ReadBackQuery]:
    """The read-only requests one run sends for ``date_from``..``date_to``."""
    queries = [_txn_query(kind, date_from=date_from, date_to=date_to, by=by)
               for kind in txn_types for by in ("date", "modified")]
    if deleted:
        queries.append(_deleted_query(txn_types, date_from))
    queries.append(_account_query(accounts))
    if quantities:
        queries.append(_quantity_query(bool(company.multi_site_enabled)))
    return queries


def queue_readback(session: Session, run: ReconciliationRun,
                   queries: Sequence[ReadBackQuery]) -> list[Request]:
    """Queue the run's queries; reading never waits for a bookkeeper's approval."""
    rows = []
    for query in queries:
        result = enqueue(session, company_id=run.company_id, operation=query.operation,
                         key=readback_key(run.id, query.label), body_xml=query.body_xml,
                         priority=READBACK_PRIORITY, actor=ACTOR)
        request = result.request
        if result.created and request.status == RequestStatus.HELD.value:
            # Approval guards what is written to the books; a query writes nothing.
            release(session, request.id, actor=ACTOR)
        rows.append(request)
    return rows
