"""The currency rounding handler: QuickBooks' read-back of a document's journal lines
becomes the correcting journal entry (per account, Magento's amount less QuickBooks'),
balanced on the rounding account; nothing to correct settles the entry as skipped
through the queue's lifecycle; a difference beyond rounding fails it, never posted."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

from sqlalchemy import select

from qbwc_service.db.models import Request, RequestDependency, RequestTransition
from qbwc_service.handlers import handler_for
from qbwc_service.handlers.rounding import correction
from qbwc_service.qbxml.parse import parse_response
from qbwc_service.queue.lifecycle import settle_asked

AGENCY = "State Board"
TXN = "1A-1"


def _planned(income: str, tax: str) -> dict[str, Any]:
    return {"Memo": "Currency rounding for Magento invoice 000000009",
            "RoundingAccountRef": {"FullName": "Exchange Gain or Loss"},
            "Targets": [{"AccountRef": {"FullName": "Sales"}, "Amount": income},
                        {"AccountRef": {"FullName": "Sales Tax Payable"},
                         "EntityRef": {"FullName": AGENCY}, "Amount": tax}]}


def _posted(income: str, tax: str, rounding: str, total: str) -> list[tuple[str, str, D]]:
    return [("Accounts Receivable - EUR", "Ada EUR", D(total)), ("Sales", "Ada EUR", D(income)),
            ("Sales Tax Payable", AGENCY, D(tax)), ("Exchange Gain or Loss", "", D(rounding)),
            ("Inventory Asset", "Ada EUR", D("-4.00")), ("Cost of Goods Sold", "Ada EUR",
                                                         D("4.00"))]


def _lines(lines: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    return [(line["AccountRef"]["FullName"], (line.get("EntityRef") or {}).get("FullName"),
             line["Amount"]) for line in lines]


def test_each_account_gets_magentos_amount_less_what_quickbooks_posted() -> None:
    """QuickBooks credited income 100.01 and tax 19.00 where Magento says 100.00 and 19.01:
    income is debited a cent, the agency's liability credited one; they balance."""
    debits, credits, problem = correction(_planned("-100.00", "-19.01"),
                                          _posted("-100.01", "-19.00", "0.00", "119.01"))
    assert problem is None
    assert _lines(debits) == [("Sales", None, "0.01")]
    assert _lines(credits) == [("Sales Tax Payable", AGENCY, "0.01")]
    assert {line["Memo"] for line in debits + credits} == {
        "Currency rounding for Magento invoice 000000009"}


def test_what_does_not_balance_goes_to_the_rounding_account() -> None:
    """QuickBooks' rounding of 0.02 sat in Exchange Gain or Loss: income and tax each get
    their cent, and the rounding account gives the two back."""
    debits, credits, _ = correction(_planned("-100.00", "-19.01"),
                                    _posted("-99.99", "-19.00", "-0.02", "119.01"))
    assert _lines(debits) == [("Exchange Gain or Loss", None, "0.02")]
    assert sorted(_lines(credits)) == [("Sales", None, "0.01"),
                                       ("Sales Tax Payable", AGENCY, "0.01")]


def test_a_credit_memo_reverses_the_signs() -> None:
    """A credit memo debits income and the liability: targets and posted amounts are
    positive, and QuickBooks' extra cent of income is credited back."""
    debits, credits, _ = correction(_planned("50.00", "9.50"),
                                    _posted("50.01", "9.49", "0.00", "-59.50"))
    assert _lines(debits) == [("Sales Tax Payable", AGENCY, "0.01")]
    assert _lines(credits) == [("Sales", None, "0.01")]


def test_nothing_to_correct_gives_no_lines() -> None:
    assert correction(_planned("-100.00", "-19.01"),
                      _posted("-100.00", "-19.01", "0.00", "119.01")) == ([], [], None)


def test_more_than_rounding_apart_is_not_corrected() -> None:
    """Income posted to another account than planned: the difference is whole amounts,
    not rounding, so no entry is made and the reason names the accounts."""
    posted = [*_posted("0.00", "-19.01", "0.00", "119.01"), ("Other Income", "", D("-100.00"))]
    debits, credits, problem = correction(_planned("-100.00", "-19.01"), posted)
    assert (debits, credits) == ([], [])
    assert problem is not None and "Sales -100.00" in problem


