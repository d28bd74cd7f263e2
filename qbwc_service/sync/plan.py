"""The plan: QuickBooks requests a Magento document turns into, before anything is queued.

Planning is pure: it reads Magento documents, the company's mapping config, the facts
QuickBooks reported about the company file, and a :class:`Lookup` of names already
taken; it returns :class:`PlannedRequest` values. The runner enqueues them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from magento_client.documents import Shipment
from qbwc_service.db.models import Company
from qbwc_service.sync.config import CompanyMappingConfig

__all__ = [
    "CENT",
    "CompanyFacts",
    "Lookup",
    "MemoryLookup",
    "PlanContext",
    "PlannedRequest",
    "Priority",
    "cents",
    "document_hash",
    "money",
]

CENT = Decimal("0.01")


class Priority:
    """Lower goes first; dependencies still decide the order that matters."""

    LIST = 10  # customers, items
    SALE = 50  # invoices, sales receipts
    PAYMENT = 60
    CREDIT = 70
    APPLY_CREDIT = 80
    REFUND = 80
    ROUNDING = 85  # the currency rounding journal entry, after its document
    INVENTORY = 90


@dataclass(frozen=True)
class PlannedRequest:
    """One QuickBooks request to enqueue; ``context`` is the qbXML template context."""

    operation: str
    key: str
    context: dict[str, Any]
    entity_type: str | None = None
    magento_id: str | None = None
    magento_ref: str | None = None
    document_hash: str | None = None
    depends_on_keys: tuple[str, ...] = ()
    priority: int = 100
    hold_reason: str | None = None
    notes: tuple[str, ...] = ()  # flags for the bookkeeper (re-dated, shortened RefNumber…)
    amount: Decimal | None = None  # the Magento total the lines were checked against
    txn_date: date | None = None


@dataclass(frozen=True)
class CompanyFacts:
    """What the Web Connector's preferences told us about the company file."""

    name: str = ""
    closing_date: date | None = None
    multi_site_enabled: bool | None = False  # None: not reported yet (no session so far)
    multi_currency_enabled: bool = False
    class_tracking_enabled: bool = True
    home_currency: str | None = None  # QuickBooks' name, e.g. "US Dollar"
    country: str | None = None  # the edition QuickBooks reported: US, CA, UK, AU

    @classmethod
    def from_company(cls, company: Company) -> CompanyFacts:
        return cls(
            name=company.name,
            closing_date=company.closing_date,
            multi_site_enabled=company.multi_site_enabled,
            multi_currency_enabled=bool(company.multi_currency_enabled),
            # Unknown until the first session: sending a ClassRef is harmless then.
            class_tracking_enabled=company.class_tracking_enabled is not False,
            home_currency=company.home_currency,
            country=company.qb_country,
        )


class Lookup(Protocol):
    """Names and numbers already given to Magento entities, to keep new ones unique."""

    def qb_name(self, entity_type: str, magento_id: str) -> str | None:
        """The QuickBooks name or RefNumber given to this Magento entity, if any."""

    def name_owner(self, entity_type: str, qb_name: str) -> str | None:
        """The Magento id that holds ``qb_name`` for this entity type, if any."""

    def claim(self, entity_type: str, magento_id: str, qb_name: str) -> None:
        """Record a name planned in this run so later documents in the run see it."""

    def queued_operation(self, key: str) -> str | None:
        """The operation a request with this idempotency key was queued as, if any."""


class MemoryLookup:
    """A :class:`Lookup` held in dictionaries: tests, dry runs, and the runner's overlay."""

    def __init__(self, names: Iterable[tuple[str, str, str]] = (),
                 operations: dict[str, str] | None = None) -> None:
        self._names: dict[tuple[str, str], str] = {}
        self._owners: dict[tuple[str, str], str] = {}
        self.operations = dict(operations or {})  # idempotency key -> queued operation
        for entity_type, magento_id, qb_name in names:
            self.claim(entity_type, magento_id, qb_name)

    def queued_operation(self, key: str) -> str | None:
        return self.operations.get(key)

    def qb_name(self, entity_type: str, magento_id: str) -> str | None:
        return self._names.get((entity_type, magento_id))

    def name_owner(self, entity_type: str, qb_name: str) -> str | None:
        return self._owners.get((entity_type, qb_name.casefold()))

    def claim(self, entity_type: str, magento_id: str, qb_name: str) -> None:
        self._names[(entity_type, magento_id)] = qb_name
        self._owners[(entity_type, qb_name.casefold())] = magento_id


