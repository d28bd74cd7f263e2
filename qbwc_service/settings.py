"""One frozen configuration object, built once in ``main()`` and passed down.

Sources, later ones winning: embedded defaults, the TOML config file, environment
variables (``QBWC_SERVICE_<KEY>``). Secrets may come from a file named by
``QBWC_SERVICE_SECRETS_FILE`` which must not be readable by group or others.

Every source is checked the same strict way: a key that is not a setting, or a value
of the wrong type, stops the start with one line naming the source, the key, the
expected type and the closest valid key. Nothing is silently filed away.
"""

from __future__ import annotations

import difflib
import os
import stat
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

__all__ = ["ENV_PREFIX", "FIELD_DOCS", "ConfigError", "Settings", "load_settings"]

ENV_PREFIX = "QBWC_SERVICE_"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Settings:
    """Everything the service needs to know about its installation (see ``FIELD_DOCS``)."""

    data_dir: Path = Path("data")
    database_url: str = ""
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str = ""
    app_name: str = "Magento QuickBooks Connector"
    log_level: str = "INFO"
    min_web_connector_version: str = "2.1.0.30"
    web_connector_version_policy: str = "warn"
    ticket_ttl_seconds: int = 4 * 3600
    session_idle_seconds: int = 30 * 60
    lockout_attempts: int = 5
    lockout_minutes: int = 15
    login_first_delay_seconds: int = 60
    login_cache_seconds: int = 900
    web_connector_addresses: str = ""
    address_login_limit: int = 20
    address_login_window_seconds: int = 300
    trusted_proxies: str = "127.0.0.1,::1"
    noop_limit: int = 6
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
    retention_days: int = 90
    response_log_bytes: int = 256 * 1024
    insecure_files: str = "refuse"
    max_body_bytes: int = 32 * 1024 * 1024
    secret_key: str = ""
    web_idle_minutes: int = 30
    web_session_max_hours: int = 12
    scheduler_enabled: bool = True
    # The [companies.NAME] tables (Magento connection and mapping), checked by sync.config.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'qbwc.sqlite3').resolve()}"

    @property
    def listen_url(self) -> str:
        """Where this process listens, as a URL a browser on this machine can open."""
        host = "localhost" if self.host in ("127.0.0.1", "0.0.0.0", "::1", "::", "") else self.host  # noqa: S104
        return f"http://{host}:{self.port}"

    @property
    def base_url(self) -> str:
        """The public address: ``public_url``, else where this process listens."""
        if self.public_url:
            return self.public_url.rstrip("/")
        return self.listen_url

    @property
    def soap_url(self) -> str:
        return f"{self.base_url}/qbwc"

    @property
    def support_url(self) -> str:
        return f"{self.base_url}/support"

    @property
    def config_path(self) -> Path:
        return self.data_dir / "config.toml"


# The configuration reference: one sentence per key (README "Configuration reference").
FIELD_DOCS: dict[str, str] = {
    "data_dir": "Folder of the SQLite database and per-company files; relative to the config file.",
    "database_url": "SQLAlchemy URL of the database; empty = SQLite in data_dir.",
    "host": "Address serve listens on.",
    "port": "Port serve listens on (1-65535).",
    "public_url": "Address the Web Connector and browsers use (https://qb.example.com); empty = http://host:port.",
    "app_name": "Name shown in the Web Connector and the console.",
    "log_level": "DEBUG, INFO, WARNING or ERROR.",
    "min_web_connector_version": "Oldest Web Connector version accepted without a warning.",
    "web_connector_version_policy": "What an older Web Connector gets: warn, error or ok.",
    "ticket_ttl_seconds": "Longest a Web Connector run (one ticket) may last.",
    "session_idle_seconds": "A run nobody calls for this long is ended and recovered.",
    "lockout_attempts": "Failed logins one user name may have from one address before delays start.",
    "lockout_minutes": "Longest delay after failed logins (the delay doubles up to it).",
    "login_first_delay_seconds": "First delay after lockout_attempts failed logins.",
    "login_cache_seconds": "A Web Connector password argon2 accepted is recognised this long by a keyed digest held in memory only; 0 = argon2 at every login.",
    "web_connector_addresses": "Only these addresses or networks (comma-separated) may log in as a Web Connector; empty = any.",
    "address_login_limit": "Failed logins (Web Connector and console) one address may make per window.",
    "address_login_window_seconds": "The window of address_login_limit.",
    "trusted_proxies": "Proxies whose X-Forwarded-For is believed (comma-separated addresses or networks).",
    "noop_limit": "NoOp pauses in a row before a run with nothing ready ends.",
    "qbxml_xsd_dir": "Folder of Intuit's qbXML XSDs for validation; empty = none.",
    "templates_dir": "Folder of qbXML templates overriding the built-in ones; empty = built-in.",
    "transliterate": "Replace characters QuickBooks cannot store with the nearest Latin-1 ones.",
    "batch_start": "Requests in the first message set of a run.",
    "batch_max": "Most requests in one message set.",
    "batch_max_bytes": "Largest message set in bytes.",
    "batch_target_seconds": "Round trip the batch size adapts to (seconds).",
    "max_attempts": "Sends of a request before it fails for good.",
    "retry_backoff_seconds": "Wait before a retried request is sent again (doubles each time).",
    "abandon_after_seconds": "A message set unanswered this long goes through recovery.",
    "retention_days": "Request and response bodies older than this are purged (the facts stay).",
    "response_log_bytes": "QuickBooks' answer to one request is kept whole in the request log up to this size; a larger one keeps its status, its first records up to this size and a note of the rest.",
    "insecure_files": "serve with the data folder, database or config open to other users: refuse or warn.",
    "max_body_bytes": "Larger HTTP bodies are refused before parsing.",
    "secret_key": "Signs console sessions; empty = a random key per start (sign-ins end at restart).",
    "web_idle_minutes": "Console sign-ins end after this much inactivity.",
    "web_session_max_hours": "Console sign-ins end this long after sign-in, however busy.",
    "scheduler_enabled": "Pull from Magento in the serve process (false when a worker does it).",
}

