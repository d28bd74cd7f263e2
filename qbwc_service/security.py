"""Guards in front of the application: body size limit, login throttling, file permissions.

Per-user lockout lives in the database (``auth.py``) and therefore holds across server
processes; the per-address throttle here is per process and only slows a single
attacker down cheaply before any password hash is computed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import logging
import os
import secrets
import stat
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from qbwc_service.settings import Settings

__all__ = [
    "BodySizeLimit",
    "ErrorBarrier",
    "InsecureFilesError",
    "LoginThrottle",
    "address_allowed",
    "check_private_files",
    "client_address",
    "harden",
    "insecure_permissions",
    "installation_key",
    "installation_secret",
]

log = logging.getLogger(__name__)

_SOAP_SERVER_FAULT = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b"<soap:Fault><faultcode>soap:Server</faultcode>"
    b"<faultstring>The request could not be processed.</faultstring>"
    b"</soap:Fault></soap:Body></soap:Envelope>"
)

_SPOOL_IN_MEMORY = 1024 * 1024
_READ_CHUNK = 64 * 1024


class BodySizeLimit:
    """WSGI middleware refusing request bodies over ``max_bytes`` with 413.

    A declared Content-Length is checked before a byte is read. A body without one
    (chunked transfer) is spooled up to the limit, then handed on with a length, so the
    application behind never reads an unbounded stream.
    """

    def __init__(self, app: WSGIApplication, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refuse(self, start_response: StartResponse) -> list[bytes]:
        body = f"request body larger than {self.max_bytes} bytes is refused\n".encode()
        start_response(
            "413 Content Too Large",
            [
                ("Content-Type", "text/plain; charset=utf-8"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        declared = environ.get("CONTENT_LENGTH", "")
        if declared.strip():
            try:
                length = int(declared)
            except ValueError:
                length = -1
            if length < 0:
                start_response("400 Bad Request", [("Content-Type", "text/plain")])
                return [b"invalid Content-Length\n"]
            if length > self.max_bytes:
                return self._refuse(start_response)
            return self.app(environ, start_response)
        if "chunked" not in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            return self.app(environ, start_response)
        spool = tempfile.SpooledTemporaryFile(max_size=_SPOOL_IN_MEMORY)
        stream = environ["wsgi.input"]
        size = 0
        while True:
            chunk = stream.read(_READ_CHUNK)
            if not chunk:
                break
            size += len(chunk)
            if size > self.max_bytes:
                spool.close()
                return self._refuse(start_response)
            spool.write(chunk)
        spool.seek(0)
        environ = dict(environ)
        environ["wsgi.input"] = spool
        environ["CONTENT_LENGTH"] = str(size)
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)


class ErrorBarrier:
    """WSGI middleware: an exception escaping the app becomes a bare refusal, never a trace.

    Callers under ``soap_prefix`` get a well-formed SOAP fault, because the Web Connector
    reports anything else as "response is not well-formed XML".
    """

    def __init__(self, app: WSGIApplication, soap_prefix: str = "/qbwc") -> None:
        self.app = app
        self.soap_prefix = soap_prefix

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        # Mounted apps rewrite PATH_INFO in place; remember where the call was going.
        path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
        try:
            return self.app(environ, start_response)
        except Exception:
            log.exception("request to %s failed", path)
            soap = path.startswith(self.soap_prefix)
            body = _SOAP_SERVER_FAULT if soap else b"internal error\n"
            content_type = "text/xml; charset=utf-8" if soap else "text/plain; charset=utf-8"
            start_response(
                "500 Internal Server Error",
                [("Content-Type", content_type), ("Content-Length", str(len(body)))],
                sys.exc_info(),
            )
            return [body]


def harden(app: WSGIApplication, max_body_bytes: int) -> WSGIApplication:
    """The guards every deployment wraps around the whole application, outermost first."""
    return BodySizeLimit(ErrorBarrier(app), max_body_bytes)


def networks(text: str | Iterable[str]) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Addresses or networks written as ``10.0.0.0/8, 192.0.2.7`` (a string or a list)."""
    items = text.split(",") if isinstance(text, str) else text
    return [ipaddress.ip_network(item.strip(), strict=False) for item in items if item.strip()]


def address_allowed(address: str, allowed: str) -> bool:
    """Whether ``address`` is in the comma-separated allow-list; an empty list allows all."""
    if not allowed.strip():
        return True
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks(allowed))


