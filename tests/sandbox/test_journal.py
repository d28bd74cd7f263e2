"""General journal entries in the simulated QuickBooks: balanced entries post to the
ledger (reports and TransactionQuery see them), and what QuickBooks refuses is refused:
unbalanced entries, negative amounts, unknown accounts, A/R, A/P and Sales Tax Payable
lines without the name they need, accounts or names in another currency; foreign-currency
entries are said not to be modelled. JournalEntryQuery finds an entry by RefNumber."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from qbwc_service.sandbox import QuickBooksSimulator
from qbwc_service.sandbox.quickbooks.exceptions import QbHresultError
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




def _line(side: str, account: str, amount: str, entity: str | None = None) -> str:
    name = f"<EntityRef><FullName>{entity}</FullName></EntityRef>" if entity else ""
    return (f"<Journal{side}Line><AccountRef><FullName>{account}</FullName></AccountRef>"
            f"<Amount>{amount}</Amount>{name}</Journal{side}Line>")


def _entry(*lines: str, ref: str = "000000123", extra: str = "") -> str:
    return ("<JournalEntryAddRq><JournalEntryAdd><TxnDate>2024-05-02</TxnDate>"
            f"<RefNumber>{ref}</RefNumber>{extra}{''.join(lines)}</JournalEntryAdd>"
            "</JournalEntryAddRq>")


def _lines_of(ref: str, kind: str, filters: str = "") -> str:
    """TransactionQuery for every journal line of one transaction (TxnID cannot be combined
    with TransactionDetailLevelFilter: the XSD makes them a choice)."""
    return (f"<TransactionQueryRq><RefNumber>{ref}</RefNumber>{filters}<TransactionTypeFilter>"
            f"<TxnTypeFilter>{kind}</TxnTypeFilter></TransactionTypeFilter>"
            "<TransactionDetailLevelFilter>All</TransactionDetailLevelFilter>"
            "</TransactionQueryRq>")


def test_txn_id_with_a_detail_level_is_refused_as_the_xsd_refuses_it(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    simulator, _ = books
    with pytest.raises(QbHresultError, match="TransactionDetailLevelFilter"):
        simulator.process(message(
            "<TransactionQueryRq><TxnID>1-1</TxnID><TransactionDetailLevelFilter>All"
            "</TransactionDetailLevelFilter></TransactionQueryRq>"))


@pytest.fixture
def books(tmp_path: Path) -> tuple[QuickBooksSimulator, Path]:
    """A US-dollar company with multicurrency on, a tax agency, a euro customer."""
    company_db = tmp_path / "company.sqlite3"
    simulator = QuickBooksSimulator(company_db, home_currency=HOME)
    accepted(simulator, "<VendorAddRq><VendorAdd><Name>State Board</Name></VendorAdd></VendorAddRq>")
    accepted(simulator, "<CustomerAddRq><CustomerAdd><Name>Ada EUR</Name><CurrencyRef><FullName>"
                   "Euro</FullName></CurrencyRef></CustomerAdd></CustomerAddRq>")
    accepted(simulator, "<CustomerAddRq><CustomerAdd><Name>Bob</Name></CustomerAdd></CustomerAddRq>")
    accepted(simulator, "<AccountAddRq><AccountAdd><Name>Exchange Gain or Loss</Name><AccountType>"
                   "OtherExpense</AccountType></AccountAdd></AccountAddRq>")
    yield simulator, company_db
    simulator.close()


def test_a_balanced_entry_posts_each_line_to_its_account(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    """Debits debit, credits credit, the Ret lists the lines in the order sent, the trial
    balance moves by exactly those amounts, and TransactionQuery reads the lines back
    with their names."""
    simulator, company_db = books
    ret = accepted(simulator, _entry(_line("Debit", "Sales", "0.02"),
                                _line("Credit", "Sales Tax Payable", "0.01", "State Board"),
                                _line("Credit", "Exchange Gain or Loss", "0.01")))
    assert ret.tag == "JournalEntryRet" and ret.findtext("RefNumber") == "000000123"
    assert [(line.tag, line.findtext("AccountRef/FullName"), line.findtext("Amount"))
            for line in ret if str(line.tag).startswith("Journal")] == [
        ("JournalDebitLine", "Sales", "0.02"),
        ("JournalCreditLine", "Sales Tax Payable", "0.01"),
        ("JournalCreditLine", "Exchange Gain or Loss", "0.01")]
    trial = balances(company_db)
    assert (trial["Sales"], trial["Sales Tax Payable"],
            trial["Exchange Gain or Loss"]) == (Decimal("0.02"), Decimal("-0.01"),
                                                   Decimal("-0.01"))
    read = answer_to(simulator, _lines_of("000000123", "JournalEntry"))
    assert {(row.findtext("AccountRef/FullName"), row.findtext("EntityRef/FullName"),
             row.findtext("Amount")) for row in read} == {
        ("Sales", None, "0.02"), ("Sales Tax Payable", "State Board", "-0.01"),
        ("Exchange Gain or Loss", None, "-0.01")}
    assert all(row.findtext("TxnType") == "JournalEntry" for row in read)


def test_journal_entry_query_finds_the_entry_by_ref_number(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    simulator, _ = books
    added = accepted(simulator, _entry(_line("Debit", "Sales", "1.00"),
                                  _line("Credit", "Exchange Gain or Loss", "1.00")))
    found = answer_to(simulator, "<JournalEntryQueryRq><RefNumber>000000123</RefNumber>"
                            "</JournalEntryQueryRq>")
    assert status(found) == 0
    assert [ret.findtext("TxnID") for ret in found] == [added.findtext("TxnID")]
    missing = answer_to(simulator, "<JournalEntryQueryRq><RefNumber>000000999</RefNumber>"
                              "</JournalEntryQueryRq>")
    assert status(missing) == 1


@pytest.mark.parametrize(("lines", "says"), [
    ((_line("Debit", "Sales", "0.02"), _line("Credit", "Exchange Gain or Loss", "0.01")),
     "Transaction not in balance."),
    ((_line("Debit", "Sales", "-0.01"), _line("Credit", "Exchange Gain or Loss", "-0.01")),
     "negative"),
    ((_line("Debit", "Accounts Receivable", "1.00"), _line("Credit", "Sales", "1.00")),
     "needs a customer"),
    ((_line("Debit", "Accounts Receivable", "1.00", "State Board"),
      _line("Credit", "Sales", "1.00")), "needs a customer"),
    ((_line("Debit", "Sales", "0.01"), _line("Credit", "Sales Tax Payable", "0.01")),
     "tax agency"),
    ((_line("Debit", "Sales", "0.01"), _line("Credit", "Sales Tax Payable", "0.01", "Bob")),
     "tax agency"),
    ((_line("Debit", "Sales", "0.01", "Ada EUR"), _line("Credit", "Exchange Gain or Loss",
                                                        "0.01")), "is in Euro"),
    ((_line("Debit", "Accounts Receivable", "1.00", "Bob"),
      _line("Credit", "Accounts Payable", "1.00", "State Board")),
     'uses "Accounts Payable", "Accounts Receivable"'),
], ids=["unbalanced", "negative", "ar-without-customer", "ar-with-vendor",
        "tax-without-agency", "tax-with-customer", "foreign-name", "ar-and-ap"])
def test_entries_quickbooks_refuses_are_refused_and_post_nothing(
        books: tuple[QuickBooksSimulator, Path], lines: tuple[str, ...], says: str) -> None:
    """Each refusal is a 3180 in QuickBooks' shape for a journal entry, naming the reason;
    nothing is posted."""
    simulator, company_db = books
    before = balances(company_db)
    rs = answer_to(simulator, _entry(*lines))
    message_text = rs.get("statusMessage") or ""
    assert status(rs) == 3180 and says in message_text, message_text
    assert message_text.startswith("There was an error when saving a General Journal "
                                   "transaction.  QuickBooks error message: ")
    assert balances(company_db) == before


def test_an_unbalanced_entry_gets_quickbooks_own_answer(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    """QuickBooks' words for an unbalanced entry, as a real capture has them."""
    simulator, _ = books
    rs = answer_to(simulator, _entry(_line("Debit", "Sales", "0.02"),
                                     _line("Credit", "Exchange Gain or Loss", "0.01")))
    assert (status(rs), rs.get("statusSeverity"), rs.get("statusMessage")) == (
        3180, "Error", "There was an error when saving a General Journal transaction.  "
                       "QuickBooks error message: Transaction not in balance.")
    assert len(rs) == 0


