"""Multicurrency as QuickBooks Desktop keeps it, for the transactions the simulator books.

What Intuit documents, and the simulator does:

- Multicurrency is a company preference with a home currency; once on it cannot be
  turned off ("Set up and use multicurrency", QuickBooks Desktop help). ``PreferencesRet/
  MultiCurrencyPreferences`` reports ``IsMultiCurrencyOn`` and ``HomeCurrencyRef``.
- Each customer, vendor, bank, credit card, A/R and A/P account has one currency; income,
  expense and other accounts are always in home currency. Existing names and accounts
  are in the home currency, and a name's or account's currency cannot change once
  transactions are recorded for it (in-product help, "Multicurrency and files updated
  from earlier versions"; "Set up and use multicurrency").
- A transaction is in its customer's (or payee's) currency, converted at its
  ``ExchangeRate`` (home-currency units per foreign unit). Reports and the ledger are in
  home currency. Deposits may go to a home-currency account or one of the transaction's
  currency; a foreign account must be of the transaction's currency ("How to make
  foreign deposits", in-product help).
- A foreign customer's receivables are kept in an A/R account of that currency, which
  QuickBooks creates the first time it needs one; the simulator names it after the home
  A/R account and the currency code ("Accounts Receivable - EUR").
- Differences between the rate a payment, credit or refund is booked at and the rate of
  the invoice or credit memo it settles go to the Exchange Gain or Loss account, which
  QuickBooks adds when multicurrency is turned on (Intuit KB SLN63815).

Not confirmed by any source found, so the stricter reading is taken and said:

- Rounding. The header line (A/R, or the deposit account of a sales receipt) is the
  total at the rate; every other line is converted on its own and rounded to the cent;
  what the rounding leaves goes to Exchange Gain or Loss, visibly, never into income or
  tax. ``TotalAmountInHomeCurrency`` is the converted total.
- Refusals, with status codes from QuickBooks' families and our own wording (no capture
  of real answers was found): ``ExchangeRate`` or a ``CurrencyRef`` with multicurrency
  off (3250, feature not enabled); a rate other than 1 on a home-currency transaction,
  an A/R account of another currency than the customer's, a foreign account of another
  currency than the transaction's, a foreign currency on an income or expense account,
  and a currency change of a name with transactions (3180, QuickBooks' save refusals).
- A foreign transaction without ``ExchangeRate`` would take the rate of QuickBooks'
  currency list; the simulator keeps no rates there, so it refuses and says so.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import REF_KINDS, Company, invalid_reference
from qbwc_service.sandbox.quickbooks.ledger import Posting, to_home
from qbwc_service.sandbox.quickbooks.refusals import invalid_value, not_enabled, save_refused
from qbwc_service.sandbox.quickbooks.retxml import element, from_text, money, text_of
from qbwc_service.sandbox.quickbooks.store import ListRow
from qbwc_service.sandbox.quickbooks.txnbase import parts_ref

__all__ = [
    "EXCHANGE_ACCOUNT",
    "TxnCurrency",
    "check_account",
    "check_list_currency",
    "currency_of",
    "exchange_account",
    "home_taken",
    "posting_rate",
    "receivable_ref",
    "settle_exchange",
    "txn_accounts",
    "txn_currency",
]

EXCHANGE_ACCOUNT = "Exchange Gain or Loss"
_RECEIVABLE = "Accounts Receivable"
_FOREIGN_ACCOUNT_TYPES = frozenset({"Bank", "CreditCard", "AccountsReceivable",
                                    "AccountsPayable"})
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class TxnCurrency:
    """A transaction's currency (QuickBooks' name, e.g. "Euro") and its ExchangeRate."""

    name: str
    rate: Decimal
    is_home: bool

    def ret_parts(self, company: Company, total: Decimal | None,
                  total_tag: str | None) -> list[etree._Element]:
        """CurrencyRef, ExchangeRate and the total in home currency, as the Ret has them."""
        ref = company.default_ref("CurrencyRef", "Currency", self.name)
        if ref is None:
            ref = element("CurrencyRef", children=[element("FullName", self.name)])
        parts = [ref, element("ExchangeRate", _rate_text(self.rate))]
        if total is not None and total_tag is not None:
            parts.append(element(total_tag, money(self.to_home(total))))
        return parts

    def to_home(self, amount: Decimal) -> Decimal:
        return to_home(amount, self.rate)


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


def currency_of(company: Company, row: ListRow | None) -> str | None:
    """The currency of a customer, vendor or account (the home currency unless it has
    one of its own); ``None`` with multicurrency off."""
    if company.home_currency is None:
        return None
    if row is None:
        return company.home_currency
    return text_of(from_text(row.ret_xml), "CurrencyRef/FullName") or company.home_currency


def _code(company: Company, name: str) -> str:
    row = company.store.find_list(("Currency",), name)
    return (text_of(from_text(row.ret_xml), "CurrencyCode") if row is not None else None) or name


def check_list_currency(company: Company, kind: str, source: etree._Element,
                        existing: ListRow | None = None) -> None:
    """A CurrencyRef on a customer, vendor or account Add or Mod, checked as QuickBooks
    would (see the module docstring)."""
    currency = source.find("CurrencyRef")
    if currency is None:
        return
    if company.home_currency is None:
        raise not_enabled()
    row = company.lookup(("Currency",), currency)
    name = row.full_name if row is not None else None
    if kind == "Account" and name != company.home_currency:
        account_type = text_of(source, "AccountType") or (
            text_of(from_text(existing.ret_xml), "AccountType") if existing else None)
        if account_type not in _FOREIGN_ACCOUNT_TYPES:
            raise save_refused(f"{kind} list", f"An account of type {account_type} is always in "
                                "the home currency.")
    if existing is not None and name is not None and name != currency_of(company, existing) \
            and _has_transactions(company, existing):
        raise save_refused(f"{kind} list", f'The currency of "{existing.full_name}" cannot be '
                            "changed: transactions are recorded for it.")


def _has_transactions(company: Company, row: ListRow) -> bool:
    found = company.store.connection.execute(
        "SELECT 1 FROM journal WHERE entity_id = ? OR account_id = ? LIMIT 1",
        (row.list_id, row.list_id)).fetchone()
    return found is not None


def txn_currency(company: Company, what: str, source: etree._Element,
                 parts: list[etree._Element],
                 entity_tag: str = "CustomerRef") -> TxnCurrency | None:
    """The currency and rate of a transaction Add ``source`` for its customer or payee, the
    ``entity_tag`` of its resolved header ``parts``; ``None`` with multicurrency off.
    Refuses what QuickBooks refuses. The ExchangeRate leaves ``parts``: the Ret gives it
    after the totals (``TxnCurrency.ret_parts``)."""
    entity_ref = parts_ref(parts, entity_tag)
    entity = company.lookup(REF_KINDS[entity_tag], entity_ref) if entity_ref is not None \
        else None
    parts[:] = [part for part in parts if part.tag != "ExchangeRate"]
    rate_text = text_of(source, "ExchangeRate")
    home = company.home_currency
    if home is None:
        if rate_text is not None:
            raise not_enabled()
        return None
    name = currency_of(company, entity) or home
    rate = Decimal(rate_text) if rate_text else None
    if name == home:
        if rate is not None and rate != 1:
            raise save_refused(what, f"The exchange rate of a transaction in the home currency "
                                f"({home}) is 1, not {rate_text}.")
        return TxnCurrency(home, Decimal(1), True)
    if rate is None:
        raise save_refused(what, f"No exchange rate for {name}: this simulated QuickBooks keeps "
                            "no rates in its currency list (real QuickBooks would take the "
                            "list's rate); give ExchangeRate.")
    if rate <= 0:
        raise invalid_value("ExchangeRate", str(rate_text),
                            "An exchange rate must be greater than zero.")
    return TxnCurrency(name, rate, False)


def posting_rate(currency: TxnCurrency | None) -> Decimal | None:
    """The rate a transaction's journal lines are converted at; ``None`` in home currency."""
    return currency.rate if currency is not None and not currency.is_home else None