_TYPE_NAMES = {"int": "an integer", "float": "a number", "bool": "true or false",
               "str": "a string", "Path": "a string (a folder path)"}
_CHOICES = {"web_connector_version_policy": ("warn", "error", "ok"),
            "insecure_files": ("refuse", "warn"),
            "log_level": ("DEBUG", "INFO", "WARNING", "ERROR")}
_FIELD_TYPES = {f.name: str(f.type) for f in fields(Settings) if f.name != "extra"}
# No number of the settings means anything below 0; these stop the service working at 0
# (an empty message set, a batch that never grows, nothing ever sent, every HTTP body
# refused).
_AT_LEAST_ONE = frozenset({
    "batch_start", "batch_max", "batch_max_bytes", "batch_target_seconds", "max_attempts",
    "max_body_bytes", "lockout_attempts", "address_login_limit", "ticket_ttl_seconds"})
_TOP_LEVEL_TABLES = ("service", "companies")
_COMPANY_TABLES = ("magento", "mapping", "reconciliation")
# Read by other programs of the installation (deploy/gunicorn.conf.py, failpoints).
_OTHER_ENV = frozenset({"CONFIG", "SECRETS_FILE", "FAILPOINTS", "BIND", "WORKERS", "THREADS",
                        "TIMEOUT", "FORWARDED_ALLOW_IPS"})
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _hint(key: str, valid: list[str], types: dict[str, str]) -> str:
    """"; did you mean port (an integer)?" for the closest valid key, else where to look."""
    match = difflib.get_close_matches(key, valid, n=1, cutoff=0.5)
    if not match:
        return "; see the configuration reference in README.md"
    kind = types.get(match[0])
    return f"; did you mean {match[0]}" + (f" ({_TYPE_NAMES[kind]})" if kind else "") + "?"


def _unknown(source: str, where: str, key: str, valid: list[str]) -> ConfigError:
    return ConfigError(f"{source}: {where}{key} is not a setting{_hint(key, valid, _FIELD_TYPES)}")


def _typed(source: str, label: str, name: str, value: Any) -> Any:
    """``value`` as the type of setting ``name``; refused (not converted) when it is not."""
    kind = _FIELD_TYPES[name]
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "str": isinstance(value, str),
        "Path": isinstance(value, str),
    }[kind]
    if not ok:
        raise ConfigError(f"{source}: {label} must be {_TYPE_NAMES[kind]}, not {value!r}")
    result: Any = Path(value) if kind == "Path" else float(value) if kind == "float" else value
    _check_value(source, label, name, result)
    return result


def _check_value(source: str, label: str, name: str, value: Any) -> None:
    choices = _CHOICES.get(name)
    if choices and value not in choices:
        raise ConfigError(f"{source}: {label} must be one of {', '.join(choices)}, not {value!r}")
    if name == "port" and not 1 <= value <= 65535:
        raise ConfigError(f"{source}: {label} must be a port number 1-65535, not {value!r}")
    if _FIELD_TYPES[name] in ("int", "float"):
        lowest = 1 if name in _AT_LEAST_ONE else 0
        if value < lowest:
            raise ConfigError(f"{source}: {label} must be {lowest} or more, not {value!r}")


def _from_env(name: str, text: str) -> Any:
    """An environment string as the type of setting ``name``, or a ConfigError."""
    label = ENV_PREFIX + name.upper()
    kind = _FIELD_TYPES[name]
    value: Any = text
    try:
        if kind == "int":
            value = int(text)
        elif kind == "float":
            value = float(text)
    except ValueError:
        raise ConfigError(f"environment: {label} must be {_TYPE_NAMES[kind]}, not {text!r}") from None
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered not in _TRUE + _FALSE:
            raise ConfigError(f"environment: {label} must be true or false, not {text!r}")
        value = lowered in _TRUE
    return _typed("environment", label, name, str(value) if kind == "Path" else value)


