"""Health, Prometheus metrics and structured JSON logs for operators.

``make_ops_app(ctx)`` answers ``GET /healthz`` and ``GET /metrics``. Figures about
sessions, requests, queue depth and QuickBooks round trips come from the database, so
every server process reports the same numbers; only the counters kept in ``Metrics``
(Magento call errors and the like) are per process.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import case, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qbwc_service import __version__
from qbwc_service.db.models import Company, MessageSet, Request, RequestStatus, WcRun

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

    from qbwc_service.context import AppContext
    from qbwc_service.settings import Settings

__all__ = [
    "ROUND_TRIP_BUCKETS_SECONDS",
    "Heartbeat",
    "JsonFormatter",
    "Metrics",
    "RedactingFilter",
    "configure_logging",
    "health_report",
    "iter_json_lines",
    "make_ops_app",
    "redact_text",
    "render_metrics",
]

# QuickBooks answers small message sets in well under a second and large queries in
# minutes; the Web Connector gives up on a call after a few minutes.
ROUND_TRIP_BUCKETS_SECONDS: tuple[float, ...] = (0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)

COUNTER_HELP: dict[str, str] = {
    "qbwc_magento_call_errors_total": "Magento REST calls that failed, by kind.",
}

LabelSet = tuple[tuple[str, str], ...]


class Heartbeat:
    """Something alive ticks this; it counts as dead once a tick is older than max_age."""

    def __init__(
        self, name: str, max_age_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.name = name
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._last: float | None = None

    def tick(self) -> None:
        self._last = self._clock()

    def age_seconds(self) -> float | None:
        return None if self._last is None else self._clock() - self._last

    def alive(self) -> bool:
        age = self.age_seconds()
        return age is not None and age <= self.max_age_seconds


class Metrics:
    """Per-process counters and heartbeats, carried by the ``AppContext``; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counters: dict[tuple[str, LabelSet], float] = {}
        self.heartbeats: dict[str, Heartbeat] = {}

    def increment(self, name: str, amount: float = 1.0, **labels: str) -> None:
        key = (name, tuple(sorted(labels.items())))
        with self._lock:
            self._counters[key] = self._counters.get(key, 0.0) + amount

    def magento_call_error(self, kind: str) -> None:
        """Count one failed Magento call; ``kind`` is a short class such as ``http_503``."""
        self.increment("qbwc_magento_call_errors_total", kind=kind)

    def value(self, name: str, **labels: str) -> float:
        with self._lock:
            return self._counters.get((name, tuple(sorted(labels.items()))), 0.0)

    def counters(self) -> list[tuple[str, LabelSet, float]]:
        with self._lock:
            return sorted((name, labels, value) for (name, labels), value in self._counters.items())

    def heartbeat(self, name: str, max_age_seconds: float) -> Heartbeat:
        """Register (or fetch) the heartbeat ``name``; /healthz checks every registered one."""
        with self._lock:
            if name not in self.heartbeats:
                self.heartbeats[name] = Heartbeat(name, max_age_seconds)
            return self.heartbeats[name]


# --------------------------------------------------------------------------- health


def health_report(ctx: AppContext) -> tuple[bool, dict[str, Any]]:
    """Whether the service can do its job, with one entry per check."""
    checks: dict[str, dict[str, Any]] = {}
    try:
        with ctx.db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        checks["database"] = {"ok": True}
    except Exception as exc:
        # The class name says enough; the message may carry the database URL.
        checks["database"] = {"ok": False, "error": type(exc).__name__}
    for name, beat in sorted(ctx.metrics.heartbeats.items()):
        age = beat.age_seconds()
        checks[name] = {
            "ok": beat.alive(),
            "age_seconds": None if age is None else round(age, 3),
            "max_age_seconds": beat.max_age_seconds,
        }
    healthy = all(check["ok"] for check in checks.values())
    return healthy, {"status": "ok" if healthy else "fail", "version": __version__, "checks": checks}


# --------------------------------------------------------------------------- metrics


class _Figures(Collector):
    """Reads every figure at scrape time: from the database, and this process's counters."""

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx

    def collect(self) -> Iterator[Metric]:
        build = GaugeMetricFamily("qbwc_build_info", "The running version.", labels=["version"])
        build.add_metric([__version__], 1)
        yield build
        with self._ctx.db.session() as session:
            yield from _session_figures(session)
            yield from _request_figures(session)
            yield _round_trip_figures(session)
        yield from _counter_figures(self._ctx.metrics)


