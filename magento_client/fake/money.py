"""Line pricing the way Magento computes it, to the cent, in one currency at a time.

Tax-exclusive catalogs apply the discount before tax. Tax-inclusive catalogs apply the
discount to the tax-inclusive price; the tax that discount would have carried is kept as
``discount_tax_compensation_amount`` ("hidden tax"), so in both cases::

    row_total - discount_amount + tax_amount + discount_tax_compensation_amount
        == what the customer pays for the row
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = ["CENT", "LINE_FIELDS", "ZERO", "cents", "price_line", "prorate", "zero_line"]

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

# Amount fields of an order row that scale with the quantity.
LINE_FIELDS: tuple[str, ...] = (
    "row_total",
    "row_total_incl_tax",
    "tax_amount",
    "discount_amount",
    "discount_tax_compensation_amount",
)


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def price_line(
    unit_price: Decimal,
    qty: int,
    tax_rate: Decimal,
    discount_rate: Decimal,
    *,
    inclusive: bool,
) -> dict[str, Decimal]:
    """Amounts of one priced row; ``unit_price`` includes tax when ``inclusive``."""
    one = Decimal(1)
    if inclusive:
        row_incl = cents(unit_price * qty)
        row_total = cents(row_incl / (one + tax_rate))
        full_tax = row_incl - row_total
        discount = cents(row_incl * discount_rate)
        tax = cents((row_incl - discount) * tax_rate / (one + tax_rate))
        return {
            "price": cents(unit_price / (one + tax_rate)),
            "price_incl_tax": cents(unit_price),
            "original_price": cents(unit_price / (one + tax_rate)),
            "row_total": row_total,
            "row_total_incl_tax": row_incl,
            "tax_amount": tax,
            "discount_amount": discount,
            "discount_tax_compensation_amount": full_tax - tax,
        }
    row_total = cents(unit_price * qty)
    discount = cents(row_total * discount_rate)
    tax = cents((row_total - discount) * tax_rate)
    return {
        "price": cents(unit_price),
        "price_incl_tax": cents(unit_price * (one + tax_rate)),
        "original_price": cents(unit_price),
        "row_total": row_total,
        "row_total_incl_tax": row_total + cents(row_total * tax_rate),
        "tax_amount": tax,
        "discount_amount": discount,
        "discount_tax_compensation_amount": ZERO,
    }


def zero_line(unit_price: Decimal = ZERO) -> dict[str, Decimal]:
    """A row that carries no money (configurable child, fixed-bundle component)."""
    return {
        "price": ZERO,
        "price_incl_tax": ZERO,
        "original_price": cents(unit_price),
        **{name: ZERO for name in LINE_FIELDS},
    }


def prorate(total: Decimal, already: Decimal, qty: Decimal, remaining_qty: Decimal,
            ordered_qty: Decimal) -> Decimal:
    """Share of ``total`` for ``qty`` units; the last share takes the rounding remainder."""
    if qty >= remaining_qty:
        return total - already
    return cents(total * qty / ordered_qty)
