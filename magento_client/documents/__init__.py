"""Typed Magento documents: Decimal money, UTC datetimes, normalised signs, item trees.

Every class has ``from_json(dict)`` accepting the REST payload unchanged (ints, floats,
strings or Decimals for amounts); the original payload stays in ``raw`` where useful.
"""

from __future__ import annotations

from magento_client.documents._values import DocumentError, as_datetime, format_datetime
from magento_client.documents.address import Address
from magento_client.documents.catalog import (
    BundleLink,
    BundleOption,
    Customer,
    LegacyStockItem,
    Product,
)
from magento_client.documents.inventory import (
    SalesChannel,
    Source,
    SourceItem,
    Stock,
    StoreConfig,
)
from magento_client.documents.invoices import CreditMemo, CreditMemoItem, Invoice, InvoiceItem
from magento_client.documents.orders import BundlePriceType, Order, OrderItem, Payment
from magento_client.documents.shipments import Shipment, ShipmentItem

__all__ = [
    "Address",
    "BundleLink",
    "BundleOption",
    "BundlePriceType",
    "CreditMemo",
    "CreditMemoItem",
    "Customer",
    "DocumentError",
    "Invoice",
    "InvoiceItem",
    "LegacyStockItem",
    "Order",
    "OrderItem",
    "Payment",
    "Product",
    "SalesChannel",
    "Shipment",
    "ShipmentItem",
    "Source",
    "SourceItem",
    "Stock",
    "StoreConfig",
    "as_datetime",
    "format_datetime",
]
