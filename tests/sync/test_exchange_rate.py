"""The exchange rate of a foreign-currency document: QuickBooks converts the total at the
rate and each line on its own, so the rate is chosen to fit Magento's base amounts account
by account where one rate can, and the total always."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from qbwc_service.sync.posting.common import account_exact_rate, home_exchange_rate

CENT = Decimal("0.01")
TAX = "Sales tax 19%"


@dataclass
class _Doc:
    increment_id: str
    grand_total: Decimal
    base_grand_total: Decimal
    base_tax_amount: Decimal
    base_to_order_rate: Decimal


def _convert(amount: Decimal, rate: Decimal) -> Decimal:
    """QuickBooks' conversion of one amount (half up to the cent)."""
    return (amount * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def _lines(*amounts: str, tax: str) -> list[dict[str, Any]]:
    return [*({"ItemRef": {"FullName": f"SKU-{n}"}, "Amount": Decimal(a)}
              for n, a in enumerate(amounts)),
            {"ItemRef": {"FullName": TAX}, "Amount": Decimal(tax)}]


def _accounts(lines: list[dict[str, Any]], rate: Decimal) -> tuple[Decimal, Decimal]:
    tax = sum((_convert(line["Amount"], rate) for line in lines
               if line["ItemRef"]["FullName"] == TAX), Decimal(0))
    other = sum((_convert(line["Amount"], rate) for line in lines
                 if line["ItemRef"]["FullName"] != TAX), Decimal(0))
    return other, tax


def test_the_rate_fits_income_and_tax_when_one_rate_can() -> None:
    # 27.07 + 43.72 + 13.45 tax = 84.24 EUR; Magento's base: 91.42 total, 14.60 tax.
    lines = _lines("27.07", "43.72", tax="13.45")
    doc = _Doc("EU-1", Decimal("84.24"), Decimal("91.42"), Decimal("14.60"), Decimal("0.9215"))
    total_only = home_exchange_rate(cast(Any, doc))
    rate = account_exact_rate(cast(Any, doc), lines, lines[-1:])
    assert _convert(doc.grand_total, rate) == doc.base_grand_total
    assert _accounts(lines, rate) == (Decimal("76.82"), Decimal("14.60"))
    # The total's own rate alone would not have done it: the search mattered.
    assert _convert(doc.grand_total, total_only) == doc.base_grand_total
    assert _accounts(lines, total_only) != (Decimal("76.82"), Decimal("14.60"))


def test_the_total_always_fits_even_when_no_rate_fits_every_account() -> None:
    # Magento's base tax (26.78) lies outside what any rate fitting the total gives 24.69.
    lines = _lines("106.15", "12.45", "22.03", "3.84", "-21.11", tax="24.69")
    doc = _Doc("EU-2", Decimal("148.05"), Decimal("160.66"), Decimal("26.78"),
               Decimal("0.9215"))
    rate = account_exact_rate(cast(Any, doc), lines, lines[-1:])
    assert rate == home_exchange_rate(cast(Any, doc))
    assert _convert(doc.grand_total, rate) == doc.base_grand_total
