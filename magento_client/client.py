"""The Magento 2 REST client: typed endpoints over :class:`MagentoTransport`.

SKUs are never put in URL paths where a search filter can do the job: encoded ``/`` and
``&`` in paths break Magento's OAuth check (magento2 #37830) and Apache (#8615).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import requests

from magento_client.config import MagentoConfig
from magento_client.documents import (
    BundleOption,
    CreditMemo,
    Customer,
    Invoice,
    LegacyStockItem,
    Order,
    Product,
    Shipment,
    Source,
    SourceItem,
    Stock,
    StoreConfig,
)
from magento_client.paging import iter_search
from magento_client.search import SearchCriteria, encode_query
from magento_client.transport import MagentoTransport

__all__ = ["ENTITIES", "EntitySpec", "IncrementalPull", "MagentoClient"]

T = TypeVar("T")


@dataclass(frozen=True)
class EntitySpec(Generic[T]):
    """How one searchable entity is listed: path, id key in rows, id field in filters."""

    path: str
    id_key: str
    id_field: str
    parse: Callable[[dict[str, Any]], T]


ENTITIES: dict[str, EntitySpec[Any]] = {
    "orders": EntitySpec("/V1/orders", "entity_id", "entity_id", Order.from_json),
    "invoices": EntitySpec("/V1/invoices", "entity_id", "entity_id", Invoice.from_json),
    "creditmemos": EntitySpec("/V1/creditmemos", "entity_id", "entity_id", CreditMemo.from_json),
    "products": EntitySpec("/V1/products", "id", "entity_id", Product.from_json),
    "customers": EntitySpec("/V1/customers/search", "id", "entity_id", Customer.from_json),
    "shipments": EntitySpec("/V1/shipments", "entity_id", "entity_id", Shipment.from_json),
}


class IncrementalPull(Generic[T]):
    """Documents with ``updated_at >= since - overlap``; ``max_updated_at`` once iterated.

    Safe to repeat: the overlap re-reads a window, so the caller upserts by id. Store
    ``max_updated_at`` as the next watermark only after every document was handled; it
    stays None when nothing matched, so the old watermark is kept.
    """

    def __init__(self, rows: Iterator[dict[str, Any]], parse: Callable[[dict[str, Any]], T],
                 since: datetime) -> None:
        self._rows = rows
        self._parse = parse
        self.since = since
        self.max_updated_at: datetime | None = None
        self.count = 0

    def __iter__(self) -> Iterator[T]:
        for row in self._rows:
            document = self._parse(row)
            updated = getattr(document, "updated_at", None)
            if isinstance(updated, datetime) and (
                self.max_updated_at is None or updated > self.max_updated_at
            ):
                self.max_updated_at = updated
            self.count += 1
            yield document


class MagentoClient:
    """Reads orders, invoices, credit memos, shipments, catalog, customers and MSI; writes
    source items."""

    def __init__(
        self,
        config: MagentoConfig,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.transport = MagentoTransport(config, session, sleep=sleep)

    def __enter__(self) -> MagentoClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        self.transport.close()

    # -- generic -----------------------------------------------------------------------

    def get(self, path: str, criteria: SearchCriteria | None = None) -> Any:
        return self.transport.request("GET", path, query=criteria.encode() if criteria else "")

    def search_rows(
        self,
        path: str,
        criteria: SearchCriteria | None = None,
        *,
        id_key: str = "entity_id",
        id_field: str = "entity_id",
        keyset: bool = False,
        page_size: int | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Every row of a search endpoint, paged with the stop rules of :mod:`paging`."""
        return iter_search(
            lambda page: self.get(path, page),
            criteria or SearchCriteria(),
            page_size=page_size or self.config.page_size,
            id_key=id_key,
            id_field=id_field,
            keyset=keyset,
        )

    def search(self, entity: str, criteria: SearchCriteria | None = None, *,
               keyset: bool = False) -> Iterator[Any]:
        spec = ENTITIES[entity]
        rows = self.search_rows(spec.path, criteria, id_key=spec.id_key,
                                id_field=spec.id_field, keyset=keyset)
        return (spec.parse(row) for row in rows)

    def count(self, entity: str, criteria: SearchCriteria | None = None) -> int:
        """``total_count`` of a search, fetching one row only."""
        spec = ENTITIES[entity]
        body = self.get(spec.path, (criteria or SearchCriteria()).page(1, 1)
                        .with_fields("total_count"))
        return int(body.get("total_count") or 0) if isinstance(body, dict) else 0

    def iter_updated(
        self, entity: str, since: datetime, overlap: timedelta = timedelta(minutes=10),
        criteria: SearchCriteria | None = None,
    ) -> IncrementalPull[Any]:
        """Incremental pull on ``updated_at`` (UTC), keyset-paged by id."""
        spec = ENTITIES[entity]
        start = since - overlap
        query = (criteria or SearchCriteria()).where("updated_at", start, "gteq")
        rows = self.search_rows(spec.path, query, id_key=spec.id_key, id_field=spec.id_field,
                                keyset=True)
        return IncrementalPull(rows, spec.parse, start)

    # -- sales ---------------------------------------------------------------------------

    def orders(self, criteria: SearchCriteria | None = None, *, keyset: bool = False) -> Iterator[Order]:
        return self.search("orders", criteria, keyset=keyset)

    def order(self, entity_id: int) -> Order:
        return Order.from_json(self.get(f"/V1/orders/{int(entity_id)}"))

    def order_by_increment_id(self, increment_id: str, store_id: int | None = None) -> Order | None:
        """Increment ids are unique per store only; pass ``store_id`` on multi-store sites."""
        criteria = SearchCriteria().where("increment_id", increment_id)
        if store_id is not None:
            criteria = criteria.where("store_id", store_id)
        return next(self.orders(criteria), None)

    def invoices(self, criteria: SearchCriteria | None = None, *, keyset: bool = False) -> Iterator[Invoice]:
        return self.search("invoices", criteria, keyset=keyset)

    def invoice(self, entity_id: int) -> Invoice:
        return Invoice.from_json(self.get(f"/V1/invoices/{int(entity_id)}"))

    def credit_memos(self, criteria: SearchCriteria | None = None, *,
                     keyset: bool = False) -> Iterator[CreditMemo]:
        return self.search("creditmemos", criteria, keyset=keyset)

    def credit_memo(self, entity_id: int) -> CreditMemo:
        # The single-document path is singular: /V1/creditmemo/{id}.
        return CreditMemo.from_json(self.get(f"/V1/creditmemo/{int(entity_id)}"))

    def shipments(self, criteria: SearchCriteria | None = None, *,
                  keyset: bool = False) -> Iterator[Shipment]:
        return self.search("shipments", criteria, keyset=keyset)

    def shipment(self, entity_id: int) -> Shipment:
        # The single-document path is singular, like credit memos: /V1/shipment/{id}.
        return Shipment.from_json(self.get(f"/V1/shipment/{int(entity_id)}"))

    def shipments_for_order(self, order_id: int) -> list[Shipment]:
        """The order's shipments, each naming the MSI source that shipped it."""
        return list(self.shipments(SearchCriteria().where("order_id", order_id)))

    def for_orders(self, entity: str, order_ids: Iterable[int], *,
                   chunk: int = 100) -> Iterator[Any]:
        """The ``invoices``, ``creditmemos`` or ``shipments`` of many orders: ``order_id in
        (...)`` in chunks so URLs stay short, a few searches instead of one per order."""
        for criteria in _in_chunks("order_id", order_ids, chunk):
            yield from self.search(entity, criteria)

    # -- catalog and customers -----------------------------------------------------------

    def products(self, criteria: SearchCriteria | None = None, *, keyset: bool = False) -> Iterator[Product]:
        return self.search("products", criteria, keyset=keyset)

    def product(self, sku: str) -> Product | None:
        return next(self.products(SearchCriteria().where("sku", sku)), None)

    def configurable_children(self, sku: str) -> list[Product]:
        body = self.get(f"/V1/configurable-products/{quote(sku, safe='')}/children")
        return [Product.from_json(row) for row in body or []]

    def bundle_options(self, sku: str) -> list[BundleOption]:
        body = self.get(f"/V1/bundle-products/{quote(sku, safe='')}/options/all")
        return [BundleOption.from_json(row) for row in body or []]

    def customers(self, criteria: SearchCriteria | None = None, *, keyset: bool = False) -> Iterator[Customer]:
        return self.search("customers", criteria, keyset=keyset)

    def customer(self, customer_id: int) -> Customer:
        return Customer.from_json(self.get(f"/V1/customers/{int(customer_id)}"))

    def store_configs(self, store_codes: Iterable[str] = ()) -> list[StoreConfig]:
        codes = list(store_codes)
        query = encode_query((f"storeCodes[{i}]", code) for i, code in enumerate(codes))
        body = self.transport.request("GET", "/V1/store/storeConfigs", query=query)
        return [StoreConfig.from_json(row) for row in body or []]

    # -- inventory (MSI and legacy) ------------------------------------------------------

    def sources(self, criteria: SearchCriteria | None = None) -> Iterator[Source]:
        rows = self.search_rows("/V1/inventory/sources", criteria, id_key="source_code",
                                id_field="source_code")
        return (Source.from_json(row) for row in rows)

    def stocks(self, criteria: SearchCriteria | None = None) -> Iterator[Stock]:
        rows = self.search_rows("/V1/inventory/stocks", criteria, id_key="stock_id",
                                id_field="stock_id")
        return (Stock.from_json(row) for row in rows)

    def source_items(self, criteria: SearchCriteria | None = None) -> Iterator[SourceItem]:
        """Source items have no single id column; order by sku and source for stable pages."""
        base = criteria or SearchCriteria()
        if not base.sort_orders:
            base = base.sort("sku").sort("source_code")
        rows = self.search_rows("/V1/inventory/source-items", base, id_key="_none")
        seen: set[tuple[str, str]] = set()
        for row in rows:
            item = SourceItem.from_json(row)
            if (item.sku, item.source_code) not in seen:
                seen.add((item.sku, item.source_code))
                yield item

    def source_items_for_skus(self, skus: Iterable[str], source_code: str | None = None,
                              *, chunk: int = 50) -> Iterator[SourceItem]:
        """Quantities for many SKUs, ``sku in (...)`` in chunks so URLs stay short."""
        for criteria in _in_chunks("sku", skus, chunk):
            if source_code is not None:
                criteria = criteria.where("source_code", source_code)
            yield from self.source_items(criteria)

    def save_source_items(self, items: Iterable[SourceItem], *, batch_size: int | None = None) -> int:
        """Absolute quantities per sku+source in batches; retried, since repeating is harmless."""
        size = batch_size or self.config.write_batch_size
        pending = list(items)
        batches = 0
        for start in range(0, len(pending), size):
            payload = {"sourceItems": [item.to_json() for item in pending[start:start + size]]}
            self.transport.request("POST", "/V1/inventory/source-items", json_body=payload,
                                   idempotent=True)
            batches += 1
        return batches

    def legacy_stock_item(self, sku: str) -> LegacyStockItem:
        """Single-stock ``/V1/stockItems/{sku}``; read only, MSI replaced it."""
        return LegacyStockItem.from_json(self.get(f"/V1/stockItems/{quote(sku, safe='')}"))

    # -- writes that are never retried ---------------------------------------------------

    def post(self, path: str, body: Any) -> Any:
        """A create (invoice, refund, ship): sent once, never retried automatically."""
        return self.transport.request("POST", path, json_body=body, idempotent=False)


def _in_chunks(field: str, values: Iterable[object], chunk: int) -> Iterator[SearchCriteria]:
    """``field in (...)`` over the distinct values, at most ``chunk`` of them a search."""
    pending = list(dict.fromkeys(values))
    for start in range(0, len(pending), chunk):
        yield SearchCriteria().where(field, pending[start:start + chunk], "in")
