"""Products (with bundle options and configurable links) and customers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from magento_client.documents._values import (
    as_bool,
    as_datetime,
    as_decimal,
    as_int,
    as_optional_decimal,
    as_optional_int,
    as_optional_str,
    as_raw,
    as_str,
    get_path,
    readable,
)
from magento_client.documents.address import Address
from magento_client.documents.orders import BundlePriceType

__all__ = ["BundleLink", "BundleOption", "Customer", "LegacyStockItem", "Product"]

_PRICE_TYPES: dict[str, BundlePriceType] = {"0": "dynamic", "1": "fixed"}


@dataclass(frozen=True)
class BundleLink:
    """One selection of a bundle option: the component SKU, its quantity and price."""

    link_id: str | None
    sku: str
    option_id: int | None
    qty: Decimal
    price: Decimal | None
    price_type: int | None
    is_default: bool

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> BundleLink:
        return cls(
            link_id=as_optional_str(document.get("id")),
            sku=as_str(document.get("sku")),
            option_id=as_optional_int(document.get("option_id")),
            qty=as_decimal(document.get("qty")),
            price=as_optional_decimal(document.get("price")),
            price_type=as_optional_int(document.get("price_type")),
            is_default=as_bool(document.get("is_default")),
        )


@dataclass(frozen=True)
class BundleOption:
    """``bundle_product_options[]``: a choice (RAM, Monitor) and its selections."""

    option_id: int
    title: str
    required: bool
    type: str
    position: int | None
    links: list[BundleLink]

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> BundleOption:
        return cls(
            option_id=as_int(document.get("option_id")),
            title=as_str(document.get("title")),
            required=as_bool(document.get("required")),
            type=as_str(document.get("type")),
            position=as_optional_int(document.get("position")),
            links=[BundleLink.from_json(link) for link in document.get("product_links") or []],
        )


@dataclass(frozen=True)
class LegacyStockItem:
    """``extension_attributes.stock_item`` / ``GET /V1/stockItems/{sku}`` (single stock)."""

    item_id: int | None
    product_id: int | None
    stock_id: int | None
    qty: Decimal
    is_in_stock: bool
    manage_stock: bool

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> LegacyStockItem:
        return cls(
            item_id=as_optional_int(document.get("item_id")),
            product_id=as_optional_int(document.get("product_id")),
            stock_id=as_optional_int(document.get("stock_id")),
            qty=as_decimal(document.get("qty")),
            is_in_stock=as_bool(document.get("is_in_stock")),
            manage_stock=as_bool(document.get("manage_stock", True)),
        )


@dataclass(frozen=True)
class Product:
    """A catalog product; ``price`` is None for types without one (grouped)."""

    id: int | None
    sku: str
    name: str
    type_id: str
    price: Decimal | None
    status: int | None
    visibility: int | None
    weight: Decimal | None
    created_at: datetime | None
    updated_at: datetime | None
    bundle_price_type: BundlePriceType | None
    bundle_sku_type: BundlePriceType | None
    bundle_options: list[BundleOption]
    configurable_child_ids: list[int]
    website_ids: list[int]
    custom_attributes: dict[str, Any]
    stock_item: LegacyStockItem | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    STATUS_ENABLED = 1
    STATUS_DISABLED = 2

    @classmethod
    @readable("product")
    def from_json(cls, document: Mapping[str, Any]) -> Product:
        attributes = {
            str(entry.get("attribute_code")): entry.get("value")
            for entry in document.get("custom_attributes") or []
            if isinstance(entry, Mapping)
        }
        extension = document.get("extension_attributes") or {}
        type_id = as_str(document.get("type_id"))
        price_type = attributes.get("price_type")
        sku_type = attributes.get("sku_type")
        stock = extension.get("stock_item")
        return cls(
            id=as_optional_int(document.get("id")),
            sku=as_str(document.get("sku")),
            name=as_str(document.get("name")),
            type_id=type_id,
            price=as_optional_decimal(document.get("price")),
            status=as_optional_int(document.get("status")),
            visibility=as_optional_int(document.get("visibility")),
            weight=as_optional_decimal(document.get("weight")),
            created_at=as_datetime(document.get("created_at")),
            updated_at=as_datetime(document.get("updated_at")),
            bundle_price_type=(
                _PRICE_TYPES.get(str(price_type)) if type_id == "bundle" and price_type is not None else None
            ),
            bundle_sku_type=(
                _PRICE_TYPES.get(str(sku_type)) if type_id == "bundle" and sku_type is not None else None
            ),
            bundle_options=[
                BundleOption.from_json(option)
                for option in extension.get("bundle_product_options") or []
            ],
            configurable_child_ids=[
                int(link) for link in extension.get("configurable_product_links") or []
            ],
            website_ids=[int(w) for w in extension.get("website_ids") or []],
            custom_attributes=attributes,
            stock_item=LegacyStockItem.from_json(stock) if isinstance(stock, Mapping) else None,
            raw=as_raw(document),
        )

    @property
    def is_enabled(self) -> bool:
        return self.status == self.STATUS_ENABLED

    @property
    def description(self) -> str | None:
        return as_optional_str(get_path(self.custom_attributes, "description"))


@dataclass(frozen=True)
class Customer:
    """A registered customer (guests have no record; their data lives on the order)."""

    id: int
    email: str
    firstname: str
    lastname: str
    middlename: str | None
    group_id: int | None
    store_id: int | None
    website_id: int | None
    created_at: datetime | None
    updated_at: datetime | None
    taxvat: str | None
    addresses: list[Address]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    @readable("customer")
    def from_json(cls, document: Mapping[str, Any]) -> Customer:
        return cls(
            id=as_int(document.get("id")),
            email=as_str(document.get("email")),
            firstname=as_str(document.get("firstname")),
            lastname=as_str(document.get("lastname")),
            middlename=as_optional_str(document.get("middlename")),
            group_id=as_optional_int(document.get("group_id")),
            store_id=as_optional_int(document.get("store_id")),
            website_id=as_optional_int(document.get("website_id")),
            created_at=as_datetime(document.get("created_at")),
            updated_at=as_datetime(document.get("updated_at")),
            taxvat=as_optional_str(document.get("taxvat")),
            addresses=[Address.from_json(a) for a in document.get("addresses") or []],
            raw=as_raw(document),
        )

    @property
    def default_billing_address(self) -> Address | None:
        return next((a for a in self.addresses if a.default_billing), None)

    @property
    def default_shipping_address(self) -> Address | None:
        return next((a for a in self.addresses if a.default_shipping), None)
