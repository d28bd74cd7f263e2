"""Multicurrency in the simulated QuickBooks: a home currency, customers and A/R accounts
in a currency of their own, transactions converted at their ExchangeRate into a
home-currency ledger, exchange differences in Exchange Gain or Loss, and QuickBooks'
refusals of what does not fit."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from qbwc_service.sandbox import QuickBooksSimulator
from tests.conftest import reference_path
from tests.sandbox.conftest import (
    accepted,
    add_item,
    answer_to,
    balances,
    message,
    status,
)

HOME = "US Dollar"




def _customer(simulator: QuickBooksSimulator, name: str, currency: str | None) -> None:
    ref = f"<CurrencyRef><FullName>{currency}</FullName></CurrencyRef>" if currency else ""
    accepted(simulator, f"<CustomerAddRq><CustomerAdd><Name>{name}</Name>{ref}</CustomerAdd>"
                   "</CustomerAddRq>")


def _invoice(customer: str, lines: list[str], rate: str | None, ref: str = "EU-1",
             extra: str = "") -> str:
    rate_xml = f"<ExchangeRate>{rate}</ExchangeRate>" if rate else ""
    body = "".join(f"<InvoiceLineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef>"
                   f"<Amount>{amount}</Amount><SalesTaxCodeRef><FullName>Non</FullName>"
                   "</SalesTaxCodeRef></InvoiceLineAdd>" for amount in lines)
    return (f"<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>{customer}</FullName>"
            f"</CustomerRef>{extra}<TxnDate>2024-05-02</TxnDate><RefNumber>{ref}</RefNumber>"
            f"{rate_xml}{body}</InvoiceAdd></InvoiceAddRq>")


@pytest.fixture
def euro(tmp_path: Path) -> tuple[QuickBooksSimulator, Path]:
    """A company in US dollars with multicurrency on, a customer in euros and an item."""
    company_db = tmp_path / "company.sqlite3"
    simulator = QuickBooksSimulator(company_db, home_currency=HOME)
    _customer(simulator, "Élise Martin EUR", "Euro")
    add_item(simulator, "WIDGET-1")
    yield simulator, company_db
    simulator.close()


def test_preferences_report_multicurrency_and_the_home_currency(tmp_path: Path) -> None:
    """PreferencesQuery says IsMultiCurrencyOn and names the home currency when it is on,
    and only IsMultiCurrencyOn false when it is off."""
    on = QuickBooksSimulator(tmp_path / "on.sqlite3", home_currency=HOME)
    off = QuickBooksSimulator(tmp_path / "off.sqlite3")
    try:
        prefs = accepted(on, "<PreferencesQueryRq/>").find("MultiCurrencyPreferences")
        assert prefs is not None
        assert prefs.findtext("IsMultiCurrencyOn") == "true"
        assert prefs.findtext("HomeCurrencyRef/FullName") == HOME
        prefs = accepted(off, "<PreferencesQueryRq/>").find("MultiCurrencyPreferences")
        assert prefs is not None
        assert [child.tag for child in prefs] == ["IsMultiCurrencyOn"]
        assert prefs.findtext("IsMultiCurrencyOn") == "false"
    finally:
        on.close()
        off.close()


def test_currency_query_lists_currencies_with_their_codes(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """CurrencyQuery answers the currency list: names and ISO codes."""
    simulator, _db = euro
    rs = answer_to(simulator, "<CurrencyQueryRq><FullName>Euro</FullName></CurrencyQueryRq>")
    assert status(rs) == 0
    assert [(ret.findtext("Name"), ret.findtext("CurrencyCode")) for ret in rs] == \
        [("Euro", "EUR")]


def test_a_foreign_invoice_books_home_amounts_on_an_ar_account_of_its_currency(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """100.00 EUR at 1.1 is 110.00 USD on "Accounts Receivable - EUR" and income; the
    invoice answers its currency, rate and balance in home currency."""
    simulator, company_db = euro
    ret = accepted(simulator, _invoice("Élise Martin EUR", ["100.00"], "1.1"))
    assert ret.findtext("ARAccountRef/FullName") == "Accounts Receivable - EUR"
    assert ret.findtext("CurrencyRef/FullName") == "Euro"
    assert ret.findtext("ExchangeRate") == "1.1"
    assert ret.findtext("BalanceRemaining") == "100.00"
    assert ret.findtext("BalanceRemainingInHomeCurrency") == "110.00"
    trial = balances(company_db)
    assert trial["Accounts Receivable - EUR"] == Decimal("110.00")
    assert trial["Sales"] == Decimal("-110.00")
    assert "Accounts Receivable" not in trial
    account = accepted(simulator, "<AccountQueryRq><FullName>Accounts Receivable - EUR</FullName>"
                             "</AccountQueryRq>")
    assert account.findtext("CurrencyRef/FullName") == "Euro"
    assert account.findtext("AccountType") == "AccountsReceivable"


def test_a_home_currency_invoice_answers_rate_one(euro: tuple[QuickBooksSimulator, Path]
                                                  ) -> None:
    """With multicurrency on, a home-currency customer's invoice carries its currency and
    ExchangeRate 1 and books on the home A/R account."""
    simulator, company_db = euro
    _customer(simulator, "Ada Lovelace", None)
    ret = accepted(simulator, _invoice("Ada Lovelace", ["40.00"], None, ref="US-1"))
    assert (ret.findtext("CurrencyRef/FullName"), ret.findtext("ExchangeRate")) == (HOME, "1")
    assert ret.findtext("BalanceRemainingInHomeCurrency") == "40.00"
    assert balances(company_db)["Accounts Receivable"] == Decimal("40.00")


def test_line_rounding_goes_to_exchange_gain_or_loss(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """A/R is the total at the rate (0.10 × 1.1 = 0.11); each line is converted on its
    own (0.05 × 1.1 = 0.06, twice); the cent between them is Exchange Gain or Loss."""
    simulator, company_db = euro
    accepted(simulator, _invoice("Élise Martin EUR", ["0.05", "0.05"], "1.1"))
    trial = balances(company_db)
    assert trial["Accounts Receivable - EUR"] == Decimal("0.11")
    assert trial["Sales"] == Decimal("-0.12")
    assert trial["Exchange Gain or Loss"] == Decimal("0.01")


def test_a_payment_at_another_rate_books_an_exchange_gain(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """Invoice 100.00 EUR at 1.1, paid at 1.2: Undeposited Funds 120.00, the receivable's
    110.00 cleared to the cent, 10.00 gain in Exchange Gain or Loss."""
    simulator, company_db = euro
    invoice = accepted(simulator, _invoice("Élise Martin EUR", ["100.00"], "1.1"))
    payment = accepted(simulator, (
        "<ReceivePaymentAddRq><ReceivePaymentAdd><CustomerRef><FullName>Élise Martin EUR"
        "</FullName></CustomerRef><TxnDate>2024-05-09</TxnDate><TotalAmount>100.00"
        "</TotalAmount><ExchangeRate>1.2</ExchangeRate><AppliedToTxnAdd><TxnID>"
        f"{invoice.findtext('TxnID')}</TxnID><PaymentAmount>100.00</PaymentAmount>"
        "</AppliedToTxnAdd></ReceivePaymentAdd></ReceivePaymentAddRq>"))
    assert payment.findtext("TotalAmountInHomeCurrency") == "120.00"
    assert payment.findtext("ARAccountRef/FullName") == "Accounts Receivable - EUR"
    trial = balances(company_db)
    assert trial["Undeposited Funds"] == Decimal("120.00")
    assert trial.get("Accounts Receivable - EUR", Decimal(0)) == Decimal(0)
    assert trial["Exchange Gain or Loss"] == Decimal("-10.00")
    paid = accepted(simulator, f"<InvoiceQueryRq><TxnID>{invoice.findtext('TxnID')}</TxnID>"
                          "</InvoiceQueryRq>")
    assert paid.findtext("BalanceRemainingInHomeCurrency") == "0.00"


def test_credit_memo_and_card_refund_at_the_same_rate_leave_no_difference(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """A credit memo of 33.33 EUR at 1.0851 refunded at the same rate: A/R back to zero,
    the refund account credited 36.17, nothing in Exchange Gain or Loss."""
    simulator, company_db = euro
    memo = accepted(simulator, (
        "<CreditMemoAddRq><CreditMemoAdd><CustomerRef><FullName>Élise Martin EUR</FullName>"
        "</CustomerRef><TxnDate>2024-05-03</TxnDate><RefNumber>CM-1</RefNumber>"
        "<ExchangeRate>1.0851</ExchangeRate><CreditMemoLineAdd><ItemRef><FullName>WIDGET-1"
        "</FullName></ItemRef><Amount>33.33</Amount><SalesTaxCodeRef><FullName>Non"
        "</FullName></SalesTaxCodeRef></CreditMemoLineAdd></CreditMemoAdd>"
        "</CreditMemoAddRq>"))
    assert memo.findtext("CreditRemainingInHomeCurrency") == "36.17"
    refund = accepted(simulator, (
        "<ARRefundCreditCardAddRq><ARRefundCreditCardAdd><CustomerRef><FullName>Élise Martin"
        " EUR</FullName></CustomerRef><RefundFromAccountRef><FullName>Merchant Account"
        "</FullName></RefundFromAccountRef><TxnDate>2024-05-03</TxnDate>"
        "<ExchangeRate>1.0851</ExchangeRate><RefundAppliedToTxnAdd><TxnID>"
        f"{memo.findtext('TxnID')}</TxnID><RefundAmount>33.33</RefundAmount>"
        "</RefundAppliedToTxnAdd></ARRefundCreditCardAdd></ARRefundCreditCardAddRq>"))
    assert refund.findtext("TotalAmountInHomeCurrency") == "36.17"
    trial = balances(company_db)
    assert trial.get("Accounts Receivable - EUR", Decimal(0)) == Decimal(0)
    assert trial["Merchant Account"] == Decimal("-36.17")
    assert trial["Sales"] == Decimal("36.17")
    assert trial.get("Exchange Gain or Loss", Decimal(0)) == Decimal(0)


def _check_refund(memo_id: str, receivable: str) -> str:
    return ("<CheckAddRq><CheckAdd><AccountRef><FullName>Checking</FullName></AccountRef>"
            "<PayeeEntityRef><FullName>Élise Martin EUR</FullName></PayeeEntityRef>"
            "<TxnDate>2024-05-04</TxnDate><ExchangeRate>1.1</ExchangeRate>"
            f"<ApplyCheckToTxnAdd><TxnID>{memo_id}</TxnID><Amount>10.00</Amount>"
            f"</ApplyCheckToTxnAdd><ExpenseLineAdd><AccountRef><FullName>{receivable}"
            "</FullName></AccountRef><Amount>10.00</Amount><CustomerRef><FullName>Élise "
            "Martin EUR</FullName></CustomerRef></ExpenseLineAdd></CheckAdd></CheckAddRq>")


def test_a_refund_check_to_a_foreign_customer_goes_through_its_currency_ar(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """A check refunding a euro credit memo from the dollar bank account: its A/R line on
    the home A/R account is refused; on "Accounts Receivable - EUR" it books 11.00."""
    simulator, company_db = euro
    memo = accepted(simulator, (
        "<CreditMemoAddRq><CreditMemoAdd><CustomerRef><FullName>Élise Martin EUR</FullName>"
        "</CustomerRef><TxnDate>2024-05-03</TxnDate><ExchangeRate>1.1</ExchangeRate>"
        "<CreditMemoLineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef><Amount>10.00"
        "</Amount><SalesTaxCodeRef><FullName>Non</FullName></SalesTaxCodeRef>"
        "</CreditMemoLineAdd></CreditMemoAdd></CreditMemoAddRq>"))
    refused = answer_to(simulator, _check_refund(memo.findtext("TxnID") or "",
                                            "Accounts Receivable"))
    assert status(refused) == 3180
    assert "is in US Dollar; this transaction is in Euro" in refused.get("statusMessage", "")
    check = accepted(simulator, _check_refund(memo.findtext("TxnID") or "",
                                         "Accounts Receivable - EUR"))
    assert check.findtext("AmountInHomeCurrency") == "11.00"
    trial = balances(company_db)
    assert trial["Checking"] == Decimal("-11.00")
    assert trial.get("Accounts Receivable - EUR", Decimal(0)) == Decimal(0)


def _euro_check(simulator: QuickBooksSimulator) -> etree._Element:
    accepted(simulator, "<AccountAddRq><AccountAdd><Name>Checking EUR</Name><AccountType>Bank"
                        "</AccountType><CurrencyRef><FullName>Euro</FullName></CurrencyRef>"
                        "</AccountAdd></AccountAddRq>")
    return accepted(simulator, (
        "<CheckAddRq><CheckAdd><AccountRef><FullName>Checking EUR</FullName></AccountRef>"
        "<PayeeEntityRef><FullName>Élise Martin EUR</FullName></PayeeEntityRef>"
        "<TxnDate>2024-05-04</TxnDate><ExchangeRate>1.1</ExchangeRate><ExpenseLineAdd>"
        "<AccountRef><FullName>Cost of Goods Sold</FullName></AccountRef><Amount>10.00</Amount>"
        "</ExpenseLineAdd></CheckAdd></CheckAddRq>"))


def test_a_foreign_check_answers_its_currency_rate_and_home_amount(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """A euro CheckRet gives CurrencyRef, ExchangeRate and AmountInHomeCurrency after Amount,
    where the XSD's CheckRet has them, when added and when queried."""
    simulator, _ = euro
    added = _euro_check(simulator)
    queried = accepted(simulator, f"<CheckQueryRq><TxnID>{added.findtext('TxnID')}</TxnID>"
                                  "</CheckQueryRq>")
    for check in (added, queried):
        tags = [child.tag for child in check]
        at = tags.index("Amount")
        assert tags[at:at + 4] == ["Amount", "CurrencyRef", "ExchangeRate",
                                   "AmountInHomeCurrency"]
        assert check.findtext("CurrencyRef/FullName") == "Euro"
        assert (check.findtext("Amount"), check.findtext("ExchangeRate"),
                check.findtext("AmountInHomeCurrency")) == ("10.00", "1.1", "11.00")


