"""Small Magento documents built the way Magento totals them (JSON shapes of the REST API)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from magento_client.documents import CreditMemo, Invoice, Order

CENT = Decimal("0.01")


def r2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Line:
    """One sold product: a simple row, or a configurable/bundle parent with its children."""

    sku: str
    price: Decimal  # excl. tax unless the builder is tax-inclusive
    qty: Decimal = Decimal(1)
    discount: Decimal = Decimal(0)  # incl. tax when the builder is tax-inclusive
    tax_rate: Decimal = Decimal(0)
    kind: str = "simple"  # simple | virtual | configurable | bundle_dynamic | bundle_fixed
    children: list[Line] = field(default_factory=list)
    # Magento tax rate codes making up tax_rate, e.g. (("US-IL", 0.0625), ("US-IL-COOK", 0.02))
    rates: tuple[tuple[str, Decimal], ...] = ()
    cost: Decimal | None = None  # Magento's base_cost
    shipped: Decimal = Decimal(0)  # qty_shipped on the order row

    def rate_parts(self) -> tuple[tuple[str, Decimal], ...]:
        if self.rates or not self.tax_rate:
            return self.rates
        return ((f"RATE-{self.tax_rate * 100:.2f}", self.tax_rate),)


def split_tax(tax: Decimal, parts: tuple[tuple[str, Decimal], ...]) -> list[tuple[str, Decimal]]:
    """Magento's per-rate amounts of one row's tax: each part rounded, the last takes the rest."""
    total = sum((rate for _code, rate in parts), Decimal(0))
    out: list[tuple[str, Decimal]] = []
    for code, rate in parts[:-1]:
        out.append((code, r2(tax * rate / total)))
    if parts:
        out.append((parts[-1][0], tax - sum((amount for _code, amount in out), Decimal(0))))
    return out


def _amounts(line: Line, inclusive: bool, rate: Decimal) -> dict[str, Decimal]:
    """Row amounts in base currency plus their order-currency twins."""
    if inclusive:
        incl = r2(line.price * line.qty)
        row = r2(incl / (1 + line.tax_rate))
        hidden = r2(line.discount * line.tax_rate / (1 + line.tax_rate))
        tax = incl - row - hidden
    else:
        row = r2(line.price * line.qty)
        hidden = Decimal(0)
        tax = r2((row - line.discount) * line.tax_rate)
        incl = row + r2(row * line.tax_rate)
    base = {"row_total": row, "tax_amount": tax, "discount_amount": line.discount,
            "discount_tax_compensation_amount": hidden, "row_total_incl_tax": incl,
            "price": r2(row / line.qty)}
    out: dict[str, Decimal] = {}
    for key, value in base.items():
        out[f"base_{key}"] = value
        out[key] = r2(value * rate)
    return out


class OrderBuilder:
    """Builds an order and matching invoice / credit memo payloads with consistent totals."""

    def __init__(self, *, entity_id: int = 1, increment_id: str = "000000001",
                 inclusive: bool = False, rate: Decimal = Decimal(1), shipping: Decimal = Decimal(0),
                 shipping_tax_rate: Decimal = Decimal(0), guest: bool = False,
                 customer_id: int = 7, email: str = "ann@example.com", first: str = "Ann",
                 last: str = "Lee", method: str = "checkmo", store_id: int = 1,
                 created_at: str = "2024-03-01 12:00:00", state: str = "processing",
                 currency: str = "USD", base_currency: str = "USD",
                 shipping_rates: tuple[tuple[str, Decimal], ...] = ()) -> None:
        self.entity_id, self.increment_id = entity_id, increment_id
        self.inclusive, self.rate = inclusive, rate
        self.shipping, self.shipping_tax_rate = shipping, shipping_tax_rate
        self.guest, self.customer_id, self.email = guest, customer_id, email
        self.first, self.last, self.method, self.store_id = first, last, method, store_id
        self.created_at, self.state = created_at, state
        self.currency, self.base_currency = currency, base_currency
        self.shipping_rates = shipping_rates or (
            ((f"RATE-{shipping_tax_rate * 100:.2f}", shipping_tax_rate),)
            if shipping_tax_rate else ())
        self.lines: list[Line] = []
        self.rows: list[dict[str, Any]] = []
        self._next_item = 1
        self.extra: dict[str, Any] = {}

    def add(self, line: Line) -> OrderBuilder:
        self.lines.append(line)
        return self

    def _row(self, line: Line, parent: dict[str, Any] | None, money: bool,
             product_type: str) -> dict[str, Any]:
        row: dict[str, Any] = {"item_id": self._next_item, "sku": line.sku, "name": f"Product {line.sku}",
                               "product_type": product_type, "qty_ordered": line.qty,
                               "product_id": 100 + self._next_item,
                               "tax_percent": line.tax_rate * 100 if money else 0}
        self._next_item += 1
        row["qty_invoiced"] = line.qty
        row["qty_shipped"] = line.shipped
        if line.cost is not None:
            row["base_cost"] = line.cost
        if parent is not None:
            row["parent_item_id"] = parent["item_id"]
            row["parent_item"] = {k: v for k, v in parent.items() if k != "parent_item"}
        if line.kind == "virtual":
            row["is_virtual"] = 1
        if money:
            row.update(_amounts(line, self.inclusive, self.rate))
        self.rows.append(row)
        return row

    def _rows(self) -> list[tuple[dict[str, Any], Line | None]]:
        """(row, money line) pairs; the money line is None for rows that carry no money."""
        self.rows, self._next_item = [], 1
        out: list[tuple[dict[str, Any], Line | None]] = []
        for line in self.lines:
            if line.kind in ("simple", "virtual"):
                out.append((self._row(line, None, True, line.kind), line))
            elif line.kind == "configurable":
                parent = self._row(line, None, True, "configurable")
                out.append((parent, line))
                out.append((self._row(Line(line.sku, Decimal(0), line.qty), parent, False, "simple"),
                            None))
            elif line.kind == "bundle_dynamic":
                total = Line(line.sku, sum((c.price * c.qty for c in line.children), Decimal(0)), line.qty)
                parent = self._row(total, None, False, "bundle")
                parent["product_options"] = {"product_calculations": 0}
                out.append((parent, None))
                for child in line.children:
                    out.append((self._row(child, parent, True, "simple"), child))
            elif line.kind == "bundle_fixed":
                parent = self._row(line, None, True, "bundle")
                parent["product_options"] = {"product_calculations": 1}
                out.append((parent, line))
                for child in line.children:
                    out.append((self._row(child, parent, False, "simple"), None))
        return out

    def _totals(self, pairs: list[tuple[dict[str, Any], Line | None]], shipping: Decimal,
                extra: Decimal = Decimal(0)) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for prefix, factor in (("base_", Decimal(1)), ("", self.rate)):
            money_rows = [row for row, line in pairs if line is not None]
            subtotal = sum((row[f"{prefix}row_total"] for row in money_rows), Decimal(0))
            tax = sum((row[f"{prefix}tax_amount"] for row in money_rows), Decimal(0))
            discount = sum((row[f"{prefix}discount_amount"] for row in money_rows), Decimal(0))
            hidden = sum((row[f"{prefix}discount_tax_compensation_amount"] for row in money_rows),
                         Decimal(0))
            ship = r2(shipping * factor)
            ship_tax = r2(ship * self.shipping_tax_rate)
            adj = r2(extra * factor)
            out.update({
                f"{prefix}subtotal": subtotal, f"{prefix}tax_amount": tax + ship_tax,
                f"{prefix}shipping_amount": ship, f"{prefix}shipping_tax_amount": ship_tax,
                f"{prefix}discount_amount": -discount,
                f"{prefix}discount_tax_compensation_amount": hidden,
                f"{prefix}grand_total": subtotal + tax + ship_tax + ship + hidden - discount + adj,
            })
        return out

    def _common(self) -> dict[str, Any]:
        return {"store_id": self.store_id, "created_at": self.created_at,
                "updated_at": self.created_at, "base_to_order_rate": self.rate,
                "order_currency_code": self.currency, "base_currency_code": self.base_currency}

    def _applied_taxes(self, pairs: list[tuple[dict[str, Any], Line | None]]) -> dict[str, Any]:
        """extension_attributes.applied_taxes and item_applied_taxes, as Magento sends them."""
        overall: dict[str, dict[str, Any]] = {}
        per_item: list[dict[str, Any]] = []

        def applied(parts: tuple[tuple[str, Decimal], ...], base_tax: Decimal,
                    tax: Decimal) -> list[dict[str, Any]]:
            rows = []
            for (code, rate), (_c, base), (_c2, amount) in zip(
                    parts, split_tax(base_tax, parts), split_tax(tax, parts), strict=True):
                rows.append({"code": code, "title": code, "percent": rate * 100,
                             "amount": amount, "base_amount": base})
                entry = overall.setdefault(code, {"code": code, "title": code,
                                                  "percent": rate * 100, "amount": Decimal(0),
                                                  "base_amount": Decimal(0)})
                entry["amount"] += amount
                entry["base_amount"] += base
            return rows

        for row, line in pairs:
            if line is not None and line.rate_parts() and row.get("base_tax_amount"):
                per_item.append({"type": "product", "item_id": row["item_id"],
                                 "applied_taxes": applied(line.rate_parts(),
                                                          row["base_tax_amount"],
                                                          row["tax_amount"])})
        totals = self._totals(pairs, self.shipping)
        if self.shipping_rates and totals["base_shipping_tax_amount"]:
            per_item.append({"type": "shipping", "item_id": None, "applied_taxes": applied(
                self.shipping_rates, totals["base_shipping_tax_amount"],
                totals["shipping_tax_amount"])})
        return {"applied_taxes": list(overall.values()), "item_applied_taxes": per_item}

    def order(self) -> Order:
        pairs = self._rows()
        address = {"firstname": self.first, "lastname": self.last, "street": ["1 Main St"],
                   "city": "Springfield", "region_code": "IL", "postcode": "62701",
                   "country_id": "US", "telephone": "555-0100", "email": self.email}
        payload: dict[str, Any] = {
            "entity_id": self.entity_id, "increment_id": self.increment_id, "state": self.state,
            "customer_id": None if self.guest else self.customer_id,
            "customer_is_guest": 1 if self.guest else 0, "customer_email": self.email,
            "customer_firstname": self.first, "customer_lastname": self.last,
            "billing_address": address, "payment": {"method": self.method},
            "items": [row for row, _line in pairs], **self._common(),
            **self._totals(pairs, self.shipping),
            "extension_attributes": self._applied_taxes(pairs), **self.extra,
        }
        return Order.from_json(payload)

    def _doc_rows(self, pairs: list[tuple[dict[str, Any], Line | None]],
                  skus: set[str] | None) -> list[tuple[dict[str, Any], Line | None]]:
        picked = []
        for row, line in pairs:
            top_sku = row.get("parent_item", {}).get("sku", row["sku"])
            if skus is None or top_sku in skus or row["sku"] in skus:
                doc_row = {"order_item_id": row["item_id"], "sku": row["sku"], "qty": row["qty_ordered"],
                           "name": row["name"], "product_id": row["product_id"]}
                if line is not None:
                    doc_row.update({k: v for k, v in row.items() if "total" in k or "amount" in k
                                    or k.endswith("price")})
                picked.append((doc_row, line))
        return picked

    def invoice(self, *, entity_id: int = 1, increment_id: str = "000000001",
                state: int = 2, skus: set[str] | None = None, with_shipping: bool = True,
                created_at: str | None = None, updated_at: str | None = None) -> Invoice:
        pairs = self._doc_rows(self._rows(), skus)
        shipping = self.shipping if with_shipping else Decimal(0)
        payload = {"entity_id": entity_id, "increment_id": increment_id, "order_id": self.entity_id,
                   "state": state, "items": [row for row, _ in pairs], **self._common(),
                   **self._totals(pairs, shipping)}
        if created_at:
            payload["created_at"] = payload["updated_at"] = created_at
        if updated_at:
            payload["updated_at"] = updated_at
        return Invoice.from_json(payload)

    def credit_memo(self, *, entity_id: int = 1, increment_id: str = "000000001",
                    invoice_id: int | None = 1, skus: set[str] | None = None,
                    shipping: Decimal = Decimal(0), adjustment_positive: Decimal = Decimal(0),
                    adjustment_negative: Decimal = Decimal(0),
                    **extra: Any) -> CreditMemo:
        pairs = self._doc_rows(self._rows(), skus)
        totals = self._totals(pairs, shipping, adjustment_positive - adjustment_negative)
        payload = {"entity_id": entity_id, "increment_id": increment_id, "order_id": self.entity_id,
                   "invoice_id": invoice_id, "state": 2, "items": [row for row, _ in pairs],
                   "adjustment_positive": r2(adjustment_positive * self.rate),
                   "base_adjustment_positive": adjustment_positive,
                   "adjustment_negative": r2(adjustment_negative * self.rate),
                   "base_adjustment_negative": adjustment_negative,
                   **self._common(), **totals, **extra}
        return CreditMemo.from_json(payload)
