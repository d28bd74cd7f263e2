"""Fake responses conform to Magento's published REST schema (skipped without it)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from magento_client.client import MagentoClient
from magento_client.fake import FakeStore
from magento_client.search import SearchCriteria
from tests.conftest import reference_path
from tests.magento_client.schema_check import SchemaChecker


@pytest.fixture(scope="module")
def schema() -> SchemaChecker:
    path = reference_path("magento", "openapi", "admin-schema-2.4.8.json")
    return SchemaChecker(json.loads(path.read_text(encoding="utf-8")))


def _raw(client: MagentoClient, path: str, criteria: SearchCriteria | None = None) -> Any:
    body = client.transport.request("GET", path, query=criteria.encode() if criteria else "")
    return json.loads(json.dumps(body, default=float))


@pytest.mark.parametrize("path", [
    "/V1/orders", "/V1/invoices", "/V1/creditmemos", "/V1/products", "/V1/customers/search",
    "/V1/inventory/source-items", "/V1/inventory/sources", "/V1/inventory/stocks",
    "/V1/shipments",
])
def test_search_responses_match_schema(shared_client: MagentoClient, schema: SchemaChecker,
                                       path: str) -> None:
    """Every search envelope and its items match the endpoint's response definition."""
    body = _raw(shared_client, path, SearchCriteria().page(300, 1))
    assert body["items"]
    assert schema.check(body, schema.response_schema(path)) == []


def test_single_documents_match_schema(shared_client: MagentoClient, shared_store: FakeStore,
                                       schema: SchemaChecker) -> None:
    """Order, invoice, credit memo, shipment and store configs by id match their
    definitions."""
    memo = next(iter(shared_store.creditmemos.values()))
    invoice = next(iter(shared_store.invoices.values()))
    shipment = next(iter(shared_store.shipments.values()))
    checks = {
        "/V1/orders/{id}": _raw(shared_client, f"/V1/orders/{memo['order_id']}"),
        "/V1/invoices/{id}": _raw(shared_client, f"/V1/invoices/{invoice['entity_id']}"),
        "/V1/creditmemo/{id}": _raw(shared_client, f"/V1/creditmemo/{memo['entity_id']}"),
        "/V1/shipment/{id}": _raw(shared_client, f"/V1/shipment/{shipment['entity_id']}"),
        "/V1/store/storeConfigs": _raw(shared_client, "/V1/store/storeConfigs"),
    }
    for path, body in checks.items():
        assert schema.check(body, schema.response_schema(path)) == [], path


def test_checker_catches_a_wrong_document(schema: SchemaChecker) -> None:
    """The checker is not vacuous: a bad source item and a missing sku are reported."""
    problems = schema.check({"items": [{"sku": 5, "quantity": "many", "colour": "red"}, {}],
                             "search_criteria": {}, "total_count": 2},
                            schema.response_schema("/V1/inventory/source-items"))
    assert any("sku" in p for p in problems) and any("quantity" in p for p in problems)
    assert any("colour" in p for p in problems)
    order_problems = schema.check({"items": [{"name": "x"}]},
                                  schema.response_schema("/V1/orders/{id}"))
    assert any("required 'sku'" in p for p in order_problems)


def test_reference_samples_match_schema(schema: SchemaChecker) -> None:
    """The checker accepts the real order sample (a check on the checker itself)."""
    sample = json.loads(reference_path("magento", "samples",
                                       "order_adobe_tutorial_bundle_configurable_downloadable.json")
                        .read_text(encoding="utf-8"))
    assert schema.check(sample, schema.response_schema("/V1/orders/{id}")) == []