def test_a_foreign_check_answer_is_valid_for_the_xsd(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """The euro CheckAdd's whole answer validates against Intuit's 13.0 response schema."""
    schema = etree.XMLSchema(etree.parse(str(reference_path("qbxml", "xsd", "13.0",
                                                            "qbxmlops130.xsd"))))
    simulator, _ = euro
    _euro_check(simulator)
    answer = simulator.process(message(
        "<CheckQueryRq><IncludeLineItems>true</IncludeLineItems></CheckQueryRq>"))
    assert schema.validate(etree.fromstring(answer.encode("utf-8"))), schema.error_log.last_error


def test_exchange_rate_with_multicurrency_off_is_refused(tmp_path: Path) -> None:
    """Without multicurrency QuickBooks has no ExchangeRate and no customer currencies."""
    simulator = QuickBooksSimulator(tmp_path / "company.sqlite3")
    try:
        _customer(simulator, "Ada Lovelace", None)
        add_item(simulator, "WIDGET-1")
        rs = answer_to(simulator, _invoice("Ada Lovelace", ["10.00"], "1.1"))
        assert status(rs) == 3250
        rs = answer_to(simulator, "<CustomerAddRq><CustomerAdd><Name>Élise</Name><CurrencyRef>"
                             "<FullName>Euro</FullName></CurrencyRef></CustomerAdd>"
                             "</CustomerAddRq>")
        assert status(rs) == 3250
    finally:
        simulator.close()
    assert balances(tmp_path / "company.sqlite3") == {}


def test_mismatched_currencies_are_refused(euro: tuple[QuickBooksSimulator, Path]) -> None:
    """A rate other than 1 for a home-currency customer, a euro invoice on the home A/R
    account, a foreign invoice without a rate, a foreign currency on an income account:
    each refused (3180) and nothing booked."""
    simulator, company_db = euro
    _customer(simulator, "Ada Lovelace", None)
    cases = {
        _invoice("Ada Lovelace", ["10.00"], "1.1", ref="A"): "is 1, not 1.1",
        _invoice("Élise Martin EUR", ["10.00"], "1.1", ref="B",
                 extra="<ARAccountRef><FullName>Accounts Receivable</FullName>"
                       "</ARAccountRef>"): "go to an A/R account in Euro",
        _invoice("Élise Martin EUR", ["10.00"], None, ref="C"): "give ExchangeRate",
        ("<AccountAddRq><AccountAdd><Name>Sales EUR</Name><AccountType>Income</AccountType>"
         "<CurrencyRef><FullName>Euro</FullName></CurrencyRef></AccountAdd>"
         "</AccountAddRq>"): "always in the home currency",
    }
    for body, reason in cases.items():
        rs = answer_to(simulator, body)
        assert status(rs) == 3180, rs.get("statusMessage")
        assert reason in rs.get("statusMessage", "")
    assert balances(company_db) == {}


def test_a_customers_currency_cannot_change_once_it_has_transactions(
        euro: tuple[QuickBooksSimulator, Path]) -> None:
    """CustomerMod may set a currency while the customer has no transactions, not after."""
    simulator, _db = euro
    _customer(simulator, "Bram", None)
    customer = accepted(simulator, "<CustomerQueryRq><FullName>Bram</FullName></CustomerQueryRq>")
    assert customer.findtext("CurrencyRef/FullName") == HOME

    def mod(currency: str) -> etree._Element:
        current = accepted(simulator, "<CustomerQueryRq><FullName>Bram</FullName></CustomerQueryRq>")
        return answer_to(simulator, (
            f"<CustomerModRq><CustomerMod><ListID>{current.findtext('ListID')}</ListID>"
            f"<EditSequence>{current.findtext('EditSequence')}</EditSequence><CurrencyRef>"
            f"<FullName>{currency}</FullName></CurrencyRef></CustomerMod></CustomerModRq>"))

    assert status(mod("Euro")) == 0
    accepted(simulator, _invoice("Bram", ["10.00"], "1.1", ref="BR-1"))
    refused = mod("British Pound Sterling")
    assert status(refused) == 3180
    assert "cannot be changed" in refused.get("statusMessage", "")