def _session_figures(session: Session) -> Iterator[Metric]:
    opened, closed, open_now = session.execute(
        select(
            func.count(WcRun.ticket),
            func.count(WcRun.closed_at),
            func.coalesce(func.sum(case((WcRun.open_company_id.is_not(None), 1), else_=0)), 0),
        )
    ).one()
    yield CounterMetricFamily("qbwc_sessions_opened_total", "Web Connector sessions ever opened.",
                              value=opened)
    yield CounterMetricFamily("qbwc_sessions_closed_total", "Web Connector sessions closed.",
                              value=closed)
    yield GaugeMetricFamily("qbwc_sessions_open", "Web Connector sessions open now.",
                            value=open_now)


def _request_figures(session: Session) -> Iterator[Metric]:
    rows = session.execute(
        select(Request.status, Request.operation, func.count(Request.id))
        .group_by(Request.status, Request.operation)
        .order_by(Request.status, Request.operation)
    ).all()
    requests = GaugeMetricFamily("qbwc_requests", "QuickBooks requests by status and operation.",
                                 labels=["status", "operation"])
    for status, operation, count in rows:
        requests.add_metric([status, operation], count)
    yield requests
    queued = func.sum(case((Request.status == RequestStatus.QUEUED.value, 1), else_=0))
    depth = session.execute(
        select(Company.name, func.coalesce(queued, 0))
        .select_from(Company)
        .outerjoin(Request, Request.company_id == Company.id)
        .group_by(Company.name)
        .order_by(Company.name)
    ).all()
    queue_depth = GaugeMetricFamily("qbwc_queue_depth",
                                    "Requests waiting for the Web Connector, per company.",
                                    labels=["company"])
    for company, count in depth:
        queue_depth.add_metric([company], count)
    yield queue_depth


def _round_trip_figures(session: Session) -> Metric:
    answered = MessageSet.elapsed_ms.is_not(None)
    columns: list[ColumnElement[Any]] = [
        func.count(MessageSet.id),
        func.coalesce(func.sum(MessageSet.elapsed_ms), 0),
    ]
    columns += [
        func.coalesce(func.sum(case((MessageSet.elapsed_ms <= bound * 1000, 1), else_=0)), 0)
        for bound in ROUND_TRIP_BUCKETS_SECONDS
    ]
    count, total_ms, *cumulative = session.execute(select(*columns).where(answered)).one()
    # Bucket bounds as written before ("2", "0.25"): dashboards and alerts match them.
    buckets = [(_bound(bound), below)
               for bound, below in zip(ROUND_TRIP_BUCKETS_SECONDS, cumulative, strict=True)]
    return HistogramMetricFamily(
        "qbwc_quickbooks_round_trip_seconds",
        "Time from handing a message set out to its answer.",
        buckets=[*buckets, ("+Inf", count)], sum_value=float(total_ms) / 1000.0)