def txn_accounts(company: Company, currency: TxnCurrency | None, parts: list[etree._Element],
                 source: etree._Element, what: str, account_tag: str, *, receivable: bool,
                 default_account: str | None = None) -> None:
    """The accounts of a transaction Add completed in ``parts`` and checked against its
    currency: with ``receivable``, the A/R account (``receivable_ref``); the money account
    ``account_tag``, ``default_account`` when the request names none (3140 when the company
    file has no account of that name, e.g. its "Undeposited Funds" renamed)."""
    if receivable:
        given = parts_ref(parts, "ARAccountRef")
        found = receivable_ref(company, currency, given, what)
        if given is None:
            parts.append(found)
    if default_account is not None and source.find(account_tag) is None:
        default = company.default_ref(account_tag, "Account", default_account)
        if default is None:
            raise invalid_reference(("Account",), default_account, what)
        parts.append(default)
    check_account(company, currency, parts_ref(parts, account_tag), what)


def home_taken(rate: Decimal, before: Decimal, after: Decimal) -> Decimal:
    """What moving an open balance from ``before`` to ``after`` (foreign amounts) takes
    off it in home currency at its own ``rate``: the steps add up to its converted
    total, so an open balance settled in several steps leaves no cent behind."""
    return to_home(before, rate) - to_home(after, rate)


