"""Errors raised by the Magento client.

::

    MagentoError                      .message (placeholders filled), .template, .parameters,
    │                                 .status (None without an HTTP answer), .url
    ├── MagentoConfigError            the connection settings cannot be used
    ├── MagentoTransportError         no usable HTTP answer
    │   ├── MagentoTimeout            connect or read timed out
    │   └── MagentoBadResponse        the body is not the JSON Magento should send (truncated)
    └── MagentoAPIError               Magento answered with an error status and body
        ├── MagentoBadRequest         400 validation ("%fieldName is a required field.")
        ├── MagentoAuthError          401 signature, token, ACL
        ├── MagentoForbidden          403
        ├── MagentoNotFound           404 entity or route missing
        ├── MagentoRateLimited        429; .retry_after seconds when the server said
        └── MagentoServerError        5xx

``attempts`` on every error counts the tries made before giving up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = [
    "MagentoAPIError",
    "MagentoAuthError",
    "MagentoBadRequest",
    "MagentoBadResponse",
    "MagentoConfigError",
    "MagentoError",
    "MagentoForbidden",
    "MagentoNotFound",
    "MagentoRateLimited",
    "MagentoServerError",
    "MagentoTimeout",
    "MagentoTransportError",
    "error_for_status",
    "render_message",
]

_PLACEHOLDER = re.compile(r"%(\d+|[A-Za-z_][A-Za-z0-9_]*)")


def render_message(template: str, parameters: Any) -> str:
    """Fill ``%1`` (list parameters, 1-based) or ``%name`` (object parameters)."""
    if not parameters:
        return template
    if isinstance(parameters, Mapping):
        lookup = {str(key): value for key, value in parameters.items()}
    elif isinstance(parameters, list | tuple):
        lookup = {str(index): value for index, value in enumerate(parameters, start=1)}
    else:
        return template

    def substitute(match: re.Match[str]) -> str:
        value = lookup.get(match.group(1))
        if value is None:
            return match.group(0)
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return str(value)

    return _PLACEHOLDER.sub(substitute, template)


class MagentoError(Exception):
    """Base of every client error; the rendered message is also ``str(error)``."""

    def __init__(
        self,
        template: str,
        *,
        parameters: Any = None,
        status: int | None = None,
        url: str | None = None,
        attempts: int = 1,
    ) -> None:
        self.template = template
        self.parameters = parameters
        self.message = render_message(template, parameters)
        self.status = status
        self.url = url
        self.attempts = attempts
        super().__init__(self.message)

    def __str__(self) -> str:
        where = f" ({self.status} from {self.url})" if self.status and self.url else ""
        return f"{self.message}{where}"


class MagentoConfigError(MagentoError):
    """The Magento connection settings are incomplete or contradictory."""


class MagentoTransportError(MagentoError):
    """The request got no usable answer: connection refused or reset, DNS, TLS."""


class MagentoTimeout(MagentoTransportError):
    """The connect or read timeout passed."""


class MagentoBadResponse(MagentoTransportError):
    """An answer arrived but its body is not valid JSON (often truncated by a proxy)."""


class MagentoAPIError(MagentoError):
    """Magento answered with an HTTP error status and its ``{message, parameters}`` body."""

    # Seconds the server asked to wait (Retry-After on a 429 or 503), when it said.
    retry_after: float | None = None


class MagentoBadRequest(MagentoAPIError):
    """400: validation failed."""


class MagentoAuthError(MagentoAPIError):
    """401: signature, token or ACL refused."""


class MagentoForbidden(MagentoAPIError):
    """403."""


class MagentoNotFound(MagentoAPIError):
    """404: no such entity, or the route (often the store code) does not exist."""


class MagentoRateLimited(MagentoAPIError):
    """429: too many requests."""

    def __init__(self, template: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(template, **kwargs)
        self.retry_after = retry_after


class MagentoServerError(MagentoAPIError):
    """5xx: Magento or a proxy in front of it failed."""


_BY_STATUS: dict[int, type[MagentoAPIError]] = {
    400: MagentoBadRequest,
    401: MagentoAuthError,
    403: MagentoForbidden,
    404: MagentoNotFound,
    429: MagentoRateLimited,
}


def error_for_status(
    status: int,
    body: Any,
    *,
    url: str,
    retry_after: float | None = None,
    attempts: int = 1,
) -> MagentoAPIError:
    """Decode Magento's error body (``message``/``parameters``, or ``errors[0]``)."""
    template = f"HTTP {status}"
    parameters: Any = None
    if isinstance(body, Mapping):
        template = str(body.get("message") or template)
        parameters = body.get("parameters")
        errors = body.get("errors")
        if not body.get("message") and isinstance(errors, list) and errors:
            first = errors[0] if isinstance(errors[0], Mapping) else {}
            template = str(first.get("message") or template)
            parameters = first.get("parameters")
    elif isinstance(body, str) and body.strip():
        template = body.strip()[:200]
    kind = _BY_STATUS.get(status, MagentoServerError if status >= 500 else MagentoAPIError)
    if kind is MagentoRateLimited:
        return MagentoRateLimited(
            template, parameters=parameters, status=status, url=url,
            retry_after=retry_after, attempts=attempts,
        )
    return kind(template, parameters=parameters, status=status, url=url, attempts=attempts)