def _bound(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _counter_figures(metrics: Metrics) -> Iterator[Metric]:
    by_name: dict[str, list[tuple[LabelSet, float]]] = {name: [] for name in COUNTER_HELP}
    for name, labels, value in metrics.counters():
        by_name.setdefault(name, []).append((labels, value))
    for name, samples in by_name.items():
        label_names = sorted({key for labels, _ in samples for key, _ in labels})
        family = CounterMetricFamily(name, COUNTER_HELP.get(name, "Counted in this process."),
                                     labels=label_names)
        for labels, value in samples:
            given = dict(labels)
            family.add_metric([given.get(key, "") for key in label_names], value)
        yield family


def render_metrics(ctx: AppContext) -> str:
    """The Prometheus text exposition (format 0.0.4) of everything we measure."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures(ctx))
    return generate_latest(registry).decode()


# --------------------------------------------------------------------------- WSGI


def make_ops_app(ctx: AppContext) -> Callable[[WSGIEnvironment, StartResponse], Iterable[bytes]]:
    """A WSGI app for ``/healthz`` and ``/metrics``; mountable at the root or under a prefix."""
    log = logging.getLogger("qbwc_service.ops")

    def reply(
        start_response: StartResponse, status: str, body: bytes, content_type: str, head: bool
    ) -> list[bytes]:
        headers = [
            ("Content-Type", content_type),
            ("Content-Length", str(len(body))),
            ("Cache-Control", "no-store"),
        ]
        start_response(status, headers)
        return [] if head else [body]

    def ops_app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = (environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")).rstrip("/")
        method = environ.get("REQUEST_METHOD", "GET")
        head = method == "HEAD"
        if method not in ("GET", "HEAD"):
            return reply(start_response, "405 Method Not Allowed", b"", "text/plain", head)
        if path.endswith("/healthz"):
            healthy, report = health_report(ctx)
            status = "200 OK" if healthy else "503 Service Unavailable"
            body = json.dumps(report, sort_keys=True).encode()
            return reply(start_response, status, body, "application/json", head)
        if path.endswith("/metrics"):
            try:
                body = render_metrics(ctx).encode()
            except Exception:
                log.exception("metrics could not be read from the database")
                return reply(start_response, "503 Service Unavailable", b"", "text/plain", head)
            content_type = "text/plain; version=0.0.4; charset=utf-8"
            return reply(start_response, "200 OK", body, content_type, head)
        return reply(start_response, "404 Not Found", b"not found\n", "text/plain", head)

    return ops_app


# --------------------------------------------------------------------------- logging

_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}
_SECRET_KEY = re.compile(
    r"pass(word|wd)?|pwd|token|secret|authori[sz]ation|oauth|api[_-]?key|cookie|credential|"
    r"signature|private[_-]?key|database_url|dsn",
    re.IGNORECASE,
)
# Customer fields and bodies: these live only in the request log, with its retention.
_PRIVATE_KEY = re.compile(
    r"e[-_]?mail|first[_-]?name|last[_-]?name|full[_-]?name|^name$|customer[_-]?name|phone|"
    r"telephone|fax|street|addr|city|postcode|zip|region|^company$|contact|"
    r"xml|payload|body|hcp|^response$|^request$",
    re.IGNORECASE,
)
_SECRET_ASSIGNMENT = re.compile(
    r"(?i)\b((?:\w*(?:password|passwd|pwd|token|secret|api[_-]?key|oauth_\w+))[\"']?\s*[:=]\s*)"
    r"(\"[^\"]*\"|'[^']*'|[^\s,;&]+)"
)
_SECRET_SCHEME = re.compile(r"(?i)\b(bearer|basic|oauth|digest)\s+[A-Za-z0-9._~+/=,\"-]{6,}")
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^:/@\s]+:)[^@\s]+@")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_XML_BODY = re.compile(r"(?is)(<\?xml|<\?qbxml|<qbxml|&lt;\?xml|&lt;qbxml|<[\w.-]*:?envelope).*")
_TICKET_KEY = re.compile(r"ticket", re.IGNORECASE)
REDACTED = "[redacted]"


def redact_text(message: str) -> str:
    """Strip secrets, e-mail addresses and XML bodies out of free text."""
    message = _XML_BODY.sub("[xml body withheld]", message)
    message = _URL_PASSWORD.sub(r"\1" + REDACTED + "@", message)
    message = _SECRET_ASSIGNMENT.sub(r"\1" + REDACTED, message)
    message = _SECRET_SCHEME.sub(r"\1 " + REDACTED, message)
    return _EMAIL.sub("[email]", message)


def _redact_value(key: str, value: Any) -> Any:
    if _SECRET_KEY.search(key) or _PRIVATE_KEY.search(key):
        return REDACTED
    if _TICKET_KEY.search(key) and isinstance(value, str):
        # A live ticket is a bearer credential; its head is enough to correlate lines.
        return value[:8] + "…" if len(value) > 8 else value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return {str(k): _redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(key, item) for item in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact_text(str(value))


class RedactingFilter(logging.Filter):
    """Rewrites each record so neither secrets nor customer data nor qbXML leave the process."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_text(record.getMessage())
        record.args = None
        for key in [key for key in vars(record) if key not in _RECORD_FIELDS]:
            setattr(record, key, _redact_value(key, getattr(record, key)))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS:
                entry[key] = value
        if record.exc_info:
            entry["exception"] = redact_text(self.formatException(record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)


_CHATTY_LOGGERS = ("alembic", "apscheduler", "spyne.application")


def configure_logging(settings: Settings, stream: Any = None) -> logging.Handler:
    """Route every logger to JSON lines on stderr through the redacting filter."""
    level = settings.log_level
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in [h for h in root.handlers if isinstance(h.formatter, JsonFormatter)]:
        root.removeHandler(existing)
    root.addHandler(handler)
    root.setLevel(getattr(logging, level, logging.INFO))
    # Their INFO lines (migration plug-ins, "adding job tentatively", "Initializing
    # application") bury the two start-up lines; they still speak at DEBUG.
    for chatty in _CHATTY_LOGGERS:
        logging.getLogger(chatty).setLevel(logging.DEBUG if level == "DEBUG" else logging.WARNING)
    return handler


def iter_json_lines(text_block: str) -> Iterator[dict[str, Any]]:
    """Parse JSON log lines back (operators' scripts and the tests use it)."""
    for line in text_block.splitlines():
        if line.strip():
            yield json.loads(line)
