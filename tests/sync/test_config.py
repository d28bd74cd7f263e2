"""Per-company mapping config: defaults, the shipped example, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbwc_service.settings import load_settings
from qbwc_service.sync.config import (
    CompanyMappingConfig,
    load_company_config,
    parse_mapping_config,
)
from qbwc_service.sync.exceptions import MappingConfigError

EXAMPLE = Path(__file__).resolve().parents[2] / "deploy" / "company.example.toml"


def test_defaults_when_nothing_is_written(settings) -> None:
    """A company without a [mapping] table gets every default."""
    config = load_company_config(settings, "nobody")
    assert config == CompanyMappingConfig()
    assert config.payment_for("checkmo").flow == "invoice"
    assert config.tax.mode == "line_codes_plus_tax_item"
    assert config.inventory_direction == "quickbooks_to_magento"


def test_example_file_loads_through_the_service_settings(tmp_path: Path) -> None:
    """deploy/company.example.toml is valid and its values reach the frozen config."""
    settings = load_settings(EXAMPLE, environ={}, data_dir=tmp_path)
    config = load_company_config(settings, "acme")
    assert config.payment_for("braintree").flow == "sales_receipt"
    assert config.payment_for("braintree").qb_method == "Credit Card"
    assert config.payment_for("unknown").deposit_account == "Undeposited Funds"
    assert config.class_for(2) == "Web:EU Store"
    assert config.sales_site == "Main Warehouse"
    assert config.schedule.inventory.cron == "15 * * * *"
    assert config.schedule.orders.every_minutes == 5


@pytest.mark.parametrize(
    ("raw", "path"),
    [
        ({"currency_mode": "euro"}, "mapping.currency_mode"),
        ({"payment_methods": {"checkmo": {"flow": "cash"}}}, "mapping.payment_methods.checkmo.flow"),
        ({"items": {"shipping": "S" * 32}}, "mapping.items.shipping"),
        ({"tax": {"taxable_code": "TAXABLE"}}, "mapping.tax.taxable_code"),
        ({"guest_customer": "x"}, "mapping"),
        ({"timezone": "Mars/Olympus"}, "mapping.timezone"),
        ({"schedule": {"orders": {"cron": "* *"}}}, "mapping.schedule.orders.cron"),
        ({"schedule": {"orders": {"every_minutes": 0}}}, "mapping.schedule.orders.every_minutes"),
        ({"sites": {"default": "Main", "east": "Main"}}, "mapping.sites"),
    ],
)
def test_wrong_values_name_the_key_to_fix(raw: dict, path: str) -> None:
    """Each invalid value raises MappingConfigError carrying the key's path."""
    with pytest.raises(MappingConfigError) as caught:
        parse_mapping_config(raw)
    assert caught.value.path == path
    assert path in str(caught.value)


def test_each_site_stands_for_one_source() -> None:
    """Two sources on one site are refused by name; distinct sites invert one to one."""
    with pytest.raises(MappingConfigError, match="sources default, east all map to site 'Main'"):
        parse_mapping_config({"sites": {"default": "Main", "east": "Main", "west": "West"}})
    config = parse_mapping_config({"sites": {"default": "Main", "east": "East"}})
    assert config.sources_by_site == {"Main": "default", "East": "east"}


def test_unlisted_payment_method_inherits_the_default_payment() -> None:
    """Methods written without a flow take the default_payment's flow."""
    config = parse_mapping_config({"default_payment": {"flow": "sales_receipt"},
                                   "payment_methods": {"checkmo": {"qb_method": "Check"}}})
    assert config.payment_for("checkmo").flow == "sales_receipt"
    assert config.payment_for("checkmo").qb_method == "Check"
