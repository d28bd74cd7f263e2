"""One frozen configuration object, built once in ``main()`` and passed down.

Sources, later ones winning: embedded defaults, the TOML config file, environment
variables (``QBWC_SERVICE_*``). Secrets may come from a file named by
``QBWC_SERVICE_SECRETS_FILE`` which must not be readable by group or others.
"""

from __future__ import annotations

import os
import stat
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["ConfigError", "Settings", "load_settings"]

ENV_PREFIX = "QBWC_SERVICE_"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to know about its installation."""

    data_dir: Path = Path("data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""  # e.g. https://qb.example.com ; derived from host/port when empty
    app_name: str = "Magento QuickBooks Connector"
    # Web Connector protocol
    min_web_connector_version: str = "2.1.0.30"
    web_connector_version_policy: str = "warn"  # warn | error | ok
    ticket_ttl_seconds: int = 4 * 3600
    session_idle_seconds: int = 30 * 60
    # Failed logins one user name may have from one address before delays start; the
    # delay then doubles from login_first_delay_seconds up to lockout_minutes.
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    login_first_delay_seconds: int = 60
    # When set, only these addresses or networks (comma-separated) may log in as a
    # Web Connector: e.g. the bookkeeper's office.
    web_connector_addresses: str = ""
    # Failed logins (Web Connector and console) one address may make per window.
    address_login_limit: int = 20
    address_login_window_seconds: int = 300
    # Proxies whose X-Forwarded-For is believed (comma-separated addresses or networks).
    trusted_proxies: str = "127.0.0.1,::1"
    noop_limit: int = 6
    # qbXML
    qbxml_xsd_dir: str = ""
    templates_dir: str = ""
    transliterate: bool = True
    batch_start: int = 20
    batch_max: int = 100
    batch_max_bytes: int = 512 * 1024
    batch_target_seconds: float = 20.0
    max_attempts: int = 5
    retry_backoff_seconds: int = 60
    abandon_after_seconds: int = 15 * 60
    # Request log
    retention_days: int = 90
    # serve with the data folder, database or config open to other users: refuse | warn
    insecure_files: str = "refuse"
    # Bodies larger than this are refused before they reach the SOAP layer or the console.
    max_body_bytes: int = 32 * 1024 * 1024
    # Web console
    secret_key: str = ""
    web_idle_minutes: int = 30
    # A console session ends this long after sign-in, however busy it is.
    web_session_max_hours: int = 12
    # Scheduler
    scheduler_enabled: bool = True
    # Per-company mapping files live here: <data_dir>/companies/<name>.toml
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'qbwc.sqlite3').resolve()}"

    @property
    def base_url(self) -> str:
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::1", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def soap_url(self) -> str:
        return f"{self.base_url}/qbwc"

    @property
    def support_url(self) -> str:
        return f"{self.base_url}/support"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "config.toml"


_FIELD_TYPES = {f.name: f.type for f in fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = _FIELD_TYPES[name]
    if kind in ("int",):
        return int(value)
    if kind in ("float",):
        return float(value)
    if kind in ("bool",):
        if isinstance(value, bool):
            return value
        return str(value).strip().lower() in ("1", "true", "yes", "on")
    if kind in ("Path",):
        return Path(value)
    if kind.startswith("dict"):
        return dict(value)
    return str(value)


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} holds secrets and is readable by other users; run: chmod 600 {path}"
        )


MAGENTO_ENV = ENV_PREFIX + "MAGENTO__"
MAGENTO_SECRET_KEYS = frozenset({"consumer_key", "consumer_secret", "access_token",
                                 "access_token_secret", "username", "password"})


def _magento_from_env(env: dict[str, str]) -> dict[str, Any]:
    """``QBWC_SERVICE_MAGENTO__<COMPANY>__<FIELD>`` as ``{company: {"magento": {field: v}}}``.

    The company is matched to the configured names without regard to case (a name with
    spaces or punctuation is written with ``_`` in their place).
    """
    found: dict[str, Any] = {}
    for name, value in env.items():
        if not name.startswith(MAGENTO_ENV):
            continue
        company, _, key = name[len(MAGENTO_ENV):].rpartition("__")
        if company and key.lower() in MAGENTO_SECRET_KEYS:
            found.setdefault(company, {"magento": {}})["magento"][key.lower()] = value
    return found


def _env_name(company: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in company).upper()


def _merge_magento(values: dict[str, Any], companies: Any) -> None:
    """Magento credentials kept outside config.toml join their company's magento table."""
    if not isinstance(companies, dict):
        return
    extra = values.setdefault("extra", {})
    configured: dict[str, Any] = extra.setdefault("companies", {})
    by_env_name = {_env_name(name): name for name in configured}
    for company, table in companies.items():
        magento = table.get("magento") if isinstance(table, dict) else None
        if not isinstance(magento, dict):
            continue
        unknown = sorted(set(magento) - MAGENTO_SECRET_KEYS)
        if unknown:
            raise ConfigError(f"companies.{company}.magento in the secrets: only credentials "
                              f"belong there, not {', '.join(unknown)}")
        name = str(company) if company in configured else by_env_name.get(
            _env_name(str(company)), str(company))
        target = configured.setdefault(name, {}).setdefault("magento", {})
        target.update(magento)


def load_settings(
    config_file: str | Path | None = None,
    *,
    environ: dict[str, str] | None = None,
    **overrides: Any,
) -> Settings:
    """Build the settings from defaults, an optional TOML file, the environment, overrides."""
    env = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    path = Path(config_file) if config_file else None
    if path is None and env.get(ENV_PREFIX + "CONFIG"):
        path = Path(env[ENV_PREFIX + "CONFIG"])
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"config file {path} does not exist")
        try:
            document = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from exc
        service = document.get("service", document)
        extra: dict[str, Any] = {}
        for key, value in service.items():
            if key in _FIELD_TYPES and key != "extra":
                values[key] = _coerce(key, value)
            elif isinstance(value, dict) or key not in _FIELD_TYPES:
                extra[key] = value
        for key, value in document.items():
            if key != "service" and isinstance(value, dict):
                extra[key] = value
        values["extra"] = extra
        if "data_dir" in values and not values["data_dir"].is_absolute():
            values["data_dir"] = (path.parent / values["data_dir"]).resolve()
        elif "data_dir" not in values:
            values["data_dir"] = path.parent.resolve()
    secrets_file = env.get(ENV_PREFIX + "SECRETS_FILE")
    if secrets_file:
        secrets_path = Path(secrets_file)
        _check_private(secrets_path)
        secret_document = tomllib.loads(secrets_path.read_text(encoding="utf-8"))
        for key, value in secret_document.items():
            if key in _FIELD_TYPES:
                values[key] = _coerce(key, value)
        _merge_magento(values, secret_document.get("companies"))
    _merge_magento(values, _magento_from_env(env))
    for name in _FIELD_TYPES:
        env_value = env.get(ENV_PREFIX + name.upper())
        if env_value is not None and name != "extra":
            values[name] = _coerce(name, env_value)
    for key, value in overrides.items():
        if value is not None:
            values[key] = _coerce(key, value) if key in _FIELD_TYPES else value
    settings = replace(Settings(), **values)
    if settings.web_connector_version_policy not in ("warn", "error", "ok"):
        raise ConfigError("web_connector_version_policy must be warn, error or ok")
    if settings.insecure_files not in ("refuse", "warn"):
        raise ConfigError("insecure_files must be refuse or warn")
    return settings