def test_one_receivable_account_with_several_customers_is_accepted(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    """The one-A/R-or-A/P-account rule counts accounts, not lines: two customers on the
    same Accounts Receivable account post."""
    simulator, company_db = books
    accepted(simulator, "<CustomerAddRq><CustomerAdd><Name>Cy</Name></CustomerAdd>"
                        "</CustomerAddRq>")
    before = balances(company_db)
    accepted(simulator, _entry(_line("Debit", "Accounts Receivable", "1.00", "Bob"),
                               _line("Credit", "Accounts Receivable", "0.40", "Cy"),
                               _line("Credit", "Sales", "0.60")))
    after = balances(company_db)
    moved = {name: after.get(name, Decimal(0)) - before.get(name, Decimal(0))
             for name in ("Accounts Receivable", "Sales")}
    assert moved == {"Accounts Receivable": Decimal("0.60"), "Sales": Decimal("-0.60")}


def test_a_header_memo_is_refused_as_quickbooks_desktop_has_none(
        books: tuple[QuickBooksSimulator, Path], tmp_path: Path) -> None:
    """Memo on JournalEntryAdd is QuickBooks Online Edition's (not in QBD); the lines
    carry the memo. The built-in grammar refuses the element; checked against the XSD
    (which admits it for every edition) the entry is refused with 3180."""
    simulator, _ = books
    body = _entry(_line("Debit", "Sales", "1.00"),
                  _line("Credit", "Exchange Gain or Loss", "1.00"),
                  extra="<Memo>Currency rounding</Memo>")
    with pytest.raises(QbHresultError, match="Memo"):
        simulator.process(message(body))
    checked = QuickBooksSimulator(tmp_path / "xsd.sqlite3",
                                  xsd_dir=reference_path("qbxml", "xsd"))
    try:
        rs = answer_to(checked, body)
        assert status(rs) == 3180 and "Memo" in (rs.get("statusMessage") or "")
    finally:
        checked.close()


def test_an_unknown_account_is_an_invalid_reference(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    simulator, _ = books
    rs = answer_to(simulator, _entry(_line("Debit", "No Such Account", "1.00"),
                                _line("Credit", "Sales", "1.00")))
    assert status(rs) == 3140


def test_a_foreign_currency_entry_is_said_not_to_be_modelled(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    simulator, _ = books
    rs = answer_to(simulator, _entry(
        _line("Debit", "Sales", "1.00"), _line("Credit", "Exchange Gain or Loss", "1.00"),
        extra="<CurrencyRef><FullName>Euro</FullName></CurrencyRef>"
              "<ExchangeRate>1.1</ExchangeRate>"))
    assert status(rs) == 1030 and "does not model" in (rs.get("statusMessage") or "")


def test_a_home_currency_ar_line_with_a_foreign_customer_is_refused(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    """A journal entry without CurrencyRef is in the home currency: a euro customer's
    receivable cannot be on it."""
    simulator, _ = books
    accepted(simulator, "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Ada EUR</FullName>"
                   "</CustomerRef><ExchangeRate>1.1</ExchangeRate><InvoiceLineAdd><Desc>x"
                   "</Desc></InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")
    rs = answer_to(simulator, _entry(_line("Debit", "Accounts Receivable - EUR", "1.00", "Ada EUR"),
                                _line("Credit", "Sales", "1.00")))
    assert status(rs) == 3180 and "Euro" in (rs.get("statusMessage") or "")


def test_sales_tax_item_lines_post_under_their_tax_agency(tmp_path: Path) -> None:
    """An invoice's sales-tax item line credits Sales Tax Payable under the item's tax
    agency, so the liability can be read per agency; an item without one posts under the
    customer."""
    simulator = QuickBooksSimulator(tmp_path / "company.sqlite3")
    try:
        accepted(simulator, "<VendorAddRq><VendorAdd><Name>State Board</Name></VendorAdd>"
                       "</VendorAddRq>")
        accepted(simulator, "<CustomerAddRq><CustomerAdd><Name>Bob</Name></CustomerAdd>"
                       "</CustomerAddRq>")
        add_item(simulator, "WIDGET-1")
        for name, vendor in (("CA Tax", "<TaxVendorRef><FullName>State Board</FullName>"
                                        "</TaxVendorRef>"), ("City Tax", "")):
            accepted(simulator, f"<ItemSalesTaxAddRq><ItemSalesTaxAdd><Name>{name}</Name>"
                           f"<TaxRate>0</TaxRate>{vendor}</ItemSalesTaxAdd>"
                           "</ItemSalesTaxAddRq>")
        lines = "".join(f"<InvoiceLineAdd><ItemRef><FullName>{item}</FullName></ItemRef>"
                        f"<Amount>{amount}</Amount></InvoiceLineAdd>"
                        for item, amount in (("WIDGET-1", "10.00"), ("CA Tax", "0.80"),
                                             ("City Tax", "0.20")))
        invoice = accepted(simulator, "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Bob"
                                 "</FullName></CustomerRef><ItemSalesTaxRef><FullName>City Tax"
                                 f"</FullName></ItemSalesTaxRef>{lines}</InvoiceAdd>"
                                 "</InvoiceAddRq>")
        read = answer_to(simulator, _lines_of(invoice.findtext("RefNumber") or "", "Invoice",
                                         "<TransactionAccountFilter><FullName>Sales Tax "
                                         "Payable</FullName></TransactionAccountFilter>"))
        assert sorted((row.findtext("EntityRef/FullName"), row.findtext("Amount"))
                      for row in read) == [("Bob", "-0.20"), ("State Board", "-0.80")]
    finally:
        simulator.close()


def test_transaction_query_answers_a_foreign_transaction_in_home_currency(
        books: tuple[QuickBooksSimulator, Path]) -> None:
    """A euro invoice's lines come back with CurrencyRef, ExchangeRate and
    AmountInHomeCurrency (the simulator's journal keeps no foreign line amounts)."""
    simulator, _ = books
    add_item(simulator, "WIDGET-1")
    invoice = accepted(simulator, "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Ada EUR"
                             "</FullName></CustomerRef><ExchangeRate>1.1</ExchangeRate>"
                             "<InvoiceLineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef>"
                             "<Amount>0.05</Amount><SalesTaxCodeRef><FullName>Non</FullName>"
                             "</SalesTaxCodeRef></InvoiceLineAdd></InvoiceAdd></InvoiceAddRq>")
    read = answer_to(simulator, _lines_of(invoice.findtext("RefNumber") or "", "Invoice"))
    rows = {row.findtext("AccountRef/FullName"): row for row in read}
    assert rows["Sales"].findtext("AmountInHomeCurrency") == "-0.06"
    assert rows["Sales"].findtext("CurrencyRef/FullName") == "Euro"
    assert rows["Sales"].findtext("ExchangeRate") == "1.1"
    assert rows["Accounts Receivable - EUR"].findtext("AmountInHomeCurrency") == "0.06"
    assert all(row.find("Amount") is None for row in read)