def _readback_answer(request_id: int, rows: list[tuple[str, str, str]]) -> Any:
    rets = "".join(
        f"<TransactionRet><TxnType>Invoice</TxnType><TxnID>{txn}</TxnID>"
        f"<AccountRef><FullName>{account}</FullName></AccountRef>"
        f"<CurrencyRef><FullName>Euro</FullName></CurrencyRef><ExchangeRate>1.1</ExchangeRate>"
        f"<AmountInHomeCurrency>{amount}</AmountInHomeCurrency></TransactionRet>"
        for txn, account, amount in rows)
    return parse_response(
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><TransactionQueryRs '
        f'requestID="{request_id}" statusCode="0" statusSeverity="Info" statusMessage="OK">'
        f"{rets}</TransactionQueryRs></QBXMLMsgsRs></QBXML>").responses[0]


def _queue(session: Any, company_id: int) -> tuple[Request, Request]:
    document = Request(company_id=company_id, operation="InvoiceAdd",
                       idempotency_key="invoice:9", status="succeeded", qb_id=TXN, payload={})
    readback = Request(company_id=company_id, operation="TransactionQuery",
                       idempotency_key="rounding-readback:invoice:9", status="succeeded",
                       payload={})
    planned = {"Targets": [{"AccountRef": {"FullName": "Sales"}, "Amount": "-100.00"}],
               "Memo": "Currency rounding for Magento invoice 000000009",
               "RoundingAccountRef": {"FullName": "Exchange Gain or Loss"}}
    entry = Request(company_id=company_id, operation="JournalEntryAdd",
                    idempotency_key="rounding:invoice:9", status="queued",
                    payload={"TxnDate": "2024-05-02", "RefNumber": "000000009",
                             "Correction": planned})
    session.add_all([document, readback, entry])
    session.flush()
    session.add_all([RequestDependency(request_id=readback.id, depends_on_id=document.id),
                     RequestDependency(request_id=entry.id, depends_on_id=readback.id)])
    session.flush()
    return readback, entry


def test_the_read_back_fills_the_entry_from_the_documents_own_lines(db, company_id) -> None:
    """Lines of another transaction with the same RefNumber are not the document's."""
    with db.session() as session:
        readback, entry = _queue(session, company_id)
        answer = _readback_answer(readback.id, [(TXN, "Sales", "-100.01"),
                                                (TXN, "Exchange Gain or Loss", "0.01"),
                                                ("9Z-9", "Sales", "-50.00")])
        handler = handler_for("TransactionQuery")
        assert handler is not None
        assert handler.handle_response(session, readback, answer) == []
        assert "Correction" not in entry.payload
        assert _lines(entry.payload["JournalDebitLine"]) == [("Sales", None, "0.01")]
        assert _lines(entry.payload["JournalCreditLine"]) == [
            ("Exchange Gain or Loss", None, "0.01")]
        assert entry.status == "queued"


def test_nothing_to_correct_settles_the_entry_as_skipped(db, company_id) -> None:
    """The queue cancels it through its lifecycle, with the reason on its history."""
    with db.session() as session:
        readback, entry = _queue(session, company_id)
        answer = _readback_answer(readback.id, [(TXN, "Sales", "-100.00")])
        handler = handler_for("TransactionQuery")
        assert handler is not None
        asked = list(handler.handle_response(session, readback, answer) or ())
        settle_asked(session, asked)
        session.flush()
        assert entry.status == "canceled"
        reasons = session.scalars(select(RequestTransition.reason).where(
            RequestTransition.request_id == entry.id,
            RequestTransition.to_status == "canceled")).all()
        assert len(reasons) == 1 and reasons[0].startswith("skipped:")


def test_more_than_rounding_fails_the_entry_with_the_reason(db, company_id) -> None:
    with db.session() as session:
        readback, entry = _queue(session, company_id)
        answer = _readback_answer(readback.id, [(TXN, "Other Income", "-100.00")])
        handler = handler_for("TransactionQuery")
        assert handler is not None
        settle_asked(session, list(handler.handle_response(session, readback, answer) or ()))
        session.flush()
        assert entry.status == "failed"
        assert "more than rounding" in (entry.explanation or "")
