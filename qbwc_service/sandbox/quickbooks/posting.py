"""Which accounts a transaction debits and credits, the way QuickBooks Desktop posts it.

- Invoice: Accounts Receivable debit (the customer's balance); each line credits its
  item's income account (``OverrideItemAccountRef`` wins); sales-tax items and the
  document's sales tax credit Sales Tax Payable, the liability QuickBooks keeps for the tax
  agencies; discount and other-charge items post to their own accounts; inventory lines
  credit Inventory Asset and debit Cost of Goods Sold at the item's average cost.
- Sales receipt: the same with the deposit account (default Undeposited Funds).
- Credit memo: the reverse of an invoice; inventory comes back at average cost.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from lxml import etree

from qbwc_service.sandbox.quickbooks.company import Company, invalid_reference
from qbwc_service.sandbox.quickbooks.ledger import Posting, average_cost, item_totals
from qbwc_service.sandbox.quickbooks.refusals import save_refused
from qbwc_service.sandbox.quickbooks.retxml import from_text, text_of
from qbwc_service.sandbox.quickbooks.store import ListRow

__all__ = ["SALES_TAX_PAYABLE", "SalesLine", "account_id", "line_account", "move_stock",
           "post_sales_document", "sales_tax_account", "stored_ret", "tax_agency"]

_CENT = Decimal("0.01")
# Where an item's sale is credited, by item kind (paths into the item's Ret).
_INCOME_PATHS = ("IncomeAccountRef/ListID", "SalesOrPurchase/AccountRef/ListID",
                 "SalesAndPurchase/IncomeAccountRef/ListID", "AccountRef/ListID")
SALES_TAX_PAYABLE = "Sales Tax Payable"


@dataclass(frozen=True)
class SalesLine:
    """What a sales line posts: its account, amount and, for inventory, the stock moved."""

    item: ListRow | None
    account_id: str | None
    amount: Decimal
    site_id: str = ""
    quantity: Decimal = Decimal(0)


@lru_cache(maxsize=512)
def _parsed(ret_xml: str) -> etree._Element:
    return from_text(ret_xml)


def stored_ret(item: ListRow) -> etree._Element:
    """The item's stored Ret, parsed once: for reading the accounts and prices it was given
    (never the computed quantity or cost, never to be changed)."""
    return _parsed(item.ret_xml)


def account_id(company: Company, full_name: str) -> str:
    row = company.store.find_list(("Account",), full_name)
    if row is None:
        raise invalid_reference(("Account",), full_name, "transaction")
    return row.list_id


def sales_tax_account(company: Company) -> str:
    return account_id(company, SALES_TAX_PAYABLE)


def tax_agency(item: ListRow | None) -> str | None:
    """The tax agency (vendor ListID) a sales-tax item's amounts are owed to, if it has one."""
    if item is None or item.kind != "ItemSalesTax":
        return None
    return text_of(stored_ret(item), "TaxVendorRef/ListID")


def _line_of(item: ListRow) -> str:
    return f'transaction line for item "{item.full_name}"'


def line_account(company: Company, item: ListRow | None,
                 override: etree._Element | None) -> str | None:
    """The account a sales line credits; ``None`` for lines without an item (descriptions)."""
    if override is not None:
        return text_of(override, "ListID")
    if item is None:
        return None
    if item.kind == "ItemSalesTax":
        return sales_tax_account(company)
    ret = stored_ret(item)
    for path in _INCOME_PATHS:
        found = text_of(ret, path)
        if found:
            return found
    raise save_refused(_line_of(item), "The item has no income account.")


def _item_account(company: Company, item: ListRow, path: str) -> str:
    found = text_of(stored_ret(item), path)
    if not found:
        raise save_refused(_line_of(item), f"{path.split('/')[0]} is required for this item "
                                           "type.")
    return found


def move_stock(company: Company, posting: Posting, item: ListRow, site_id: str,
               quantity: Decimal, counter_account: str | None, entity_id: str | None = None,
               value: Decimal | None = None) -> Decimal:
    """Move ``quantity`` (negative out) of ``item`` at ``site_id`` against ``counter_account``.

    ``counter_account`` ``None`` leaves the other side to the caller. The value moved is
    the quantity at average cost unless ``value`` is given; the last
    units out take whatever value is left, so an item with nothing on hand is worth nothing.
    Returns the value moved (positive into stock).
    """
    store = company.store
    fallback = Decimal(text_of(stored_ret(item), "PurchaseCost") or "0")
    if value is None:
        on_hand, worth = item_totals(store, item.list_id)
        pending = [e for e in posting.entries if e.item_id == item.list_id and e.quantity]
        on_hand += sum((e.quantity or Decimal(0) for e in pending), Decimal(0))
        worth += sum((e.amount for e in pending), Decimal(0))
        if on_hand > 0:
            cost = worth / on_hand
            store.set_meta(f"average_cost:{item.list_id}", str(cost))
        else:
            cost = average_cost(store, item.list_id, fallback)
        value = (quantity * cost).quantize(_CENT, rounding=ROUND_HALF_UP)
        if on_hand + quantity == 0 and on_hand != 0:
            value = -worth
    asset = _item_account(company, item, "AssetAccountRef/ListID")
    # Stock is valued in home currency whatever the transaction's currency.
    posting.add(asset, value, entity_id=entity_id, item_id=item.list_id, site_id=site_id,
                quantity=quantity, home=True)
    if counter_account is not None:
        posting.add(counter_account, -value, entity_id=entity_id, item_id=item.list_id,
                    home=True)
    return value


def post_sales_document(company: Company, posting: Posting, kind: str, header_account: str,
                        customer_id: str | None, lines: list[SalesLine], tax: Decimal,
                        total: Decimal) -> None:
    """Journal lines of an invoice, sales receipt (sign +1) or credit memo (sign -1)."""
    sign = Decimal(-1) if kind == "CreditMemo" else Decimal(1)
    posting.add(header_account, total * sign, entity_id=customer_id)
    for line in lines:
        if line.account_id is not None:
            posting.add(line.account_id, -line.amount * sign,
                        entity_id=tax_agency(line.item) or customer_id,
                        item_id=line.item.list_id if line.item is not None else None)
        if line.item is not None and line.item.kind == "ItemInventory":
            cogs = _item_account(company, line.item, "COGSAccountRef/ListID")
            move_stock(company, posting, line.item, line.site_id, -line.quantity * sign, cogs,
                       entity_id=customer_id)
    if tax:
        posting.add(sales_tax_account(company), -tax * sign, entity_id=customer_id)
