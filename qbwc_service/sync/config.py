"""Per-company mapping configuration: which Magento document becomes which QuickBooks one.

Read from ``[companies.NAME.mapping]`` in the service config file (``Settings.extra``),
with a default for every value, and validated once at start so that a wrong value
fails loudly with the path to fix instead of posting wrong books later.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qbwc_service.db.models import Company
from qbwc_service.settings import Settings
from qbwc_service.sync.exceptions import MappingConfigError

__all__ = [
    "FLOWS",
    "REFUNDS",
    "AccountsConfig",
    "ChannelConfig",
    "CompanyMappingConfig",
    "ItemNamesConfig",
    "PaymentMethodConfig",
    "ScheduleConfig",
    "ScheduleSpec",
    "TaxConfig",
    "company_table",
    "effective_company_config",
    "load_company_config",
    "magento_client_for",
    "magento_config_for",
    "parse_mapping_config",
]

FLOWS = ("invoice", "sales_receipt")
# How money a credit memo returns leaves the books: "auto" (a card refund when Magento
# refunded online through the gateway, a check when offline), "card", "check", or
# "credit" (kept as the customer's credit, for store-credit refunds).
REFUNDS = ("auto", "card", "check", "credit")
TAX_MODES = ("line_codes_plus_tax_item", "tax_item")
GUEST_MODES = ("per_email", "shared")
CURRENCY_MODES = ("home", "multicurrency")
CLOSING_POLICIES = ("hold", "post_on_open_date")
MISSING_ITEM_POLICIES = ("create", "hold")
INVENTORY_DIRECTIONS = ("quickbooks_to_magento", "magento_to_quickbooks", "none")
VIRTUAL_ITEM_TYPES = ("service", "non_inventory")
BUNDLE_MODES = ("children", "parent")
# Which refunded units go back on the shelf: "magento" (those Magento returned to stock,
# the credit memo's return_to_stock_items), "always", or "never".
RESTOCK_MODES = ("magento", "always", "never")


@dataclass(frozen=True)
class PaymentMethodConfig:
    """How one Magento payment method is booked."""

    flow: str = "invoice"
    qb_method: str = ""  # QuickBooks PaymentMethodRef FullName; empty = none sent
    deposit_account: str = "Undeposited Funds"
    refund: str = "auto"
    # Where refunds leave from; empty = deposit_account for card refunds and
    # accounts.refund_bank for checks.
    refund_account: str = ""


@dataclass(frozen=True)
class AccountsConfig:
    """Accounts given to items the service creates from Magento products."""

    income: str = "Sales"
    cogs: str = "Cost of Goods Sold"
    asset: str = "Inventory Asset"
    # Opening quantities (sync --initial) are booked against equity, as QuickBooks books
    # an opening balance, not against a cost account.
    inventory_adjustment: str = "Opening Balance Equity"
    refund_bank: str = "Checking"  # the bank account refund checks are written on
    receivable: str = "Accounts Receivable"  # the A/R account refund checks apply through
    write_off: str = "Inventory Adjustments"  # refunded units Magento did not return to stock
    # Where the currency rounding journal entry balances (posting/rounding.py).
    rounding: str = "Exchange Gain or Loss"


@dataclass(frozen=True)
class ItemNamesConfig:
    """QuickBooks items that carry the non-product lines of a transaction."""

    shipping: str = "Shipping"
    discount_taxable: str = "Discount"
    discount_non_taxable: str = "Discount Non-Taxable"
    adjustment_refund: str = "Refund Adjustment"
    adjustment_fee: str = "Refund Fee"


@dataclass(frozen=True)
class TaxConfig:
    """How Magento's computed tax reaches QuickBooks' Sales Tax Payable, never recomputed."""

    mode: str = "line_codes_plus_tax_item"
    # A zero-rate sales tax item on the header, so QuickBooks adds nothing itself.
    zero_rate_tax_item: str = "Magento Tax Zero"
    taxable_code: str = "Tax"
    non_taxable_code: str = "Non"
    # The tax agency (an existing QuickBooks vendor) the sales tax items the service
    # creates owe to; empty: created without one (link them in QuickBooks).
    agency: str = ""
    # The rate code tax is booked under when Magento's order names no rate.
    default_rate_code: str = "Sales Tax"
    # Magento tax rate code -> an existing QuickBooks sales tax item (else one is created).
    rate_items: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ChannelConfig:
    """A class per sales channel, read from an order attribute (e.g. a marketplace)."""

    attribute: str = ""  # dotted path in the Magento order; empty = no channel classes
    placement: str = "header"  # "header": the transaction's class; "lines": each line's
    classes: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class ScheduleSpec:
    """Either every N minutes or a five-field cron expression (cron wins when both)."""

    every_minutes: int = 15
    cron: str = ""


@dataclass(frozen=True)
class ScheduleConfig:
    orders: ScheduleSpec = ScheduleSpec(every_minutes=5)
    products: ScheduleSpec = ScheduleSpec(every_minutes=60)
    inventory: ScheduleSpec = ScheduleSpec(every_minutes=30)


@dataclass(frozen=True)
class CompanyMappingConfig:
    """Everything that decides how one company's Magento documents are booked."""

    payment_methods: MappingProxyType[str, PaymentMethodConfig] = field(
        default_factory=lambda: MappingProxyType({})
    )
    default_payment: PaymentMethodConfig = PaymentMethodConfig()
    accounts: AccountsConfig = AccountsConfig()
    items: ItemNamesConfig = ItemNamesConfig()
    tax: TaxConfig = TaxConfig()
    guest_customers: str = "per_email"
    guest_customer_name: str = "Web Guest"
    # Magento store_id (or website code) -> QuickBooks Class FullName
    classes: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    channel: ChannelConfig = ChannelConfig()
    currency_mode: str = "home"
    closing_date_policy: str = "hold"
    missing_items: str = "create"
    virtual_item_type: str = "service"
    bundles: str = "children"
    restock: str = "magento"
    # Magento MSI source_code -> QuickBooks inventory site FullName
    sites: MappingProxyType[str, str] = field(default_factory=lambda: MappingProxyType({}))
    sales_source: str = "default"  # the source whose site sales lines carry
    inventory_direction: str = "quickbooks_to_magento"
    timezone: str = "UTC"  # used when Magento's store config gives none
    overlap_minutes: int = 10
    schedule: ScheduleConfig = ScheduleConfig()

    def payment_for(self, method: str | None) -> PaymentMethodConfig:
        """The booking rule for a Magento payment method code (the default when unlisted)."""
        return self.payment_methods.get(method or "", self.default_payment)

    def class_for(self, store_id: object, website_code: str | None = None) -> str | None:
        return self.classes.get(str(store_id)) or (
            self.classes.get(website_code) if website_code else None
        )

    @property
    def sales_site(self) -> str | None:
        return self.sites.get(self.sales_source)

    @property
    def sources_by_site(self) -> dict[str, str]:
        """QuickBooks site FullName -> Magento source_code (one source per site)."""
        return {site: source for source, site in self.sites.items()}