def receivable_ref(company: Company, currency: TxnCurrency | None,
                   given: etree._Element | None, what: str) -> etree._Element:
    """The transaction's ARAccountRef: the one given, which must be in the customer's
    currency, else the A/R account of that currency (created the first time, as
    QuickBooks does); 3140 when the company file has no "Accounts Receivable"."""
    if given is not None:
        if currency is not None:
            row = company.lookup(("Account",), given)
            held = currency_of(company, row)
            if held != currency.name:
                raise save_refused(what, f'The A/R account "{row.full_name if row else ""}" is '
                                    f"in {held}; this customer's transactions are in "
                                    f"{currency.name} and go to an A/R account in {currency.name}.")
        return given
    base = company.default_ref("ARAccountRef", "Account", _RECEIVABLE)
    if base is None:
        raise invalid_reference(("Account",), _RECEIVABLE, what)
    if currency is None or currency.is_home:
        return base
    name = f"{text_of(base, 'FullName')} - {_code(company, currency.name)}"
    found = company.default_ref("ARAccountRef", "Account", name)
    if found is not None:
        return found
    from qbwc_service.sandbox.quickbooks.lists import create_list

    row = create_list(company, "Account", element("Seed", children=[
        element("Name", name), element("AccountType", "AccountsReceivable"),
        element("CurrencyRef", children=[element("FullName", currency.name)])]))
    return company.ref("ARAccountRef", row)


def check_account(company: Company, currency: TxnCurrency | None,
                  ref: etree._Element | None, what: str) -> None:
    """A deposit, refund or bank account of a foreign transaction: home currency or the
    transaction's; an A/R account: the transaction's only."""
    if currency is None or ref is None:
        return
    row = company.lookup(("Account",), ref)
    held = currency_of(company, row)
    account_type = text_of(from_text(row.ret_xml), "AccountType") if row is not None else None
    allowed = {currency.name} if account_type == "AccountsReceivable" \
        else {currency.name, company.home_currency}
    if held not in allowed:
        raise save_refused(what, f'The account "{row.full_name if row else ""}" is in {held}; '
                            f"this transaction is in {currency.name}.")


def exchange_account(company: Company) -> str:
    """Exchange Gain or Loss, which QuickBooks adds with multicurrency (SLN63815)."""
    row = company.store.find_list(("Account",), EXCHANGE_ACCOUNT)
    if row is None:
        from qbwc_service.sandbox.quickbooks.lists import create_list

        row = create_list(company, "Account", element("Seed", children=[
            element("Name", EXCHANGE_ACCOUNT), element("AccountType", "OtherExpense")]))
    return row.list_id


def settle_exchange(company: Company, posting: Posting, *, rounding_only: bool) -> None:
    """What a transaction's conversion leaves unbalanced, to Exchange Gain or Loss:
    rounding of its converted lines (``rounding_only``), or the difference between the
    rates of a payment, credit or refund and of what it settles."""
    if posting.difference:
        posting.balance_to(exchange_account(company), rounding_only=rounding_only)
