"""The REST endpoints of the fake: one small handler per route, over a :class:`FakeStore`."""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any
from urllib.parse import unquote

from magento_client.fake.catalog import store_config_json
from magento_client.fake.render import dumps, plain, render_order
from magento_client.fake.search import (
    SearchError,
    apply_fields,
    parse_criteria,
    parse_query,
    run_search,
)
from magento_client.fake.store import FakeStore

__all__ = ["ApiError", "Router"]

_NOT_FOUND = "The entity that was requested doesn't exist. Verify the entity and try again."


class ApiError(Exception):
    """An error answer with Magento's ``{message, parameters}`` body."""

    def __init__(self, status: int, template: str, parameters: object = None) -> None:
        super().__init__(template)
        self.status = status
        self.template = template
        self.parameters = parameters

    def body(self) -> bytes:
        document: dict[str, Any] = {"message": self.template}
        if self.parameters is not None:
            document["parameters"] = self.parameters
        return json.dumps(document).encode()


Handler = Callable[[list[str], str, bytes], tuple[int, bytes]]


class Router:
    """Maps ``(method, path pattern)`` to handlers; path SKUs arrive already decoded."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.base_url = ""
        self._order_cache: dict[str, dict[Any, Any]] = {}
        self.admin_tokens: set[str] = set()
        self.source_item_writes = 0
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []
        for method, pattern, handler in (
            ("GET", r"V1/orders", self.search_orders),
            ("GET", r"V1/orders/(\d+)", self.get_order),
            ("GET", r"V1/invoices", self.search_invoices),
            ("GET", r"V1/invoices/(\d+)", self.get_invoice),
            ("GET", r"V1/creditmemos", self.search_creditmemos),
            ("GET", r"V1/creditmemo/(\d+)", self.get_creditmemo),
            ("GET", r"V1/shipments", self.search_shipments),
            ("GET", r"V1/shipment/(\d+)", self.get_shipment),
            ("GET", r"V1/products", self.search_products),
            ("GET", r"V1/products/([^/]+)", self.get_product),
            ("GET", r"V1/configurable-products/([^/]+)/children", self.configurable_children),
            ("GET", r"V1/bundle-products/([^/]+)/options/all", self.bundle_options),
            ("GET", r"V1/customers/search", self.search_customers),
            ("GET", r"V1/customers/(\d+)", self.get_customer),
            ("GET", r"V1/store/storeConfigs", self.store_configs),
            ("GET", r"V1/store/storeViews", self.store_views),
            ("GET", r"V1/inventory/sources", self.search_sources),
            ("GET", r"V1/inventory/stocks", self.search_stocks),
            ("GET", r"V1/inventory/source-items", self.search_source_items),
            ("POST", r"V1/inventory/source-items", self.save_source_items),
            ("GET", r"V1/stockItems/([^/]+)", self.legacy_stock_item),
            ("POST", r"V1/integration/admin/token", self.admin_token),
            ("POST", r"V1/order/(\d+)/invoice", self.create_invoice),
        ):
            self._routes.append((method, re.compile(f"^{pattern}$"), handler))

    def dispatch(self, method: str, segments: list[str], query: str, payload: bytes) -> tuple[int, bytes]:
        path = "/".join(segments)
        for route_method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and route_method == method:
                try:
                    with self.store.lock:
                        return handler([unquote(g) for g in match.groups()], query, payload)
                except SearchError as error:
                    raise ApiError(400, error.template, error.parameters) from None
        raise ApiError(404, "Request does not match any route.")

    # -- helpers ------------------------------------------------------------------------

    def _search(self, kind: str, rows: Iterable[Mapping[str, Any]], query: str, *,
                render: Callable[[Mapping[str, Any]], Any] | None = None,
                aliases: Mapping[str, str] | None = None, default_sort: str | None = None,
                id_key: str = "entity_id") -> tuple[int, bytes]:
        criteria = parse_criteria(parse_query(query))
        page, total = run_search(rows, criteria, aliases=aliases, default_sort=default_sort,
                                 repeat_last_page=self.store.repeat_last_page,
                                 order_cache=self._order_cache.setdefault(kind, {}),
                                 generation=self.store.generation)
        if criteria.fields:
            envelope = {"items": [plain(render(row) if render else row) for row in page],
                        "search_criteria": criteria.echo, "total_count": total}
            return 200, dumps(apply_fields(envelope, criteria.fields))
        parts = [self._cached(kind, row, render, id_key) for row in page]
        tail = dumps({"search_criteria": criteria.echo, "total_count": total})
        return 200, b'{"items":[' + b",".join(parts) + b"]," + tail[1:]

    def _cached(self, kind: str, row: Mapping[str, Any],
                render: Callable[[Mapping[str, Any]], Any] | None, id_key: str) -> bytes:
        entity_id = row.get(id_key)
        if not isinstance(entity_id, int):
            return dumps(render(row) if render else row)
        body = self.store.cached_json(kind, entity_id)
        if body is None:
            body = dumps(render(row) if render else row)
            self.store.remember_json(kind, entity_id, body)
        return body

    def _one(self, kind: str, collection: Mapping[int, Mapping[str, Any]], entity_id: str,
             render: Callable[[Mapping[str, Any]], Any] | None = None) -> tuple[int, bytes]:
        row = collection.get(int(entity_id))
        if row is None:
            raise ApiError(404, _NOT_FOUND)
        return 200, self._cached(kind, row, render, "id" if "id" in row else "entity_id")

    # -- sales --------------------------------------------------------------------------

    def search_orders(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("orders", self.store.orders.values(), query, render=render_order,
                            default_sort="entity_id")

    def get_order(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        return self._one("orders", self.store.orders, groups[0], render_order)

    def search_invoices(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("invoices", self.store.invoices.values(), query,
                            default_sort="entity_id")

    def get_invoice(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        return self._one("invoices", self.store.invoices, groups[0])

    def search_creditmemos(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("creditmemos", self.store.creditmemos.values(), query,
                            default_sort="entity_id")

    def get_creditmemo(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        return self._one("creditmemos", self.store.creditmemos, groups[0])

    def search_shipments(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("shipments", self.store.shipments.values(), query,
                            default_sort="entity_id")

    def get_shipment(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        return self._one("shipments", self.store.shipments, groups[0])

    def create_invoice(self, groups: list[str], _: str, payload: bytes) -> tuple[int, bytes]:
        order = self.store.orders.get(int(groups[0]))
        if order is None:
            raise ApiError(404, _NOT_FOUND)
        body = json.loads(payload or b"{}")
        units = {int(i["order_item_id"]): int(i["qty"]) for i in body.get("items") or []}
        if not units and all(r["qty_invoiced"] >= r["qty_ordered"] for r in order["items"]):
            raise ApiError(400, "The order does not allow an invoice to be created.")
        invoice = self.store.invoice_order(order["entity_id"], units or None)
        return 200, json.dumps(invoice["entity_id"]).encode()

    # -- catalog and customers ----------------------------------------------------------

    def search_products(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("products", self.store.products.values(), query,
                            aliases={"entity_id": "id"}, default_sort="id", id_key="id")

    def _product(self, sku: str) -> Mapping[str, Any]:
        product = self.store.product_by_sku(sku)
        if product is None:
            raise ApiError(404, "The product that was requested doesn't exist. Verify the product and try again.")
        return product

    def get_product(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        return 200, dumps(self._product(groups[0]))

    def configurable_children(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        links = self._product(groups[0])["extension_attributes"].get("configurable_product_links", [])
        return 200, dumps([self.store.products[child] for child in links])

    def bundle_options(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        options = self._product(groups[0])["extension_attributes"].get("bundle_product_options", [])
        return 200, dumps(options)

    def search_customers(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("customers", self.store.customers.values(), query,
                            aliases={"entity_id": "id"}, default_sort="id", id_key="id")

    def get_customer(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        return self._one("customers", self.store.customers, groups[0])

    def store_configs(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        wanted = {value for key, value in parse_query(query) if key.startswith("storeCodes")}
        configs = [store_config_json(s, self.base_url) for s in self.store.stores
                   if not wanted or s.code in wanted]
        return 200, dumps(configs)

    def store_views(self, _: list[str], __: str, ___: bytes) -> tuple[int, bytes]:
        return 200, dumps([{"id": s.store_id, "code": s.code, "name": s.name,
                            "website_id": s.website_id, "store_group_id": s.website_id,
                            "is_active": 1} for s in self.store.stores])

    # -- inventory ----------------------------------------------------------------------

    def search_sources(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("sources", self.store.sources, query, id_key="source_code")

    def search_stocks(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("stocks", self.store.stocks, query, id_key="_")

    def search_source_items(self, _: list[str], query: str, __: bytes) -> tuple[int, bytes]:
        return self._search("source_items", self.store.source_items.values(), query, id_key="_")

    def save_source_items(self, _: list[str], __: str, payload: bytes) -> tuple[int, bytes]:
        try:
            body = json.loads(payload, parse_float=Decimal)
            items = body["sourceItems"]
        except (ValueError, KeyError, TypeError):
            raise ApiError(400, "%fieldName is a required field.",
                           {"fieldName": "sourceItems"}) from None
        known = {source["source_code"] for source in self.store.sources}
        for item in items:
            for name in ("sku", "source_code", "quantity", "status"):
                if name not in item:
                    raise ApiError(400, "%fieldName is a required field.", {"fieldName": name})
            if item["source_code"] not in known:
                raise ApiError(400, "Validation Failed",
                               [f'Source with code "{item["source_code"]}" does not exist.'])
        for item in items:
            self.store.source_items[(str(item["sku"]), str(item["source_code"]))] = {
                "sku": str(item["sku"]), "source_code": str(item["source_code"]),
                "quantity": Decimal(str(item["quantity"])), "status": int(item["status"])}
        self.source_item_writes += 1
        return 200, b"[]"

    def legacy_stock_item(self, groups: list[str], _: str, __: bytes) -> tuple[int, bytes]:
        return 200, dumps(self._product(groups[0])["extension_attributes"]["stock_item"])

    # -- authentication -----------------------------------------------------------------

    def admin_token(self, _: list[str], __: str, payload: bytes) -> tuple[int, bytes]:
        try:
            body = json.loads(payload or b"{}")
        except ValueError:
            body = {}
        if self.store.two_factor_enabled:
            raise ApiError(401, "Please use the 2fa provider-specific endpoints to obtain a token.",
                           {"active_providers": ["google"]})
        if self.store.admin_users.get(str(body.get("username"))) != body.get("password"):
            raise ApiError(401, "The account sign-in was incorrect or your account is disabled "
                                "temporarily. Please wait and try again later.")
        token = secrets.token_hex(16)
        self.admin_tokens.add(token)
        return 200, json.dumps(token).encode()
