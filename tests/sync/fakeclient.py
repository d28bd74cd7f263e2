"""An in-memory stand-in for MagentoClient: documents by entity, filtered by updated_at."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from typing import Any

from magento_client.documents import Order, SourceItem


class Pull:
    def __init__(self, documents: list[Any]) -> None:
        self.documents = documents
        self.max_updated_at: datetime | None = None

    def __iter__(self) -> Iterator[Any]:
        for document in self.documents:
            if self.max_updated_at is None or document.updated_at > self.max_updated_at:
                self.max_updated_at = document.updated_at
            yield document


class FakeMagento:
    def __init__(self, **documents: list[Any]) -> None:
        self.documents = documents
        self.pulls: list[tuple[str, datetime]] = []
        self.saved: list[list[SourceItem]] = []

    def iter_updated(self, entity: str, since: datetime,
                     overlap: timedelta = timedelta(minutes=10), criteria: Any = None) -> Pull:
        start = since - overlap
        self.pulls.append((entity, start))
        return Pull([d for d in self.documents.get(entity, []) if d.updated_at >= start])

    def order(self, entity_id: int) -> Order:
        return next(o for o in self.documents["orders"] if o.entity_id == entity_id)

    def invoice(self, entity_id: int) -> Any:
        return next(i for i in self.documents["invoices"] if i.entity_id == entity_id)

    def store_configs(self, store_codes: Iterable[str] = ()) -> list[Any]:
        return []

    def save_source_items(self, items: Iterable[SourceItem], *,
                          batch_size: int | None = None) -> int:
        pending = list(items)
        size = batch_size or 20
        for start in range(0, len(pending), size):
            self.saved.append(pending[start:start + size])
        return len(self.saved)

    def source_items(self, criteria: Any = None) -> list[SourceItem]:
        return list(self.documents.get("source_items", []))


def one_invoice_client() -> FakeMagento:
    """A store with one order of one 10.00 line, invoiced; search filters are ignored."""
    from decimal import Decimal

    from .factories import Line, OrderBuilder

    builder = OrderBuilder().add(Line("A", Decimal("10.00")))
    client = FakeMagento(orders=[builder.order()], invoices=[builder.invoice()], creditmemos=[])
    client.invoices = lambda criteria=None: iter(client.documents["invoices"])  # type: ignore[attr-defined]
    client.credit_memos = lambda criteria=None: iter([])  # type: ignore[attr-defined]
    return client
