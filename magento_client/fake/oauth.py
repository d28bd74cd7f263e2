"""Server-side OAuth 1.0a checks as Magento 2.4.4+ does them: HMAC-SHA256 only.

Query parameters are percent-decoded without turning ``+`` into a space, as Magento's
signature check did on 2.4.6 (magento2 #37278): a client that encodes spaces as ``+``
signs a different string and is refused, one that sends ``%20`` is accepted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from types import SimpleNamespace
from urllib.parse import unquote

from oauthlib.oauth1.rfc5849 import signature, utils

__all__ = ["OAuthFailure", "OAuthVerifier"]

# Magento\Integration\Model\Oauth\Nonce\Generator::TIME_DEVIATION
TIME_DEVIATION = 600


class OAuthFailure(Exception):
    """Why a signed request was refused: Magento's message template and parameters."""

    def __init__(self, template: str, parameters: object = None) -> None:
        super().__init__(template)
        self.template = template
        self.parameters = parameters


def _query_params(query: str) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key), unquote(value)))
    return pairs


class OAuthVerifier:
    """Checks one request's ``Authorization: OAuth ...`` header against the credentials."""

    def __init__(self, consumer_key: str, consumer_secret: str, token: str, token_secret: str,
                 *, clock_offset: float = 0.0) -> None:
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.token = token
        self.token_secret = token_secret
        self.clock_offset = clock_offset
        self._nonces: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def verify(self, method: str, url: str, query: str, authorization: str,
               body_params: Mapping[str, str] | None = None) -> None:
        """Raise :class:`OAuthFailure` unless the request is signed correctly."""
        try:
            params = {key: utils.unescape(value)
                      for key, value in utils.parse_authorization_header(authorization)}
        except ValueError:
            raise OAuthFailure("The consumer isn't authorized to access %resources.",
                               {"resources": "Magento_Sales::actions_view"}) from None
        method_name = params.get("oauth_signature_method", "")
        if method_name != "HMAC-SHA256":
            raise OAuthFailure("Signature method %1 is not supported", [method_name])
        if params.get("oauth_consumer_key") != self.consumer_key:
            raise OAuthFailure("A consumer having the specified key does not exist")
        if params.get("oauth_token") != self.token:
            raise OAuthFailure("Specified token does not exist")
        try:
            stamp = int(params.get("oauth_timestamp", "0"))
        except ValueError:
            stamp = 0
        if abs(time.time() + self.clock_offset - stamp) > TIME_DEVIATION:
            raise OAuthFailure("The timestamp is invalid. Verify and try again.")
        nonce = params.get("oauth_nonce", "")
        with self._lock:
            if (nonce, str(stamp)) in self._nonces:
                raise OAuthFailure(
                    "The nonce is already being used by the consumer with ID %1",
                    [self.consumer_key],
                )
            self._nonces.add((nonce, str(stamp)))
        collected = [(k, v) for k, v in params.items() if k not in ("oauth_signature", "realm")]
        collected += _query_params(query)
        collected += list((body_params or {}).items())
        base = signature.signature_base_string(
            method.upper(), signature.base_string_uri(url),
            signature.normalize_parameters(collected),
        )
        secrets = SimpleNamespace(client_secret=self.consumer_secret,
                                  resource_owner_secret=self.token_secret)
        expected = signature.sign_hmac_sha256_with_client(base, secrets)
        if not signature.safe_string_equals(expected, params.get("oauth_signature", "")):
            raise OAuthFailure("The signature is invalid. Verify and try again.")