def _choice(path: str, value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise MappingConfigError(path, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


def _text(path: str, value: Any, *, max_len: int = 159, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise MappingConfigError(path, f"expected text, got {type(value).__name__}")
    if not value and not allow_empty:
        raise MappingConfigError(path, "must not be empty")
    if len(value) > max_len:
        raise MappingConfigError(path, f"{value!r} is longer than QuickBooks' {max_len} chars")
    return value


def _table(path: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise MappingConfigError(path, "expected a table")
    return value


def _strict_fields(path: str, raw: dict[str, Any], known: set[str]) -> None:
    unknown = sorted(set(raw) - known)
    if unknown:
        raise MappingConfigError(path, f"unknown key(s) {', '.join(unknown)}; known: "
                                 f"{', '.join(sorted(known))}")


def _texts(path: str, cls: type[Any], raw: dict[str, Any], limits: dict[str, int]) -> Any:
    _strict_fields(path, raw, {f.name for f in fields(cls)})
    values = {
        key: _text(f"{path}.{key}", value, max_len=limits.get(key, 159))
        for key, value in raw.items()
    }
    return cls(**values)


def _payment(path: str, raw: Any, default: PaymentMethodConfig) -> PaymentMethodConfig:
    table = _table(path, raw)
    _strict_fields(path, table, {f.name for f in fields(PaymentMethodConfig)})
    return PaymentMethodConfig(
        flow=_choice(f"{path}.flow", table.get("flow", default.flow), FLOWS),
        refund=_choice(f"{path}.refund", table.get("refund", default.refund), REFUNDS),
        refund_account=_text(f"{path}.refund_account",
                             table.get("refund_account", default.refund_account),
                             allow_empty=True),
        qb_method=_text(f"{path}.qb_method", table.get("qb_method", default.qb_method),
                        max_len=31, allow_empty=True),
        deposit_account=_text(f"{path}.deposit_account",
                              table.get("deposit_account", default.deposit_account)),
    )


def _schedule(path: str, raw: dict[str, Any]) -> ScheduleConfig:
    _strict_fields(path, raw, {"orders", "products", "inventory"})
    specs: dict[str, ScheduleSpec] = {}
    for name in ("orders", "products", "inventory"):
        if name not in raw:
            continue
        table = _table(f"{path}.{name}", raw[name])
        _strict_fields(f"{path}.{name}", table, {"every_minutes", "cron"})
        every = table.get("every_minutes", getattr(ScheduleConfig(), name).every_minutes)
        if not isinstance(every, int) or isinstance(every, bool) or every < 1:
            raise MappingConfigError(f"{path}.{name}.every_minutes", "must be a whole number ≥ 1")
        cron = table.get("cron", "")
        if cron and (not isinstance(cron, str) or len(cron.split()) != 5):
            raise MappingConfigError(f"{path}.{name}.cron", "must be a five-field cron expression")
        specs[name] = ScheduleSpec(every_minutes=every, cron=cron)
    return ScheduleConfig(**specs)


def _channel(path: str, raw: dict[str, Any]) -> ChannelConfig:
    _strict_fields(path, raw, {f.name for f in fields(ChannelConfig)})
    classes = _table(f"{path}.classes", raw.get("classes", {}))
    return ChannelConfig(
        attribute=_text(f"{path}.attribute", raw.get("attribute", ""), allow_empty=True),
        placement=_choice(f"{path}.placement", raw.get("placement", "header"),
                          ("header", "lines")),
        classes=MappingProxyType({str(value): _text(f"{path}.classes.{value}", name)
                                  for value, name in classes.items()}),
    )


_SCALARS: dict[str, tuple[str, ...]] = {
    "guest_customers": GUEST_MODES,
    "currency_mode": CURRENCY_MODES,
    "closing_date_policy": CLOSING_POLICIES,
    "missing_items": MISSING_ITEM_POLICIES,
    "virtual_item_type": VIRTUAL_ITEM_TYPES,
    "bundles": BUNDLE_MODES,
    "restock": RESTOCK_MODES,
    "inventory_direction": INVENTORY_DIRECTIONS,
}


def parse_mapping_config(raw: dict[str, Any], *, path: str = "mapping") -> CompanyMappingConfig:
    """Validate one ``[mapping]`` table; every key is optional."""
    raw = _table(path, raw)
    _strict_fields(path, raw, {f.name for f in fields(CompanyMappingConfig)} | {"default_payment"})
    values: dict[str, Any] = {}
    for key, allowed in _SCALARS.items():
        if key in raw:
            values[key] = _choice(f"{path}.{key}", raw[key], allowed)
    default_payment = PaymentMethodConfig()
    if "default_payment" in raw:
        default_payment = _payment(f"{path}.default_payment", raw["default_payment"],
                                   default_payment)
    values["default_payment"] = default_payment
    methods = _table(f"{path}.payment_methods", raw.get("payment_methods", {}))
    values["payment_methods"] = MappingProxyType({
        code: _payment(f"{path}.payment_methods.{code}", table, default_payment)
        for code, table in methods.items()
    })
    values["accounts"] = _texts(f"{path}.accounts", AccountsConfig,
                                _table(f"{path}.accounts", raw.get("accounts", {})), {})
    values["items"] = _texts(f"{path}.items", ItemNamesConfig,
                             _table(f"{path}.items", raw.get("items", {})),
                             {f.name: 31 for f in fields(ItemNamesConfig)})
    tax_raw = dict(_table(f"{path}.tax", raw.get("tax", {})))
    if "mode" in tax_raw:
        tax_raw["mode"] = _choice(f"{path}.tax.mode", tax_raw["mode"], TAX_MODES)
    rate_items = _table(f"{path}.tax.rate_items", tax_raw.pop("rate_items", {}))
    tax = _texts(f"{path}.tax", TaxConfig, tax_raw,
                 {"zero_rate_tax_item": 31, "taxable_code": 3, "non_taxable_code": 3,
                  "agency": 41})
    values["tax"] = replace(tax, rate_items=MappingProxyType({
        str(code): _text(f"{path}.tax.rate_items.{code}", name, max_len=31)
        for code, name in rate_items.items()}))
    if "guest_customer_name" in raw:
        values["guest_customer_name"] = _text(f"{path}.guest_customer_name",
                                              raw["guest_customer_name"], max_len=41)
    for key, limit in (("classes", 159), ("sites", 31)):
        table = _table(f"{path}.{key}", raw.get(key, {}))
        values[key] = MappingProxyType({
            str(name): _text(f"{path}.{key}.{name}", value, max_len=limit)
            for name, value in table.items()
        })
    shared = sorted({site for site in values["sites"].values()
                     if list(values["sites"].values()).count(site) > 1})
    if shared:
        sources = [source for source, site in values["sites"].items() if site == shared[0]]
        raise MappingConfigError(
            f"{path}.sites", f"sources {', '.join(sources)} all map to site {shared[0]!r}; "
            "each QuickBooks site can stand for one Magento source only, or the quantity "
            "pushed back could not be split between them")
    if "sales_source" in raw:
        values["sales_source"] = _text(f"{path}.sales_source", raw["sales_source"])
    if "timezone" in raw:
        values["timezone"] = _text(f"{path}.timezone", raw["timezone"])
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise MappingConfigError(f"{path}.timezone", "not a known IANA time zone") from exc
    if "overlap_minutes" in raw:
        overlap = raw["overlap_minutes"]
        if not isinstance(overlap, int) or isinstance(overlap, bool) or overlap < 0:
            raise MappingConfigError(f"{path}.overlap_minutes", "must be a whole number ≥ 0")
        values["overlap_minutes"] = overlap
    values["channel"] = _channel(f"{path}.channel", _table(f"{path}.channel",
                                                           raw.get("channel", {})))
    values["schedule"] = _schedule(f"{path}.schedule",
                                   _table(f"{path}.schedule", raw.get("schedule", {})))
    return CompanyMappingConfig(**values)


def company_table(settings: Settings, company_name: str) -> dict[str, Any]:
    """The ``[companies.NAME]`` table of the service config (empty when absent)."""
    companies = settings.extra.get("companies", {})
    if not isinstance(companies, dict):
        raise MappingConfigError("companies", "expected a table of companies")
    table = companies.get(company_name, {})
    return _table(f"companies.{company_name}", table)


def load_company_config(settings: Settings, company_name: str) -> CompanyMappingConfig:
    """The validated mapping config of ``company_name``; defaults when none is written."""
    table = company_table(settings, company_name)
    return parse_mapping_config(table.get("mapping", {}),
                                path=f"companies.{company_name}.mapping")


def effective_company_config(settings: Settings, company: Company) -> CompanyMappingConfig:
    """The mapping config with what `company set` stored on the company row winning."""
    config = load_company_config(settings, company.name)
    if company.closing_date_policy:
        config = replace(config, closing_date_policy=company.closing_date_policy)
    return config


def magento_config_for(settings: Settings, company_name: str) -> Any:
    """The company's Magento connection, from ``[companies.NAME.magento]``."""
    from magento_client.config import MagentoConfig
    from magento_client.exceptions import MagentoConfigError

    table = company_table(settings, company_name).get("magento")
    if not isinstance(table, dict) or not table:
        companies = settings.extra.get("companies") or {}
        known = ", ".join(sorted(companies)) or "none"
        raise MappingConfigError(
            f"companies.{company_name}.magento",
            f"no Magento connection is configured for this company (companies: {known})")
    try:
        return MagentoConfig.from_mapping(table)
    except MagentoConfigError as exc:
        raise MappingConfigError(f"companies.{company_name}.magento", exc.message) from exc


def magento_client_for(settings: Settings, company_name: str) -> Any:
    """The company's Magento client, from ``[companies.NAME.magento]``."""
    from magento_client.client import MagentoClient

    return MagentoClient(magento_config_for(settings, company_name))
