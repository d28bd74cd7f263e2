"""Finding 2: Magento OAuth secrets could only live in config.toml.

They are now read from the secrets file (``QBWC_SERVICE_SECRETS_FILE``, owner-only) and
from ``QBWC_SERVICE_MAGENTO__<COMPANY>__<FIELD>`` environment variables.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from magento_client.config import MagentoConfig
from qbwc_service.settings import ConfigError, load_settings
from qbwc_service.sync.config import company_table

CONFIG = """[service]
port = 8123

[companies."North Shop".magento]
base_url = "https://shop.example.com"
"""
SECRETS = """secret_key = "0123456789abcdef"

[companies."North Shop".magento]
consumer_key = "ck"
consumer_secret = "cs"
access_token = "at"
"""


def _files(tmp_path: Path) -> tuple[Path, Path]:
    config, secrets = tmp_path / "config.toml", tmp_path / "secrets.toml"
    config.write_text(CONFIG)
    secrets.write_text(SECRETS)
    secrets.chmod(0o600)
    return config, secrets


def test_credentials_come_from_the_secrets_file_and_the_environment(tmp_path: Path) -> None:
    config, secrets = _files(tmp_path)
    settings = load_settings(config, environ={
        "QBWC_SERVICE_SECRETS_FILE": str(secrets),
        "QBWC_SERVICE_MAGENTO__NORTH_SHOP__ACCESS_TOKEN_SECRET": "ats",
    })
    magento = MagentoConfig.from_mapping(company_table(settings, "North Shop")["magento"])
    assert (magento.base_url, magento.consumer_key, magento.consumer_secret,
            magento.access_token, magento.access_token_secret) == (
        "https://shop.example.com", "ck", "cs", "at", "ats")
    assert "cs" not in config.read_text()


def test_the_secrets_file_holds_credentials_only(tmp_path: Path) -> None:
    config, secrets = _files(tmp_path)
    secrets.write_text(SECRETS + 'base_url = "https://evil.example.com"\n')
    with pytest.raises(ConfigError, match="only credentials belong there, not base_url"):
        load_settings(config, environ={"QBWC_SERVICE_SECRETS_FILE": str(secrets)})


def test_a_readable_secrets_file_is_refused(tmp_path: Path) -> None:
    config, secrets = _files(tmp_path)
    secrets.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        load_settings(config, environ={"QBWC_SERVICE_SECRETS_FILE": str(secrets)})
