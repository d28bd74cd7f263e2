"""A reference to a record the company file lacks is QuickBooks' 3140, never a crash: a
default account renamed away (Undeposited Funds, Accounts Receivable), or a reference a
line leaves out where a record is needed. The refused request changes nothing."""

from __future__ import annotations

from dataclasses import replace

import pytest

from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from tests.sandbox.conftest import add_customer, add_item, answer_to, balances, status

_NOT_IN_LIST = ("  QuickBooks error message: Invalid argument.  The specified record does not "
                "exist in the list.")
_CUSTOMER = "<CustomerRef><FullName>Ada Lovelace</FullName></CustomerRef>"
_LINE = "<{kind}LineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef><Amount>10.00</Amount>" \
        "</{kind}LineAdd>"


def _rename_account(simulator: QuickBooksSimulator, name: str) -> None:
    """The bookkeeper renamed ``name``: no account of that name is left."""
    store = simulator.store
    row = store.find_list(("Account",), name)
    assert row is not None
    with store.transaction():
        store.update_list(replace(row, name=f"{name} (old)", full_name=f"{name} (old)"))


def _sale(kind: str) -> str:
    return (f"<{kind}AddRq><{kind}Add>{_CUSTOMER}<TxnDate>2024-05-02</TxnDate>"
            f"{_LINE.format(kind=kind)}</{kind}Add></{kind}AddRq>")


_PAYMENT = (f"<ReceivePaymentAddRq><ReceivePaymentAdd>{_CUSTOMER}<TxnDate>2024-05-03</TxnDate>"
            "<TotalAmount>5.00</TotalAmount>{deposit}</ReceivePaymentAdd></ReceivePaymentAddRq>")
_REFUND = (f"<ARRefundCreditCardAddRq><ARRefundCreditCardAdd>{_CUSTOMER}<TxnDate>2024-05-03"
           "</TxnDate><RefundAppliedToTxnAdd><TxnID>1-1</TxnID><RefundAmount>1.00"
           "</RefundAmount></RefundAppliedToTxnAdd></ARRefundCreditCardAdd>"
           "</ARRefundCreditCardAddRq>")
_CHECK = ("<CheckAddRq><CheckAdd><AccountRef><FullName>Checking</FullName></AccountRef>"
          "<TxnDate>2024-05-03</TxnDate>{lines}</CheckAdd></CheckAddRq>")


@pytest.fixture
def books(simulator: QuickBooksSimulator) -> QuickBooksSimulator:
    add_customer(simulator)
    add_item(simulator)
    return simulator


@pytest.mark.parametrize(("renamed", "body", "label"), [
    ("Undeposited Funds", _PAYMENT.format(deposit=""), "Receive Payment"),
    ("Undeposited Funds", _sale("SalesReceipt"), "Sales Receipt"),
    ("Undeposited Funds", _REFUND, "Credit Card Refund"),
    ("Accounts Receivable", _sale("Invoice"), "Invoice"),
    ("Accounts Receivable", _sale("CreditMemo"), "Credit Memo"),
    ("Accounts Receivable", _PAYMENT.format(
        deposit="<DepositToAccountRef><FullName>Checking</FullName></DepositToAccountRef>"),
     "Receive Payment"),
])
def test_a_default_account_the_company_lacks_is_an_invalid_reference(
        books: QuickBooksSimulator, renamed: str, body: str, label: str) -> None:
    """Without the account a transaction defaults to, QuickBooks answers 3140 naming it."""
    _rename_account(books, renamed)
    before = balances(books.company_db)
    answer = answer_to(books, body)
    assert status(answer) == 3140
    assert answer.get("statusMessage") == (
        f'There is an invalid reference to QuickBooks Account "{renamed}" in the {label}.'
        + _NOT_IN_LIST)
    assert len(answer) == 0
    assert books.store.all_txns() == []
    assert balances(books.company_db) == before


@pytest.mark.parametrize(("lines", "kind"), [
    ("<ExpenseLineAdd><Amount>4.00</Amount></ExpenseLineAdd>", "Account"),
    ("<ItemLineAdd><Quantity>1</Quantity><Amount>4.00</Amount></ItemLineAdd>", "Item"),
])
def test_a_check_line_without_its_account_or_item_is_an_invalid_reference(
        books: QuickBooksSimulator, lines: str, kind: str) -> None:
    """A check line that names no account (expense) or no item gets 3140, not a crash."""
    answer = answer_to(books, _CHECK.format(lines=lines))
    assert status(answer) == 3140
    assert answer.get("statusMessage") == (
        f'There is an invalid reference to QuickBooks {kind} "" in the Check line.'
        + _NOT_IN_LIST)
    assert books.store.txns_of("Check") == []


def test_a_group_member_without_an_item_is_an_invalid_reference(
        books: QuickBooksSimulator) -> None:
    """An ItemGroupAdd whose member names no item (the XSD admits it) gets 3140 for that
    member, and no group is made; a member with its item beside it does not save it."""
    answer = answer_to(books, "<ItemGroupAddRq><ItemGroupAdd><Name>SET</Name>"
                              "<ItemGroupLine><ItemRef><FullName>WIDGET-1</FullName></ItemRef>"
                              "</ItemGroupLine><ItemGroupLine><Quantity>2</Quantity>"
                              "</ItemGroupLine></ItemGroupAdd></ItemGroupAddRq>")
    assert status(answer) == 3140
    assert answer.get("statusMessage") == (
        'There is an invalid reference to QuickBooks Item "" in the item group line.'
        + _NOT_IN_LIST)
    assert len(answer) == 0
    assert books.store.find_list(("ItemGroup",), "SET") is None
