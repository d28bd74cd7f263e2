"""A refund whose answer was lost, when QuickBooks kept no saved state for its message set,
is looked up in QuickBooks (``ARRefundCreditCardQuery`` / ``CheckQuery`` by RefNumber, our
memo naming the credit memo) before it is sent again: the money leaves once."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from qbwc_service.db.models import Request, RequestTransition
from qbwc_service.handlers import Registry
from qbwc_service.queue import apply_response, next_message_set
from qbwc_service.sandbox import QuickBooksSimulator
from qbwc_service.sync.enqueue import enqueue_plan
from qbwc_service.sync.plan import PlannedRequest
from qbwc_service.sync.posting.common import awaiting_txn_id

from .harness import Books, Installation, make_installation

CUSTOMER = "Ada Lovelace"
ITEM = "GIFT-WRAP"
AMOUNT = Decimal("12.50")


@dataclass
class Rig:
    installation: Installation
    simulator: QuickBooksSimulator
    company_db: Path
    sets: int = 0

    def claim(self) -> tuple[str, str] | None:
        """(ticket, qbXML) of the next message set, persisted, or None."""
        self.sets += 1
        ticket = f"t{self.sets}"
        with self.installation.ctx.db.session() as session:
            outbound = next_message_set(session, company_id=self.installation.company_id,
                                        ticket=ticket, qbxml_version="13.0",
                                        max_requests=1, max_bytes=1_000_000)
        return None if outbound is None else (ticket, outbound.xml)

    def answer(self, ticket: str, xml: str) -> None:
        with self.installation.ctx.db.session() as session:
            apply_response(session, handlers=Registry(), ticket=ticket,
                           response_xml=self.simulator.process(xml))

    def drain(self) -> None:
        for _ in range(30):
            claimed = self.claim()
            if claimed is None:
                return
            self.answer(*claimed)
        raise AssertionError("the queue never drained")

    def statuses(self) -> dict[str, str]:
        with self.installation.ctx.db.session() as session:
            return {row.idempotency_key: row.status for row in session.scalars(
                select(Request).where(Request.company_id == self.installation.company_id))}


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    installation = make_installation(tmp_path / "install")
    simulator = QuickBooksSimulator(tmp_path / "company.sqlite3", release="enterprise-2023")
    try:
        yield Rig(installation, simulator, tmp_path / "company.sqlite3")
    finally:
        simulator.close()
        installation.ctx.db.dispose()


def _credit_memo_plan(route: str) -> list[PlannedRequest]:
    """Customer, item, credit memo and its refund, shaped as the refund rule plans them."""
    customer = {"FullName": CUSTOMER}
    memo_text = "Refund of Magento credit memo 000000007"
    credit = PlannedRequest(
        operation="CreditMemoAdd", key="creditmemo:7", entity_type="creditmemo",
        magento_id="7", magento_ref="000000007", depends_on_keys=("customer:1", "item:wrap"),
        context={"CustomerRef": customer, "TxnDate": "2026-01-07", "RefNumber": "000000007",
                 "Memo": "Magento credit memo 000000007, order 000000003",
                 "CreditMemoLineAdd": [{"ItemRef": {"FullName": ITEM}, "Amount": AMOUNT}]})
    refund_context: dict[str, object]
    if route == "card":
        operation = "ARRefundCreditCardAdd"
        refund_context = {
            "CustomerRef": customer, "RefundFromAccountRef": {"FullName": "Undeposited Funds"},
            "TxnDate": "2026-01-07", "RefNumber": "000000007", "Memo": memo_text,
            "RefundAppliedToTxnAdd": [{"TxnID": awaiting_txn_id(credit.key),
                                       "RefundAmount": AMOUNT}]}
    else:
        operation = "CheckAdd"
        refund_context = {
            "AccountRef": {"FullName": "Checking"}, "PayeeEntityRef": customer,
            "RefNumber": "000000007", "TxnDate": "2026-01-07", "Memo": memo_text,
            "ApplyCheckToTxnAdd": [{"TxnID": awaiting_txn_id(credit.key), "Amount": AMOUNT}],
            "ExpenseLineAdd": [{"AccountRef": {"FullName": "Accounts Receivable"},
                                "Amount": AMOUNT, "Memo": memo_text, "CustomerRef": customer}]}
    return [
        PlannedRequest(operation="CustomerAdd", key="customer:1", entity_type="customer",
                       magento_id="1", magento_ref="ada@example.com",
                       context={"Name": CUSTOMER}, priority=10),
        PlannedRequest(operation="ItemServiceAdd", key="item:wrap", entity_type="item",
                       magento_id="wrap", magento_ref="wrap", priority=10,
                       context={"Name": ITEM, "SalesOrPurchase": {
                           "Desc": "Gift wrap", "Price": "3.99",
                           "AccountRef": {"FullName": "Sales"}}}),
        credit,
        PlannedRequest(operation=operation, key="refund:7", entity_type="refund",
                       magento_id="7", magento_ref="000000007", context=refund_context,
                       depends_on_keys=(credit.key,), priority=80),
    ]


@pytest.mark.parametrize(("route", "kind"), [("card", "ARRefundCreditCard"),
                                             ("check", "Check")])
def test_lost_refund_answer_without_saved_state_posts_once(rig: Rig, route: str,
                                                           kind: str) -> None:
    """QuickBooks posted the refund, its answer was lost and the saved state is gone: the
    refund is found by RefNumber and linked, not posted a second time."""
    ctx, company_id = rig.installation.ctx, rig.installation.company_id
    with ctx.db.session() as session:
        enqueue_plan(session, company_id, _credit_memo_plan(route))
    for _ in range(3):  # customer, item, credit memo: one request per message set
        claimed = rig.claim()
        assert claimed is not None
        rig.answer(*claimed)
    claimed = rig.claim()
    assert claimed is not None and f"{kind}AddRq" in claimed[1]
    rig.simulator.process(claimed[1])  # QuickBooks posts it; the answer never arrives
    assert rig.simulator.store.clear_message_sets(None) >= 1  # and forgets the set
    rig.drain()
    assert set(rig.statuses().values()) == {"succeeded"}
    assert Books.read(rig.company_db).refs(kind) == {"000000007": 1}
    with ctx.db.session() as session:
        refund = session.scalars(select(Request).where(
            Request.company_id == company_id, Request.idempotency_key == "refund:7")).one()
        assert refund.qb_id
        reasons = session.scalars(select(RequestTransition.reason).where(
            RequestTransition.request_id == refund.id)).all()
        assert any("already in QuickBooks" in (reason or "") for reason in reasons)


@pytest.mark.parametrize(("route", "kind"), [("card", "ARRefundCreditCard"),
                                             ("check", "Check")])
def test_refund_never_processed_is_added_after_the_lookup(rig: Rig, route: str,
                                                          kind: str) -> None:
    """The set was lost before QuickBooks ran it: the look-up finds nothing and the
    refund is added, once."""
    ctx, company_id = rig.installation.ctx, rig.installation.company_id
    with ctx.db.session() as session:
        enqueue_plan(session, company_id, _credit_memo_plan(route))
    for _ in range(3):
        claimed = rig.claim()
        assert claimed is not None
        rig.answer(*claimed)
    claimed = rig.claim()
    assert claimed is not None and f"{kind}AddRq" in claimed[1]
    rig.drain()  # the next claim asks for the lost set's state first
    assert set(rig.statuses().values()) == {"succeeded"}
    assert Books.read(rig.company_db).refs(kind) == {"000000007": 1}
