"""Connection settings for one Magento store, usually a ``[companies.NAME.magento]`` table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, Literal

from magento_client.exceptions import MagentoConfigError

__all__ = ["AuthMode", "MagentoConfig"]

AuthMode = Literal["oauth", "bearer", "admin"]
_AUTH_MODES: tuple[str, ...] = ("oauth", "bearer", "admin")


@dataclass(frozen=True)
class MagentoConfig:
    """Where the store is and how to sign requests.

    ``oauth`` (default) signs every call with the integration's four credentials using
    HMAC-SHA256, the only method Magento 2.4.4+ accepts. ``bearer`` sends the access token
    alone and works only where the store enabled "integration tokens as bearer".
    ``admin`` logs in with a username and password: development only, 2FA blocks it.
    """

    base_url: str
    store_code: str = "default"
    auth_mode: AuthMode = "oauth"
    consumer_key: str = ""
    consumer_secret: str = ""
    access_token: str = ""
    access_token_secret: str = ""
    username: str = ""
    password: str = ""
    timeout: float = 30.0
    connect_timeout: float = 10.0
    max_retries: int = 4
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 30.0
    page_size: int = 100
    write_batch_size: int = 20
    verify_tls: bool = True
    # Where people open the store's admin (links only; stores often move it off /admin).
    admin_url: str = ""

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise MagentoConfigError("base_url must start with http:// or https://")
        if self.auth_mode not in _AUTH_MODES:
            raise MagentoConfigError(
                "auth_mode must be one of %1", parameters=[", ".join(_AUTH_MODES)]
            )
        if self.auth_mode == "oauth":
            missing = [
                name
                for name in ("consumer_key", "consumer_secret", "access_token", "access_token_secret")
                if not getattr(self, name)
            ]
            if missing:
                raise MagentoConfigError(
                    "OAuth signing needs the integration's four credentials; missing: %1",
                    parameters=[", ".join(missing)],
                )
        if self.auth_mode == "bearer" and not self.access_token:
            raise MagentoConfigError("bearer mode needs access_token")
        if self.auth_mode == "admin" and not (self.username and self.password):
            raise MagentoConfigError("admin mode needs username and password")
        if not 1 <= self.page_size <= 300:
            # Magento's Web API input limits cap pageSize at 300 when they are switched on.
            raise MagentoConfigError("page_size must be between 1 and 300")
        if self.max_retries < 0:
            raise MagentoConfigError("max_retries cannot be negative")

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any]) -> MagentoConfig:
        """Build from a TOML table; unknown keys are an error so typos do not pass silently."""
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise MagentoConfigError("unknown Magento settings: %1", parameters=[", ".join(unknown)])
        if "base_url" not in table:
            raise MagentoConfigError("base_url is required")
        values: dict[str, Any] = {}
        for key, value in table.items():
            kind = known[key].type
            if kind == "int":
                values[key] = int(value)
            elif kind == "float":
                values[key] = float(value)
            elif kind == "bool":
                values[key] = value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")
            else:
                values[key] = str(value)
        return cls(**values)

    @property
    def rest_root(self) -> str:
        """``https://host/rest/<store_code>``; the ``/V1/...`` path is appended per call."""
        root = self.base_url.rstrip("/")
        return f"{root}/rest/{self.store_code}" if self.store_code else f"{root}/rest"

    def __repr__(self) -> str:
        # Secrets never reach logs or tracebacks through repr().
        return (
            f"MagentoConfig(base_url={self.base_url!r}, store_code={self.store_code!r}, "
            f"auth_mode={self.auth_mode!r})"
        )
