"""The fake store's catalog, customers, stores and MSI sources, built from a seed.

Shapes follow the real payloads (``GET /V1/products/{sku}``, ``/V1/customers/{id}``,
``/V1/inventory/sources``). Names mix accents, CJK and emoji; some SKUs are longer than
31 characters and contain ``/``, ``&`` and ``:``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from magento_client.documents import format_datetime

__all__ = ["STORES", "CatalogProduct", "StoreSpec", "build_catalog", "build_customers",
           "build_sources", "build_stocks", "product_json", "store_config_json"]


@dataclass(frozen=True)
class StoreSpec:
    """A store view with its website, currencies, tax style and increment-id prefix."""

    store_id: int
    code: str
    name: str
    website_id: int
    website_code: str
    base_currency: str
    order_currency: str
    base_to_order_rate: Decimal
    tax_inclusive: bool
    tax_rates: tuple[Decimal, ...]
    timezone: str
    locale: str
    increment_prefix: str


STORES: tuple[StoreSpec, ...] = (
    StoreSpec(1, "default", "Default Store View", 1, "base", "USD", "USD", Decimal("1"),
              False, (Decimal("0"), Decimal("0.0825")), "America/Chicago", "en_US", ""),
    StoreSpec(2, "eu_fr", "Boutique Française", 2, "europe", "USD", "EUR",
              Decimal("0.9216"), True, (Decimal("0.20"),), "Europe/Paris", "fr_FR", "EU2-"),
)


@dataclass
class CatalogProduct:
    """One product; ``components`` are bundle selections or configurable variants."""

    id: int
    sku: str
    name: str
    type_id: str
    price: Decimal
    weight: Decimal
    bundle_price_type: str | None = None
    components: list[tuple[CatalogProduct, int]] = field(default_factory=list)
    parent: CatalogProduct | None = None

    @property
    def is_virtual(self) -> bool:
        return self.type_id in ("virtual", "downloadable")

    @property
    def cost(self) -> Decimal | None:
        """What the merchant pays for a unit (Magento's ``cost`` attribute), for products
        sold as themselves; bundles and configurables cost what their parts cost."""
        if self.type_id not in ("simple", "virtual", "downloadable"):
            return None
        return (self.price * Decimal("0.45")).quantize(Decimal("0.01"))


_SIMPLE_NAMES = (
    "Radiant Tee", "Café Crème Décaf 1 kg", "抹茶ラテ 250g", "Rocket 🚀 Mug", "Łódź Ölkännchen",
    "Smörgåsbord Tray", "Crème brûlée torch", "绿茶 Green Tea Tin", "Jalapeño Hot Sauce",
    "Piñata 🎉 Party Kit", "Über Yoga Mat", "Näckrosor Print",
)
_LONG_SKUS = (
    "HW/BOLT-M8x40&WASHER:ZINC-PLATED-BOX-OF-100",
    "PAPER/A4&A3:RECYCLED-80GSM-MIXED-CASE",
    "CABLE:USB-C/USB-A&HDMI-ADAPTER-KIT-2M",
)


def _product(products: list[CatalogProduct], **kwargs: Any) -> CatalogProduct:
    product = CatalogProduct(id=len(products) + 1, **kwargs)
    products.append(product)
    return product


def build_catalog(rng: random.Random) -> list[CatalogProduct]:
    """A fixed-shape catalog whose prices vary with the seed."""
    products: list[CatalogProduct] = []

    def money(low: int, high: int) -> Decimal:
        return Decimal(rng.randint(low * 100, high * 100)) / 100

    for index, name in enumerate(_SIMPLE_NAMES):
        _product(products, sku=f"SIMPLE-{index + 1:03d}", name=name, type_id="simple",
                 price=money(3, 90), weight=Decimal(rng.randint(1, 30)) / 10)
    for index, sku in enumerate(_LONG_SKUS):
        _product(products, sku=sku, name=f"Hardware & Supplies No. {index + 1}", type_id="simple",
                 price=money(5, 60), weight=Decimal("1.5"))
    for index, (sku, name) in enumerate((("MH01", "Chaz Kangeroo Hoodie"),
                                         ("WS12", "Tシャツ Radiant"), ("MS-Champ", "Champ Tee"))):
        parent = _product(products, sku=sku, name=name, type_id="configurable",
                          price=Decimal("0"), weight=Decimal("0.5"))
        base_price = money(20, 70)
        for size in ("S", "M", "L"):
            child = _product(products, sku=f"{sku}-{size}-Gray", name=f"{name}-{size}-Gray",
                             type_id="simple", price=base_price, weight=Decimal("0.5"),
                             parent=parent)
            parent.components.append((child, 1))
        del index
    component_pool = [p for p in products if p.type_id == "simple" and p.parent is None][:8]
    for index, (price_type, name) in enumerate((("dynamic", "Sprite Yoga Companion Kit"),
                                                ("dynamic", "Kit café ☕ du matin"),
                                                ("fixed", "Desktop Computer Bundle"),
                                                ("fixed", "Gift Box 礼品盒"))):
        picks = rng.sample(component_pool, 3)
        bundle = _product(
            products,
            sku="-".join(p.sku for p in picks) if price_type == "dynamic" else f"BUNDLE-FIXED-{index}",
            name=name, type_id="bundle",
            price=Decimal("0") if price_type == "dynamic" else money(80, 200),
            weight=Decimal("0"), bundle_price_type=price_type,
        )
        bundle.components = [(p, rng.randint(1, 2)) for p in picks]
    for index, name in enumerate(("Extended Warranty", "Gift Wrapping Service", "Installation")):
        _product(products, sku=f"VIRTUAL-{index + 1}", name=name, type_id="virtual",
                 price=money(5, 40), weight=Decimal("0"))
    for index, name in enumerate(("Advanced Pilates & Yoga (Strength)", "Guide numérique 📘")):
        _product(products, sku=f"240-LV0{index + 8}", name=name, type_id="downloadable",
                 price=money(9, 30), weight=Decimal("0"))
    return products


def product_json(product: CatalogProduct, updated_at: datetime) -> dict[str, Any]:
    """``GET /V1/products`` item shape (numbers as Decimal; the server renders them)."""
    extension: dict[str, Any] = {
        "website_ids": [1, 2],
        "category_links": [{"position": 0, "category_id": "2"}],
        "stock_item": {
            "item_id": product.id, "product_id": product.id, "stock_id": 1,
            "qty": 100 if not product.is_virtual and product.type_id == "simple" else 0,
            "is_in_stock": True, "is_qty_decimal": False,
            "show_default_notification_message": False, "use_config_min_qty": True,
            "min_qty": 0, "use_config_min_sale_qty": 1, "min_sale_qty": 1,
            "use_config_max_sale_qty": True, "max_sale_qty": 10000,
            "use_config_backorders": True, "backorders": 0, "use_config_notify_stock_qty": True,
            "notify_stock_qty": 1, "use_config_qty_increments": True, "qty_increments": 0,
            "use_config_enable_qty_inc": True, "enable_qty_increments": False,
            "use_config_manage_stock": True, "manage_stock": True, "low_stock_date": None,
            "is_decimal_divided": False, "stock_status_changed_auto": 0,
        },
    }
    attributes: list[dict[str, Any]] = [
        {"attribute_code": "url_key", "value": product.sku.lower().replace("/", "-")},
        {"attribute_code": "tax_class_id", "value": "0" if product.type_id == "virtual" else "2"},
        {"attribute_code": "description", "value": f"<p>{product.name}</p>"},
    ]
    if product.type_id == "configurable":
        extension["configurable_product_options"] = [
            {"id": product.id, "attribute_id": "144", "label": "Size", "position": 0,
             "values": [{"value_index": 166 + i} for i in range(len(product.components))],
             "product_id": product.id}
        ]
        extension["configurable_product_links"] = [child.id for child, _ in product.components]
    if product.type_id == "bundle":
        extension["bundle_product_options"] = [
            {"option_id": product.id * 10 + i, "title": component.name, "required": True,
             "type": "select", "position": i + 1, "sku": product.sku,
             "product_links": [{
                 "id": str(product.id * 100 + i), "sku": component.sku,
                 "option_id": product.id * 10 + i, "qty": qty, "position": 1,
                 "is_default": True,
                 "price": component.price if product.bundle_price_type == "dynamic" else 0,
                 "price_type": None, "can_change_quantity": 0}]}
            for i, (component, qty) in enumerate(product.components)
        ]
        attributes += [
            {"attribute_code": "price_type",
             "value": "0" if product.bundle_price_type == "dynamic" else "1"},
            {"attribute_code": "sku_type",
             "value": "0" if product.bundle_price_type == "dynamic" else "1"},
            {"attribute_code": "shipment_type", "value": "0"},
            {"attribute_code": "price_view", "value": "0"},
        ]
    if product.cost is not None:
        attributes.append({"attribute_code": "cost", "value": str(product.cost)})
    document: dict[str, Any] = {
        "id": product.id, "sku": product.sku, "name": product.name, "attribute_set_id": 4,
        "price": product.price, "status": 1,
        "visibility": 1 if product.parent is not None else 4,
        "type_id": product.type_id,
        "created_at": "2025-06-01 09:00:00", "updated_at": format_datetime(updated_at),
        "weight": product.weight, "extension_attributes": extension, "product_links": [],
        "options": [], "media_gallery_entries": [], "tier_prices": [],
        "custom_attributes": attributes,
    }
    return document


_FIRST = ("Jane", "José", "Zoë", "Łukasz", "美咲", "Björn", "Chloé", "Ahmed", "Søren", "Renée")
_LAST = ("Doe", "García", "Müller", "Nowak", "山田", "Åström", "Dubois", "Smith & Sons", "O'Brien")
_CITIES = (("Purchase", "New York", "NY", 43, "10577", "US"),
           ("Austin", "Texas", "TX", 57, "78701", "US"),
           ("Lyon", "Rhône", None, None, "69002", "FR"),
           ("Montréal", "Québec", "QC", 76, "H2X 1Y4", "CA"))


def address_json(rng: random.Random, first: str, last: str, email: str) -> dict[str, Any]:
    city, region, region_code, region_id, postcode, country = rng.choice(_CITIES)
    street = [f"{rng.randint(1, 999)} Rue de l'Église"] if country == "FR" else [
        f"{rng.randint(1, 999)} Oak Ave"]
    if rng.random() < 0.3:
        street.append(f"Suite {rng.randint(100, 999)}")
    return {
        "firstname": first, "lastname": last, "street": street, "city": city,
        "region": region, "region_code": region_code, "region_id": region_id,
        "postcode": postcode, "country_id": country, "email": email,
        "telephone": None if rng.random() < 0.15 else f"512-555-{rng.randint(1000, 9999)}",
        "company": "Smith & Sons Ltd." if rng.random() < 0.2 else None,
    }


def build_customers(rng: random.Random, count: int, start: datetime) -> list[dict[str, Any]]:
    customers: list[dict[str, Any]] = []
    for index in range(1, count + 1):
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        email = f"customer{index}@example.com"
        address = address_json(rng, first, last, email)
        store = STORES[index % len(STORES)]
        moment = format_datetime(start + timedelta(minutes=index))
        customers.append({
            "id": index, "group_id": 1, "default_billing": str(index * 10),
            "default_shipping": str(index * 10), "created_at": moment, "updated_at": moment,
            "created_in": store.name, "email": email, "firstname": first, "lastname": last,
            "store_id": store.store_id, "website_id": store.website_id,
            "addresses": [{
                "id": index * 10, "customer_id": index,
                "region": {"region_code": address["region_code"], "region": address["region"],
                           "region_id": address["region_id"] or 0},
                "region_id": address["region_id"] or 0, "country_id": address["country_id"],
                "street": address["street"], "telephone": address["telephone"] or "",
                "postcode": address["postcode"], "city": address["city"],
                "firstname": first, "lastname": last,
                "default_shipping": True, "default_billing": True,
            }],
            "disable_auto_group_change": 0, "extension_attributes": {"is_subscribed": False},
        })
    return customers


def build_sources() -> list[dict[str, Any]]:
    return [
        {"source_code": "default", "name": "Default Source", "enabled": True,
         "description": "Default Source", "latitude": 0, "longitude": 0, "country_id": "US",
         "postcode": "00000", "use_default_carrier_config": True, "carrier_links": []},
        {"source_code": "central", "name": "Central Shipping Center", "enabled": True,
         "country_id": "US", "region_id": 36, "city": "St. Louis",
         "street": "123 Warehouse Blvd", "postcode": "63145", "phone": "(314) 555-1234",
         "use_default_carrier_config": True, "carrier_links": []},
        {"source_code": "east", "name": "Eastern Shipping Center", "enabled": True,
         "country_id": "US", "region_id": 45, "city": "Raleigh", "postcode": "27614",
         "use_default_carrier_config": True, "carrier_links": []},
        {"source_code": "eu_lyon", "name": "Entrepôt de Lyon", "enabled": True,
         "country_id": "FR", "city": "Lyon", "postcode": "69007",
         "use_default_carrier_config": True, "carrier_links": []},
    ]


def build_stocks() -> list[dict[str, Any]]:
    return [
        {"stock_id": 1, "name": "Default Stock",
         "extension_attributes": {"sales_channels": [{"type": "website", "code": "base"}]}},
        {"stock_id": 2, "name": "Europe Stock",
         "extension_attributes": {"sales_channels": [{"type": "website", "code": "europe"}]}},
    ]


def store_config_json(store: StoreSpec, base_url: str) -> dict[str, Any]:
    return {
        "id": store.store_id, "code": store.code, "website_id": store.website_id,
        "locale": store.locale, "base_currency_code": store.base_currency,
        "default_display_currency_code": store.order_currency, "timezone": store.timezone,
        "weight_unit": "lbs" if store.base_currency == "USD" and store.locale == "en_US" else "kgs",
        "base_url": f"{base_url}/", "base_link_url": f"{base_url}/",
        "base_static_url": f"{base_url}/static/", "base_media_url": f"{base_url}/media/",
        "secure_base_url": f"{base_url}/", "secure_base_link_url": f"{base_url}/",
        "secure_base_static_url": f"{base_url}/static/",
        "secure_base_media_url": f"{base_url}/media/",
    }