def _settings_table(source: str, table: dict[str, Any], where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, value in table.items():
        if key not in _FIELD_TYPES:
            raise _unknown(source, where, key, list(_FIELD_TYPES))
        values[key] = _typed(source, f"{where}{key}", key, value)
    return values


def _companies(source: str, companies: Any) -> dict[str, Any]:
    if not isinstance(companies, dict):
        raise ConfigError(f"{source}: companies must be a table of [companies.NAME] tables")
    for name, table in companies.items():
        if not isinstance(table, dict):
            raise ConfigError(f'{source}: companies."{name}" must be a table')
        for key in table:
            if key not in _COMPANY_TABLES:
                raise _unknown(source, f'[companies."{name}"] ', key, list(_COMPANY_TABLES))
    return dict(companies)


def _read_file(path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """(settings, extra) from the TOML file at ``path``."""
    if not path.is_file():
        raise ConfigError(f"config file {path} does not exist; create it with "
                          f"`qbwc-service --config {path} init`")
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc})") from exc
    source = str(path)
    values: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    for key, value in document.items():
        if key == "service" and isinstance(value, dict):
            values.update(_settings_table(source, value, "[service] "))
        elif key == "companies":
            extra["companies"] = _companies(source, value)
        elif key in _FIELD_TYPES:
            values[key] = _typed(source, key, key, value)
        else:
            raise _unknown(source, "", key, [*_TOP_LEVEL_TABLES, *_FIELD_TYPES])
    if "data_dir" in values and not values["data_dir"].is_absolute():
        values["data_dir"] = (path.parent / values["data_dir"]).resolve()
    elif "data_dir" not in values:
        values["data_dir"] = path.parent.resolve()
    return values, extra


def _check_private(path: Path) -> None:
    mode = path.stat().st_mode
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(
            f"{path} holds secrets and is readable by other users; run: chmod 600 {path}"
        )


def _read_secrets(path: Path) -> tuple[dict[str, Any], Any]:
    """(settings, the companies' Magento credentials) from the secrets file."""
    if not path.is_file():
        raise ConfigError(f"secrets file {path} (QBWC_SERVICE_SECRETS_FILE) does not exist")
    _check_private(path)
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    companies = table.pop("companies", None)
    return _settings_table(str(path), table, ""), companies


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
        if not company or key.lower() not in MAGENTO_SECRET_KEYS:
            raise ConfigError(f"environment: {name} is not a Magento credential; write "
                              f"{MAGENTO_ENV}<COMPANY>__<FIELD> with FIELD one of "
                              f"{', '.join(sorted(MAGENTO_SECRET_KEYS))}")
        found.setdefault(company, {"magento": {}})["magento"][key.lower()] = value
    return found


def _env_name(company: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in company).upper()


def _merge_magento(values: dict[str, Any], companies: Any, source: str) -> None:
    """Magento credentials kept outside config.toml join their company's magento table."""
    if companies is None:
        return
    if not isinstance(companies, dict):
        raise ConfigError(f"{source}: companies must be a table of [companies.NAME] tables")
    extra = values.setdefault("extra", {})
    configured: dict[str, Any] = extra.setdefault("companies", {})
    by_env_name = {_env_name(name): name for name in configured}
    for company, table in companies.items():
        magento = table.get("magento") if isinstance(table, dict) else None
        if not isinstance(magento, dict) or set(table) != {"magento"}:
            raise ConfigError(f'{source}: [companies."{company}"] may hold only a magento '
                              "table of credentials")
        unknown = sorted(set(magento) - MAGENTO_SECRET_KEYS)
        if unknown:
            raise ConfigError(f"{source}: companies.{company}.magento: only credentials "
                              f"belong there, not {', '.join(unknown)}")
        name = str(company) if company in configured else by_env_name.get(
            _env_name(str(company)), str(company))
        target = configured.setdefault(name, {}).setdefault("magento", {})
        target.update(magento)


def _read_env(env: dict[str, str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for variable, text in env.items():
        if not variable.startswith(ENV_PREFIX):
            continue
        key = variable[len(ENV_PREFIX):]
        if key in _OTHER_ENV or variable.startswith(MAGENTO_ENV):
            continue
        name = key.lower()
        if name not in _FIELD_TYPES:
            types = {ENV_PREFIX + k.upper(): kind for k, kind in _FIELD_TYPES.items()}
            raise ConfigError(f"environment: {variable} is not a setting"
                              f"{_hint(variable, list(types), types)}")
        values[name] = _from_env(name, text)
    return values


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
        file_values, extra = _read_file(path)
        values.update(file_values)
        values["extra"] = extra
    if env.get(ENV_PREFIX + "SECRETS_FILE"):
        secrets_path = Path(env[ENV_PREFIX + "SECRETS_FILE"])
        secret_values, secret_companies = _read_secrets(secrets_path)
        values.update(secret_values)
        _merge_magento(values, secret_companies, str(secrets_path))
    _merge_magento(values, _magento_from_env(env), "environment")
    values.update(_read_env(env))
    for key, value in overrides.items():
        if value is None:
            continue
        if key == "extra":
            values[key] = value
        elif key not in _FIELD_TYPES:
            raise ConfigError(f"unknown setting {key!r}")
        else:
            values[key] = _typed("command line", key, key,
                                 str(value) if isinstance(value, Path) else value)
    return replace(Settings(), **values)
