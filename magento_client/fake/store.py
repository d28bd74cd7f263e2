"""``FakeStore``: the generated dataset behind the fake Magento, mutable by tests.

Mutate through :meth:`FakeStore.update_order` (or call :meth:`FakeStore.touch` after
editing a document in place) so ``updated_at`` moves and the cached JSON is rebuilt.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from magento_client.documents import format_datetime
from magento_client.fake.billing import make_credit_memo, make_invoice, pay_invoice, ship_invoiced
from magento_client.fake.catalog import (
    STORES,
    CatalogProduct,
    StoreSpec,
    build_catalog,
    build_customers,
    build_sources,
    build_stocks,
    product_json,
)
from magento_client.fake.generator import _COUPONS, _PAYMENTS, OrderDraft, build_order

__all__ = ["Credentials", "FakeStore"]

EPOCH = datetime(2026, 1, 5, 8, 0, 0, tzinfo=UTC)
_KINDS = ("simple", "configurable", "bundle-dynamic", "bundle-fixed", "virtual", "downloadable",
          "long-sku")


@dataclass(frozen=True)
class Credentials:
    """The four integration credentials the fake accepts."""

    consumer_key: str
    consumer_secret: str
    access_token: str
    access_token_secret: str

    def as_dict(self) -> dict[str, str]:
        return {"consumer_key": self.consumer_key, "consumer_secret": self.consumer_secret,
                "access_token": self.access_token, "access_token_secret": self.access_token_secret}


def _token(rng: random.Random) -> str:
    return f"{rng.getrandbits(128):032x}"


@dataclass
class FakeStore:
    """Everything the fake serves. Collections are keyed by their Magento id."""

    seed: int
    credentials: Credentials
    stores: tuple[StoreSpec, ...] = STORES
    orders: dict[int, dict[str, Any]] = field(default_factory=dict)
    invoices: dict[int, dict[str, Any]] = field(default_factory=dict)
    creditmemos: dict[int, dict[str, Any]] = field(default_factory=dict)
    shipments: dict[int, dict[str, Any]] = field(default_factory=dict)
    products: dict[int, dict[str, Any]] = field(default_factory=dict)
    customers: dict[int, dict[str, Any]] = field(default_factory=dict)
    sources: list[dict[str, Any]] = field(default_factory=list)
    source_items: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    stocks: list[dict[str, Any]] = field(default_factory=list)
    catalog: list[CatalogProduct] = field(default_factory=list)
    # Behaviour switches a test may flip.
    bearer_enabled: bool = False
    two_factor_enabled: bool = True
    admin_users: dict[str, str] = field(default_factory=lambda: {"admin": "admin123"})
    clock_offset_seconds: float = 0.0
    repeat_last_page: bool = False
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)
    _json_cache: dict[tuple[str, int], bytes] = field(default_factory=dict, repr=False)
    _invoices_by_order: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _memos_by_order: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _shipments_by_order: dict[int, list[int]] = field(default_factory=dict, repr=False)
    _clock: datetime = EPOCH
    # Bumped by every edit; search results cached in an older generation are stale.
    generation: int = 0

    @classmethod
    def generate(cls, orders: int = 50, seed: int = 1, customers: int | None = None) -> FakeStore:
        """A deterministic dataset: same ``orders`` and ``seed``, same bytes."""
        rng = random.Random(seed)
        store = cls(seed=seed, credentials=Credentials(_token(rng), _token(rng), _token(rng),
                                                      _token(rng)))
        store.catalog = build_catalog(rng)
        for product in store.catalog:
            store.products[product.id] = product_json(product, EPOCH - timedelta(days=1))
        for customer in build_customers(rng, customers or max(5, orders // 3), EPOCH - timedelta(days=30)):
            store.customers[customer["id"]] = customer
        store.sources = build_sources()
        store.stocks = build_stocks()
        for product in store.catalog:
            if product.type_id in ("simple", "virtual", "downloadable"):
                for source in ("default", "central", "east", "eu_lyon")[: 1 + product.id % 4]:
                    store.source_items[(product.sku, source)] = {
                        "sku": product.sku, "source_code": source,
                        "quantity": Decimal(rng.randint(0, 500)), "status": 1}
        _Sales(store, rng).generate(orders)
        return store

    # -- mutation -----------------------------------------------------------------------

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(seconds=self.clock_offset_seconds)

    def _moment(self, when: datetime | None) -> datetime:
        """When an edit happens: ``when``, else a second after the last edit or now if
        later, so untimed edits never share an ``updated_at``. The clock never goes back."""
        moment = when or max(self._clock + timedelta(seconds=1), self.now())
        self._clock = max(self._clock, moment)
        return moment

    def touch(self, kind: str, entity_id: int, when: datetime | None = None) -> None:
        """Record an edit: bump ``updated_at``, drop the cached JSON and start a new
        generation (cached search orders are stale)."""
        with self.lock:
            collection: dict[int, dict[str, Any]] = getattr(self, kind)
            collection[entity_id]["updated_at"] = format_datetime(self._moment(when))
            self._json_cache.pop((kind, entity_id), None)
            self.generation += 1

    def update_order(self, entity_id: int, changes: Mapping[str, Any],
                     when: datetime | None = None) -> dict[str, Any]:
        with self.lock:
            self.orders[entity_id].update(changes)
            self.touch("orders", entity_id, when)
            return self.orders[entity_id]

    def cached_json(self, kind: str, entity_id: int) -> bytes | None:
        return self._json_cache.get((kind, entity_id))

    def remember_json(self, kind: str, entity_id: int, body: bytes) -> None:
        self._json_cache[(kind, entity_id)] = body

    # -- reading ------------------------------------------------------------------------

    def store_by_code(self, code: str) -> StoreSpec | None:
        return next((s for s in self.stores if s.code == code), None)

    def invoices_of(self, order_id: int) -> list[dict[str, Any]]:
        return [self.invoices[i] for i in self._invoices_by_order.get(order_id, [])]

    def creditmemos_of(self, order_id: int) -> list[dict[str, Any]]:
        return [self.creditmemos[c] for c in self._memos_by_order.get(order_id, [])]

    def shipments_of(self, order_id: int) -> list[dict[str, Any]]:
        return [self.shipments[s] for s in self._shipments_by_order.get(order_id, [])]

    def ship_order(self, order_id: int, source: str = "default", when: datetime | None = None,
                   *, partial: bool = False) -> dict[str, Any] | None:
        """Ship the invoiced, unshipped units from ``source``, lowering its quantities.
        Magento refuses a shipment its source cannot cover: all of it, or with ``partial``
        the cart entries the source holds enough of (the rest waits for another source).
        None when nothing is shipped."""
        with self.lock:
            order = self.orders[order_id]
            held = {sku: Decimal(item["quantity"])
                    for (sku, code), item in self.source_items.items() if code == source}
            entries = _entries_to_ship(order)
            covered = [(top, units) for top, units in entries
                       if all(held.get(sku, Decimal(-1)) >= qty for sku, qty in units.items())]
            if not covered or (len(covered) < len(entries) and not partial):
                return None
            moment = self._moment(when)
            entity_id = len(self.shipments) + 1
            shipment = ship_invoiced(order, moment, entity_id=entity_id,
                                     increment_id=_increment(self._store_of(order), entity_id),
                                     source_code=source, tops={top for top, _ in covered})
            if shipment is None:
                return None
            for _top, units in covered:
                for sku, qty in units.items():
                    item = self.source_items[(sku, source)]
                    item["quantity"] = Decimal(item["quantity"]) - qty
            self.shipments[entity_id] = shipment
            self._shipments_by_order.setdefault(order_id, []).append(entity_id)
            self.touch("orders", order_id, moment)
            return shipment

    def add_credit_memo(self, memo: dict[str, Any], when: datetime) -> None:
        """Keep a credit memo made ``when`` for its order (``billing.make_credit_memo``)."""
        with self.lock:
            self.creditmemos[memo["entity_id"]] = memo
            self._memos_by_order.setdefault(memo["order_id"], []).append(memo["entity_id"])
            self.touch("orders", memo["order_id"], when)

    def product_by_sku(self, sku: str) -> dict[str, Any] | None:
        return next((p for p in self.products.values() if p["sku"] == sku), None)

    def iter_orders(self) -> Iterator[dict[str, Any]]:
        return iter(self.orders.values())

    def invoice_order(self, order_id: int, units_by_top: Mapping[int, int] | None = None,
                      when: datetime | None = None, *, paid: bool = True) -> dict[str, Any]:
        """Create an invoice (for the remaining quantities when none are given)."""
        with self.lock:
            order = self.orders[order_id]
            if units_by_top is None:
                units_by_top = {
                    r["item_id"]: int(Decimal(r["qty_ordered"]) - Decimal(r["qty_invoiced"]))
                    for r in order["items"]
                    if "parent_item_id" not in r and Decimal(r["qty_ordered"]) > Decimal(r["qty_invoiced"])
                }
            entity_id = len(self.invoices) + 1
            moment = self._moment(when)
            invoice = make_invoice(order, units_by_top, entity_id=entity_id,
                                   increment_id=_increment(self._store_of(order), entity_id),
                                   created_at=moment, prior=self.invoices_of(order_id),
                                   paid=paid)
            self.invoices[entity_id] = invoice
            self._invoices_by_order.setdefault(order_id, []).append(entity_id)
            self.touch("orders", order_id, moment)
            return invoice

    def _store_of(self, order: Mapping[str, Any]) -> StoreSpec:
        return next(s for s in self.stores if s.store_id == order["store_id"])


def _entries_to_ship(order: Mapping[str, Any]) -> list[tuple[int, dict[str, Decimal]]]:
    """Per cart entry (top-level row id), the units per SKU a source gives up for its
    invoiced, unshipped units: simple rows and bundle parts; a configurable's on its parent
    row (which carries the variant's SKU), never on the child row as well; nothing for
    virtual rows or bundle parents. Entries with nothing to ship are left out."""
    rows = {row["item_id"]: row for row in order["items"]}
    entries: dict[int, dict[str, Decimal]] = {}
    for row in order["items"]:
        parent = rows.get(row.get("parent_item_id"))
        top = parent["item_id"] if parent is not None else row["item_id"]
        units = Decimal(row["qty_invoiced"]) - Decimal(row["qty_shipped"])
        if row.get("is_virtual") or units <= 0:
            continue
        entry = entries.setdefault(top, {})
        if row["product_type"] in ("bundle", "virtual", "downloadable") or (
                parent is not None and parent["product_type"] == "configurable"):
            continue
        entry[row["sku"]] = entry.get(row["sku"], Decimal(0)) + units
    return [(top, units) for top, units in entries.items() if units]


def _increment(store: StoreSpec, number: int) -> str:
    # Magento's default pattern: store-id prefix + 9-digit counter; store 2 uses a text prefix
    # so its ids run past QuickBooks' 11-character RefNumber.
    return f"{store.increment_prefix}{number:09d}"


class _Sales:
    """Turns scenario numbers into orders, invoices and credit memos."""

    def __init__(self, store: FakeStore, rng: random.Random) -> None:
        self.store = store
        self.rng = rng
        self.next_item_id = 1
        self.by_kind: dict[str, list[CatalogProduct]] = {kind: [] for kind in _KINDS}
        for product in store.catalog:
            if product.parent is not None:
                continue
            kind = product.type_id
            if product.type_id == "bundle":
                kind = f"bundle-{product.bundle_price_type}"
            elif product.type_id == "simple" and len(product.sku) > 31:
                kind = "long-sku"
            self.by_kind[kind].append(product)

    def generate(self, count: int) -> None:
        index = 0
        while len(self.store.orders) < count:
            created = EPOCH + timedelta(minutes=7 * index, seconds=self.rng.randint(0, 59))
            edited = index % 13 == 7 and len(self.store.orders) + 2 <= count
            order = self._order(index, created)
            if edited:
                order = self._edit(order, created + timedelta(minutes=3))
            self._lifecycle(order, index, created)
            self.store._clock = max(self.store._clock, created)
            index += 1

    def _draft(self, index: int, created: datetime, entity_id: int, increment_id: str,
               store: StoreSpec) -> OrderDraft:
        rng = self.rng
        if index % 11 == 5:
            kinds = ["virtual", "downloadable"]
        else:
            kinds = [_KINDS[index % len(_KINDS)], *rng.sample(_KINDS, rng.randint(0, 2))]
        entries = [(rng.choice(self.by_kind[kind]), rng.randint(1, 3)) for kind in kinds]
        customer = None if index % 5 == 1 else self.store.customers[
            1 + index % len(self.store.customers)]
        return OrderDraft(
            entity_id=entity_id, increment_id=increment_id, store=store, created_at=created,
            entries=entries, customer=customer,
            coupon=_COUPONS[index % 2] if index % 3 == 0 else None,
            tax_rate=rng.choice(store.tax_rates), payment_method=_PAYMENTS[index % len(_PAYMENTS)],
            shipping_base=Decimal(rng.choice(("5.00", "10.00", "12.50"))),
            # Every ninth order's coupon also halves shipping.
            shipping_discount=Decimal("0.5") if index % 9 == 0 else Decimal(0),
        )

    def _order(self, index: int, created: datetime) -> dict[str, Any]:
        store = self.store.stores[1] if index % 4 == 3 else self.store.stores[0]
        entity_id = len(self.store.orders) + 1
        draft = self._draft(index, created, entity_id, _increment(store, entity_id), store)
        order = build_order(draft, self.next_item_id, self.rng)
        self.next_item_id += len(order["items"])
        self.store.orders[entity_id] = order
        return order

    def _edit(self, original: dict[str, Any], created: datetime) -> dict[str, Any]:
        """Admin "Edit": the original is cancelled and ``<increment>-1`` replaces it."""
        store = self.store._store_of(original)
        entity_id = len(self.store.orders) + 1
        draft = self._draft(0, created, entity_id, f"{original['increment_id']}-1", store)
        order = build_order(draft, self.next_item_id, self.rng)
        self.next_item_id += len(order["items"])
        order.update({"relation_parent_id": str(original["entity_id"]),
                      "relation_parent_real_id": original["increment_id"],
                      "original_increment_id": original["increment_id"], "edit_increment": 1})
        original.update({"state": "canceled", "status": "canceled",
                         "relation_child_id": str(entity_id),
                         "relation_child_real_id": order["increment_id"],
                         "total_canceled": original["grand_total"],
                         "base_total_canceled": original["base_grand_total"],
                         "updated_at": format_datetime(created)})
        for row in original["items"]:
            row["qty_canceled"] = row["qty_ordered"]
        self.store.orders[entity_id] = order
        return order

    def _lifecycle(self, order: dict[str, Any], index: int, created: datetime) -> None:
        store = self.store
        tops = [r for r in order["items"] if "parent_item_id" not in r]
        plan = index % 6
        if plan == 0:
            if index % 17 == 9:
                order.update({"state": "canceled", "status": "canceled",
                              "total_canceled": order["grand_total"],
                              "base_total_canceled": order["base_grand_total"]})
            return
        first_units = {r["item_id"]: int(r["qty_ordered"]) for r in tops}
        if plan in (1, 2):
            # Partial: the first entry only, and a single unit of it when it has several.
            first_units = {tops[0]["item_id"]: 1}
        # Some invoices are captured a day or two after they are raised.
        later = index % 8 == 3
        first = store.invoice_order(order["entity_id"], first_units, created + timedelta(hours=1),
                                    paid=not later)
        if later:
            pay_invoice(order, first, created + timedelta(days=1 + index % 2, hours=2))
        if plan == 2:
            store.invoice_order(order["entity_id"], None, created + timedelta(hours=5))
        if plan in (3, 4):
            # MSI's source selection: what the eastern source holds leaves from there,
            # the rest from the default source (two shipments, one per source).
            if plan == 3:
                store.ship_order(order["entity_id"], "east", created + timedelta(hours=6),
                                 partial=True)
            store.ship_order(order["entity_id"], "default", created + timedelta(hours=6))
        if index % 12 == 10:
            # An invoice raised with nothing left to invoice: 0.00 and no items.
            store.invoice_order(order["entity_id"], {}, created + timedelta(hours=7))
        invoices = store.invoices_of(order["entity_id"])
        if index % 5 == 2 or index % 7 == 4:
            self._refund(order, index, created + timedelta(days=2), invoices)

    def _refund(self, order: dict[str, Any], index: int, when: datetime,
                invoices: list[dict[str, Any]]) -> None:
        store = self.store
        invoiced = [r for r in order["items"]
                    if "parent_item_id" not in r and Decimal(r["qty_invoiced"]) > 0]
        if not invoiced:
            return
        row = invoiced[0]
        units = 1 if index % 5 == 2 else int(Decimal(row["qty_invoiced"]))
        partial = index % 5 == 2
        entity_id = len(store.creditmemos) + 1
        memo = make_credit_memo(
            order, {row["item_id"]: units}, entity_id=entity_id,
            increment_id=_increment(store._store_of(order), entity_id), created_at=when,
            prior=store.creditmemos_of(order["entity_id"]),
            refund_shipping=not partial and order["base_shipping_amount"] > 0,
            adjustment_positive=Decimal("2.50") if partial else Decimal("0"),
            adjustment_negative=Decimal("1.00") if partial else Decimal("0"),
            invoice_id=invoices[0]["entity_id"] if order["payment"]["method"] == "braintree" else None,
            back_to_stock=index % 2 == 0,
        )
        store.add_credit_memo(memo, when)
