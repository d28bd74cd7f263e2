"""MSI sources, source items and stocks, and the store configuration."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from magento_client.documents._values import (
    as_bool,
    as_decimal,
    as_int,
    as_optional_int,
    as_optional_str,
    as_raw,
    as_str,
    readable,
)

__all__ = ["SalesChannel", "Source", "SourceItem", "Stock", "StoreConfig"]


@dataclass(frozen=True)
class Source:
    """A physical stock location; ``source_code`` is immutable in Magento."""

    source_code: str
    name: str
    enabled: bool
    description: str | None = None
    country_id: str | None = None
    region_id: int | None = None
    city: str | None = None
    street: str | None = None
    postcode: str | None = None
    phone: str | None = None
    email: str | None = None
    contact_name: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    @readable("source")
    def from_json(cls, document: Mapping[str, Any]) -> Source:
        return cls(
            source_code=as_str(document.get("source_code")),
            name=as_str(document.get("name")),
            enabled=as_bool(document.get("enabled")),
            description=as_optional_str(document.get("description")),
            country_id=as_optional_str(document.get("country_id")),
            region_id=as_optional_int(document.get("region_id")),
            city=as_optional_str(document.get("city")),
            street=as_optional_str(document.get("street")),
            postcode=as_optional_str(document.get("postcode")),
            phone=as_optional_str(document.get("phone")),
            email=as_optional_str(document.get("email")),
            contact_name=as_optional_str(document.get("contact_name")),
            raw=as_raw(document),
        )


@dataclass(frozen=True)
class SourceItem:
    """Quantity of one SKU at one source; ``status`` 1 in stock, 0 out of stock."""

    sku: str
    source_code: str
    quantity: Decimal
    status: int

    STATUS_IN_STOCK = 1
    STATUS_OUT_OF_STOCK = 0

    @classmethod
    @readable("source item")
    def from_json(cls, document: Mapping[str, Any]) -> SourceItem:
        return cls(
            sku=as_str(document.get("sku")),
            source_code=as_str(document.get("source_code")),
            quantity=as_decimal(document.get("quantity")),
            status=as_int(document.get("status")),
        )

    def to_json(self) -> dict[str, Any]:
        """The ``sourceItems[]`` element of ``POST /V1/inventory/source-items``."""
        quantity: int | float = (
            int(self.quantity) if self.quantity == self.quantity.to_integral_value()
            else float(self.quantity)
        )
        return {
            "sku": self.sku,
            "source_code": self.source_code,
            "quantity": quantity,
            "status": self.status,
        }


@dataclass(frozen=True)
class SalesChannel:
    type: str
    code: str


@dataclass(frozen=True)
class Stock:
    """An aggregation of sources, sold through website sales channels."""

    stock_id: int
    name: str
    sales_channels: list[SalesChannel]

    @classmethod
    @readable("stock")
    def from_json(cls, document: Mapping[str, Any]) -> Stock:
        channels = (document.get("extension_attributes") or {}).get("sales_channels") or []
        return cls(
            stock_id=as_int(document.get("stock_id")),
            name=as_str(document.get("name")),
            sales_channels=[
                SalesChannel(type=as_str(c.get("type")), code=as_str(c.get("code")))
                for c in channels
            ],
        )


@dataclass(frozen=True)
class StoreConfig:
    """``GET /V1/store/storeConfigs`` element: what turns UTC into the store's local date."""

    id: int
    code: str
    website_id: int | None
    locale: str | None
    base_currency_code: str | None
    default_display_currency_code: str | None
    timezone: str | None
    weight_unit: str | None = None
    base_url: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    @readable("store config")
    def from_json(cls, document: Mapping[str, Any]) -> StoreConfig:
        return cls(
            id=as_int(document.get("id")),
            code=as_str(document.get("code")),
            website_id=as_optional_int(document.get("website_id")),
            locale=as_optional_str(document.get("locale")),
            base_currency_code=as_optional_str(document.get("base_currency_code")),
            default_display_currency_code=as_optional_str(
                document.get("default_display_currency_code")
            ),
            timezone=as_optional_str(document.get("timezone")),
            weight_unit=as_optional_str(document.get("weight_unit")),
            base_url=as_optional_str(document.get("base_url")),
            raw=as_raw(document),
        )