@dataclass
class PlanContext:
    """Everything a planning function reads besides the Magento document itself."""

    config: CompanyMappingConfig = field(default_factory=CompanyMappingConfig)
    facts: CompanyFacts = field(default_factory=CompanyFacts)
    lookup: Lookup = field(default_factory=MemoryLookup)
    store_timezones: dict[int, str] = field(default_factory=dict)  # store_id -> IANA name
    # order entity_id -> its Magento shipments, as known when the documents are planned
    shipments: dict[int, list[Shipment]] = field(default_factory=dict)

    @property
    def sales_site(self) -> str | None:
        """The site sales lines take stock from: the sales source's mapped site, unless the
        company file said it has no sites. Before QuickBooks has reported its preferences
        a configured site map is taken at its word, so the first documents do not take
        stock from the unassigned site."""
        if self.facts.multi_site_enabled is False:
            return None
        return self.config.sales_site

    @property
    def uses_sites(self) -> bool:
        """Lines move stock at per-source sites: a site map is configured and the company
        file did not say it has no sites. Without it every line is the sales source's and
        Magento's shipments decide nothing."""
        return self.facts.multi_site_enabled is not False and bool(self.config.sites)

    def line_source(self, order_id: int, order_item_ids: Iterable[int]) -> str:
        """The MSI source that shipped an order row: the first shipment naming one of
        ``order_item_ids`` (the row, then its parent or children), else the configured
        sales source while the order has not shipped (Magento picks the source only at
        shipment, magento-rest.md §13)."""
        wanted = list(order_item_ids)
        for shipment in self.shipments.get(order_id, ()):
            if shipment.source_code and any(item.order_item_id in wanted and item.qty
                                            for item in shipment.items):
                return shipment.source_code
        return self.config.sales_source

    def line_site(self, order_id: int, order_item_ids: Iterable[int]) -> str | None:
        """The QuickBooks site of :meth:`line_source` (the sales site when that source is
        not mapped), or None for a company file without sites."""
        if self.facts.multi_site_enabled is False:
            return None
        source = self.line_source(order_id, order_item_ids)
        return self.config.sites.get(source) or self.config.sales_site

    @property
    def multicurrency(self) -> bool:
        return self.config.currency_mode == "multicurrency"

    def timezone(self, store_id: int | None) -> ZoneInfo:
        name = self.store_timezones.get(store_id or 0) or self.config.timezone
        return ZoneInfo(name)

    def local_date(self, moment: datetime | None, store_id: int | None) -> date:
        """TxnDate: Magento's UTC timestamp as a date in the store's own time zone."""
        if moment is None:
            raise ValueError("document has no created_at")
        return moment.astimezone(self.timezone(store_id)).date()

    def open_date(self, txn_date: date) -> tuple[date, str | None, str | None]:
        """(date to post on, hold reason, note) under the company's closing-date policy."""
        closing = self.facts.closing_date
        if closing is None or txn_date > closing:
            return txn_date, None, None
        if self.config.closing_date_policy == "hold":
            return txn_date, (
                f"TxnDate {txn_date.isoformat()} is on or before the QuickBooks closing date "
                f"{closing.isoformat()}; approve to post it on an open date or change the "
                "closing date"
            ), None
        moved = closing + timedelta(days=1)
        return moved, None, f"Magento date {txn_date.isoformat()}, posted on first open date"


def cents(value: Decimal | int | None) -> Decimal:
    """An amount as QuickBooks takes it: two places, half up (Magento keeps four)."""
    if value is None:
        return Decimal("0.00")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money(source: Any, name: str, *, multicurrency: bool) -> Decimal:
    """``base_<name>`` in home-currency mode, ``<name>`` (order currency) in multicurrency."""
    value = getattr(source, name if multicurrency else f"base_{name}", None)
    return Decimal(0) if value is None else Decimal(value)


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _jsonable(value[key]) for key in sorted(value)}
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Decimal | date):
        return str(value)
    return value


def document_hash(context: dict[str, Any]) -> str:
    """A stable digest of what would be posted, to notice edits after posting."""
    text = json.dumps(_jsonable(context), separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()