def client_address(environ: WSGIEnvironment, trusted_proxies: Iterable[str] = ()) -> str:
    """The caller's address; X-Forwarded-For is believed only from a trusted proxy."""
    remote = str(environ.get("REMOTE_ADDR", "") or "")
    trusted_networks = networks(trusted_proxies)

    def trusted(address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in trusted_networks)

    if not trusted(remote):
        return remote
    # Walk from the nearest hop outwards; the first untrusted hop is the client.
    forwarded = str(environ.get("HTTP_X_FORWARDED_FOR", ""))
    hops = [hop.strip() for hop in forwarded.split(",")]
    for hop in reversed([hop for hop in hops if hop]):
        if not trusted(hop):
            return hop
    return remote


class LoginThrottle:
    """Sliding-window count of failed logins per key (an address, or address+user).

    ``retry_after(key)`` is 0 while the key is under ``limit`` failures within
    ``window_seconds``, else the seconds until the oldest failure leaves the window.
    """

    def __init__(
        self,
        limit: int = 20,
        window_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window_seconds = window_seconds
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _trim(self, key: str, now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and now - failures[0] >= self.window_seconds:
            failures.popleft()
        return failures

    def retry_after(self, key: str) -> float:
        now = self._clock()
        with self._lock:
            failures = self._trim(key, now)
            if len(failures) < self.limit:
                return 0.0
            return max(0.0, self.window_seconds - (now - failures[0]))

    def allowed(self, key: str) -> bool:
        return self.retry_after(key) == 0.0

    def record_failure(self, key: str) -> None:
        now = self._clock()
        with self._lock:
            if key not in self._failures and len(self._failures) >= self._max_keys:
                # A flood of distinct addresses must not grow memory without bound.
                self._failures.pop(next(iter(self._failures)))
            failures = self._trim(key, now)
            failures.append(now)
            self._failures[key] = failures

    def record_success(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)


def insecure_permissions(paths: Iterable[Path]) -> list[str]:
    """Problems with files holding secrets or customer data: open to group or others.

    The data folder must be 0700 and the files in it 0600: the database, its WAL and
    SHM files and the configuration hold customer data and credentials.
    """
    problems: list[str] = []
    if os.name != "posix":
        return problems
    for path in paths:
        if not path.exists():
            continue
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXO | stat.S_IRWXG):
            problems.append(f"{path} is readable by other users; run: chmod go-rwx {path}")
    return problems


# Files and folders created by this process: owner only.
PRIVATE_UMASK = 0o077


def private_paths(settings: Settings) -> list[Path]:
    """The data folder and every file in it that holds secrets or customer data."""
    data_dir = Path(settings.data_dir)
    paths = [data_dir, data_dir / "config.toml", data_dir / "secret_key"]
    database = Path(settings.resolved_database_url.removeprefix("sqlite:///"))
    if settings.resolved_database_url.startswith("sqlite:///"):
        paths += [database, database.with_name(database.name + "-wal"),
                  database.with_name(database.name + "-shm")]
    if os.environ.get("QBWC_SERVICE_SECRETS_FILE"):
        paths.append(Path(os.environ["QBWC_SERVICE_SECRETS_FILE"]))
    return paths


class InsecureFilesError(Exception):
    """Files holding secrets or customer data are open to other users; the message lists them."""


def check_private_files(settings: Settings) -> list[str]:
    """Before serving: set the owner-only umask and check the modes of what exists.

    With ``insecure_files = "refuse"`` (the default) looser modes stop the start with
    ``InsecureFilesError``; with ``"warn"`` they are logged loudly and returned.
    """
    os.umask(PRIVATE_UMASK)
    problems = insecure_permissions(private_paths(settings))
    if problems and settings.insecure_files != "warn":
        raise InsecureFilesError(
            "refusing to start: files holding customer data or secrets are open to other "
            "users (set insecure_files = \"warn\" to start anyway):\n  " + "\n  ".join(problems))
    for problem in problems:
        log.error("insecure file permissions: %s", problem)
    return problems


def installation_secret(settings: Settings) -> str:
    """``secret_key`` from the configuration, else one generated once in the data folder.

    Created owner-only (0600) before a byte is written; the console signs its cookies
    with it and the audit trail keys its digests with it.
    """
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.data_dir) / "secret_key"
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


def installation_key(settings: Settings, purpose: str) -> bytes:
    """A key for one ``purpose`` derived from the installation secret (HMAC-SHA256)."""
    secret = installation_secret(settings)
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).digest()
