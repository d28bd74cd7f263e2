"""General journal entries: JournalEntryAdd, posted straight to the accounts it names.

What Intuit documents, and the simulator does (Onscreen Reference, JournalEntryAdd):

- The entry has no header ``Memo`` in QuickBooks Desktop (the 14.0 annotations: "not in
  QBD"; it is QuickBooks Online Edition's); each line has its own. A header Memo is
  refused.
- Debit and credit lines may be intermingled (qbXML 2.0 and later); one request carries
  every line, and "the total monetary amount from the credits [must equal] the total
  monetary amount from the debits in that request". An unbalanced entry gets QuickBooks'
  own answer, a real capture quoted by Acctivate
  (hub.acctivate.com/articles/transaction-not-in-balance-error-during-synchronization):
  3180 "There was an error when saving a General Journal transaction.  QuickBooks error
  message: Transaction not in balance."
- "DO NOT supply negative sign for the monetary amounts … you'll get a runtime error":
  a negative line amount is refused.
- Each line posts to its account: a debit line debits it, a credit line credits it, under
  the line's ``EntityRef`` (customer, vendor, employee or other name), so registers,
  reports and TransactionQuery see the entry like any other transaction.
- QuickBooks Desktop takes one Accounts Receivable or Accounts Payable account per journal
  entry, and an A/R line needs a customer, an A/P line a vendor (qbgarage.com on general
  journal entries to A/R and A/P; Teletracker's QuickBooks interface guide: QuickBooks
  "prohibits entries from posting to more than 1 'Accounts Receivable' and 'Accounts
  Payable' account type per journal entry"). Both are refused.

Not confirmed by any source found, so the stricter reading is taken and said:

- A Sales Tax Payable line needs the tax agency (a vendor) as its name: QuickBooks' own
  guidance for a sales tax journal entry is to "select the name of the applicable tax
  agency … in the Name column" and to "enter separate sales tax payable lines for each tax
  agency", and the Sales Tax Payable register's Vendor column is what the sales tax
  liability report reads.
- Status codes and wording. Every refusal of QuickBooks' save logic is 3180 in the
  captured shape above; the reason after "QuickBooks error message:" is QuickBooks' only
  for the unbalanced entry, ours (no capture found) for a negative amount, a header Memo,
  a line without an account or without the name its account needs, a second A/R or A/P
  account, and a home-currency entry naming an account or name in another currency.
- Multicurrency: an entry without ``CurrencyRef`` is in the home currency and may name
  only home-currency accounts and names. A foreign-currency entry (``CurrencyRef`` other
  than the home currency, ``ExchangeRate``), ``IsHomeCurrencyAdjustment`` and
  ``IsAmountsEnteredInHomeCurrency`` are not modelled: refused with 1030, saying so.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Answer, Company
from qbwc_service.sandbox.quickbooks.currency import currency_of
from qbwc_service.sandbox.quickbooks.ledger import Posting
from qbwc_service.sandbox.quickbooks.posting import SALES_TAX_PAYABLE, stored_ret
from qbwc_service.sandbox.quickbooks.refusals import not_enabled, not_modelled, save_refused
from qbwc_service.sandbox.quickbooks.retxml import element, money, text_of
from qbwc_service.sandbox.quickbooks.store import ListRow
from qbwc_service.sandbox.quickbooks.txnbase import LABEL, header, save, stamp, txn_date_of

__all__ = ["JOURNAL_ADDS", "add_journal_entry"]

JOURNAL_ADDS = frozenset({"JournalEntry"})
_KIND = "JournalEntry"
_LINES = ("JournalDebitLine", "JournalCreditLine")
_ENTITIES = ("Customer", "Vendor", "Employee", "OtherName")
_CENT = Decimal("0.01")
# Account type -> the kind of name its lines must carry, and how QuickBooks calls it.
_NAME_NEEDED = {"AccountsReceivable": ("Customer", "a customer"),
                "AccountsPayable": ("Vendor", "a vendor")}
_UNBALANCED = "Transaction not in balance."


def _check_currency(company: Company, source: etree._Element) -> None:
    """Only home-currency entries are modelled (see the module docstring)."""
    for flag in ("IsHomeCurrencyAdjustment", "IsAmountsEnteredInHomeCurrency"):
        if text_of(source, flag) == "true":
            raise not_modelled(f"A journal entry with {flag}")
    ref = source.find("CurrencyRef")
    if ref is None and source.find("ExchangeRate") is None:
        return
    if company.home_currency is None:
        raise not_enabled()
    row = company.lookup(("Currency",), ref) if ref is not None else None
    if row is None or row.full_name != company.home_currency:
        raise not_modelled("A journal entry in a foreign currency")


def _is_sales_tax_payable(account: ListRow) -> bool:
    ret = stored_ret(account)
    return text_of(ret, "SpecialAccountType") == "SalesTaxPayable" \
        or account.full_name == SALES_TAX_PAYABLE


def _account_type(account: ListRow) -> str:
    return text_of(stored_ret(account), "AccountType") or ""


def _check_one_register(accounts: list[ListRow]) -> None:
    """At most one Accounts Receivable or Accounts Payable account in one entry."""
    registers = {account.list_id: account.full_name for account in accounts
                 if _account_type(account) in _NAME_NEEDED}
    if len(registers) > 1:
        names = ", ".join(f'"{name}"' for name in sorted(registers.values()))
        raise save_refused(LABEL[_KIND], f"A journal entry may use one Accounts Receivable or "
                           f"Accounts Payable account; this one uses {names}.")


def _check_name(company: Company, account: ListRow, entity: ListRow | None) -> None:
    """The name an A/R, A/P or Sales Tax Payable line must carry, in the home currency."""
    needed = _NAME_NEEDED.get(_account_type(account))
    if needed is None and _is_sales_tax_payable(account):
        needed = ("Vendor", "the sales tax agency (a vendor)")
    if needed is not None and (entity is None or entity.kind != needed[0]):
        raise save_refused(LABEL[_KIND], f'A line on "{account.full_name}" needs {needed[1]} '
                           "in the Name column.")
    home = company.home_currency
    if home is None:
        return
    for row in (account, entity):
        if row is not None and row.kind in ("Account", "Customer", "Vendor") \
                and currency_of(company, row) != home:
            raise save_refused(LABEL[_KIND], f'"{row.full_name}" is in '
                               f"{currency_of(company, row)}; this journal entry is in {home}.")


def add_journal_entry(company: Company, source: etree._Element) -> Answer:
    """Post a balanced journal entry; refuse what QuickBooks refuses (module docstring)."""
    _check_currency(company, source)
    if source.find("Memo") is not None:
        raise save_refused(LABEL[_KIND], "A journal entry has no Memo of its own in QuickBooks "
                           "Desktop; give each line its Memo.")
    parts, txn_id, now_text, epoch = stamp(company, _KIND, source)
    parts += header(company, _KIND, source, frozenset({"TxnDate", *_LINES}))
    posting = Posting(txn_id, _KIND, txn_date_of(parts))
    debits = credits = Decimal(0)
    accounts: list[ListRow] = []
    for number, line in enumerate((c for c in source if c.tag in _LINES), start=1):
        where = "Journal Entry line"
        line_parts = [element("TxnLineID", f"{number:X}-{epoch}")]
        account_ref = line.find("AccountRef")
        if account_ref is None:
            raise save_refused(LABEL[_KIND], "A journal line needs an account.")
        account_ref = company.resolve(account_ref, where)
        account = company.lookup(("Account",), account_ref)
        assert account is not None
        accounts.append(account)
        _check_one_register(accounts)
        amount = Decimal(text_of(line, "Amount") or "0")
        if amount < 0:
            raise save_refused(LABEL[_KIND], f"The amount {amount} is negative; journal lines "
                               "take amounts without a sign (debit or credit says which way).")
        amount = amount.quantize(_CENT, rounding=ROUND_HALF_UP)
        entity_ref = line.find("EntityRef")
        entity = None
        if entity_ref is not None:
            entity_ref = company.resolve(entity_ref, where, _ENTITIES)
            entity = company.lookup(_ENTITIES, entity_ref)
        _check_name(company, account, entity)
        line_parts += [account_ref, element("Amount", money(amount))]
        memo = text_of(line, "Memo")
        if memo is not None:
            line_parts.append(element("Memo", memo))
        if entity_ref is not None:
            line_parts.append(entity_ref)
        class_ref = line.find("ClassRef")
        if class_ref is not None:
            line_parts.append(company.resolve(class_ref, where))
        debit = line.tag == "JournalDebitLine"
        if debit:
            debits += amount
        else:
            credits += amount
        posting.add(account.list_id, amount if debit else -amount,
                    entity_id=entity.list_id if entity is not None else None)
        parts.append(element(str(line.tag), children=line_parts))
    if debits != credits:
        raise save_refused(LABEL[_KIND], _UNBALANCED)
    posting.save(company.store)
    return save(company, _KIND, parts, txn_id, now_text, epoch, debits, customer_id=None,
                source=source)
