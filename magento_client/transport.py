"""One HTTP call to Magento: authentication, timeouts, retries, JSON with Decimal money.

Retry policy: reads (and writes the caller marks idempotent, such as absolute MSI
source-item quantities) are retried on 429, 500, 502, 503, 504, on connection errors,
timeouts and truncated bodies, with exponential backoff honouring ``Retry-After``.
Creates (invoice, refund, ship) are never retried: a lost answer may hide a success.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import requests
from oauthlib.oauth1 import SIGNATURE_HMAC_SHA256, SIGNATURE_TYPE_AUTH_HEADER
from requests_oauthlib import OAuth1

from magento_client.config import MagentoConfig
from magento_client.exceptions import (
    MagentoAPIError,
    MagentoAuthError,
    MagentoBadResponse,
    MagentoError,
    MagentoRateLimited,
    MagentoTimeout,
    MagentoTransportError,
    error_for_status,
)

__all__ = ["RETRY_STATUSES", "MagentoTransport", "parse_retry_after"]

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


class MagentoTransport:
    """Sends requests under ``config.rest_root`` with exactly one authentication mode."""

    def __init__(
        self,
        config: MagentoConfig,
        session: requests.Session | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.config = config
        self.session = session or requests.Session()
        self._sleep = sleep
        self._admin_token: str | None = None
        self._auth: OAuth1 | None = None
        if config.auth_mode == "oauth":
            self._auth = OAuth1(
                config.consumer_key,
                client_secret=config.consumer_secret,
                resource_owner_key=config.access_token,
                resource_owner_secret=config.access_token_secret,
                signature_method=SIGNATURE_HMAC_SHA256,
                signature_type=SIGNATURE_TYPE_AUTH_HEADER,
            )
        self.requests_sent = 0
        self.last_server_date: datetime | None = None

    def close(self) -> None:
        self.session.close()

    def url(self, path: str, query: str = "") -> str:
        return f"{self.config.rest_root}{path}" + (f"?{query}" if query else "")

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.config.auth_mode == "bearer":
            headers["Authorization"] = f"Bearer {self.config.access_token}"
        elif self.config.auth_mode == "admin":
            headers["Authorization"] = f"Bearer {self._admin_bearer()}"
        return headers

    def _admin_bearer(self) -> str:
        if self._admin_token is None:
            token = self.request(
                "POST",
                "/V1/integration/admin/token",
                json_body={"username": self.config.username, "password": self.config.password},
                authenticate=False,
            )
            if not isinstance(token, str):
                raise MagentoAuthError("the admin token endpoint did not return a token")
            self._admin_token = token
        return self._admin_token

    def request(
        self,
        method: str,
        path: str,
        *,
        query: str = "",
        json_body: Any = None,
        idempotent: bool | None = None,
        authenticate: bool = True,
    ) -> Any:
        """Send one call (with retries where allowed) and return the decoded JSON body."""
        method = method.upper()
        retryable = method in _IDEMPOTENT_METHODS if idempotent is None else idempotent
        allowed = self.config.max_retries if retryable else 0
        url = self.url(path, query)
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(method, url, json_body, authenticate, attempt)
            except MagentoAuthError:
                if self.config.auth_mode == "admin" and authenticate and self._admin_token and attempt == 1:
                    # Admin tokens expire after 4 hours; log in again once.
                    self._admin_token = None
                    continue
                raise
            except (MagentoTransportError, MagentoAPIError) as error:
                delay = self._delay(error, attempt)
                if not self._should_retry(error) or attempt > allowed or delay is None:
                    error.attempts = attempt
                    raise

                log.info("magento %s %s failed (%s); retry %d in %.2fs",
                         method, path, error.status or type(error).__name__, attempt, delay)
                self._sleep(delay)

    @staticmethod
    def _should_retry(error: MagentoError) -> bool:
        if isinstance(error, MagentoTransportError):
            return True
        return error.status in RETRY_STATUSES

    def _delay(self, error: MagentoError, attempt: int) -> float | None:
        """Seconds before the next try; None when Magento asked for a longer wait than
        ``max_backoff_seconds``: retrying sooner than asked only earns another refusal."""
        cap = self.config.max_backoff_seconds
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            return float(retry_after) if retry_after <= cap else None
        return float(min(self.config.backoff_seconds * (2 ** (attempt - 1)), cap))

    def _send_once(
        self, method: str, url: str, json_body: Any, authenticate: bool, attempt: int
    ) -> Any:
        headers = self._headers() if authenticate else {"Accept": "application/json"}
        data: bytes | None = None
        if json_body is not None:
            # A raw JSON body with its content type stays out of the OAuth base string,
            # where a form-encoded one would be signed (oauthlib #748).
            data = json.dumps(json_body, default=_json_default).encode("utf-8")
            headers["Content-Type"] = "application/json"
        try:
            self.requests_sent += 1
            response = self.session.request(
                method,
                url,
                data=data,
                headers=headers,
                auth=self._auth if authenticate else None,
                timeout=(self.config.connect_timeout, self.config.timeout),
                verify=self.config.verify_tls,
            )
        except requests.Timeout as exc:
            raise MagentoTimeout(
                "Magento did not answer within %1 seconds", parameters=[self.config.timeout],
                url=url, attempts=attempt,
            ) from exc
        except requests.RequestException as exc:
            raise MagentoTransportError(
                "cannot reach Magento: %1", parameters=[type(exc).__name__], url=url,
                attempts=attempt,
            ) from exc
        self._note_server_date(response.headers.get("Date"))
        body = _decode(response, url, attempt)
        if response.status_code >= 400:
            error = error_for_status(
                response.status_code, body, url=url, attempts=attempt,
                retry_after=parse_retry_after(response.headers.get("Retry-After")),
            )
            if response.status_code in (503, 502, 504) and not isinstance(error, MagentoRateLimited):
                # A 503 in maintenance mode says when to come back, like a 429 (RFC 9110 §10.2.3).
                error.retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise error
        return body

    def _note_server_date(self, value: str | None) -> None:
        if not value:
            return
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return
        self.last_server_date = moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _decode(response: requests.Response, url: str, attempt: int) -> Any:
    content = response.content
    if not content.strip():
        return None
    try:
        return json.loads(content, parse_float=Decimal)
    except ValueError as exc:
        if response.status_code >= 400:
            return content.decode("utf-8", "replace")
        raise MagentoBadResponse(
            "Magento's answer is not complete JSON (%1 bytes)", parameters=[len(content)],
            status=response.status_code, url=url, attempts=attempt,
        ) from exc
