"""/healthz and /metrics: figures come from the database and the per-process counters."""

from __future__ import annotations

import json
import re

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import create_engine
from werkzeug.test import Client

from qbwc_service.context import AppContext
from qbwc_service.db.models import QbwcUser, RequestStatus
from qbwc_service.observability import Heartbeat, Metrics, make_ops_app, render_metrics
from qbwc_service.qbwc.auth import hash_password

from . import seed


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of the sample ``name`` whose labels are exactly ``labels``, in any order."""
    wanted = sorted((key, value) for key, value in labels.items())
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sorted(sample.labels.items()) == wanted:
                return float(sample.value)
    raise AssertionError(f"{name} {labels} missing from:\n{text}")


def test_healthz_reports_database_and_version(app_context: AppContext) -> None:
    """A reachable database and no registered heartbeats give 200 with the version."""
    response = Client(make_ops_app(app_context)).get("/healthz")
    assert response.status_code == 200
    report = json.loads(response.data)
    assert report["status"] == "ok"
    assert report["checks"]["database"] == {"ok": True}
    assert report["version"]


def test_healthz_fails_when_scheduler_heartbeat_is_stale(app_context: AppContext) -> None:
    """A registered heartbeat that stopped ticking turns /healthz into 503."""
    now = [1000.0]
    beat = Heartbeat("scheduler", max_age_seconds=60, clock=lambda: now[0])
    app_context.metrics.heartbeats["scheduler"] = beat
    client = Client(make_ops_app(app_context))
    assert client.get("/healthz").status_code == 503  # never ticked
    beat.tick()
    now[0] += 30
    assert client.get("/healthz").status_code == 200
    now[0] += 31
    response = client.get("/healthz")
    assert response.status_code == 503
    assert json.loads(response.data)["checks"]["scheduler"]["ok"] is False


def test_healthz_fails_without_leaking_the_database_url(app_context: AppContext) -> None:
    """An unreachable database gives 503 naming only the error class, not the URL."""
    secret_url = "postgresql+psycopg://qbwc:hunter2@127.0.0.1:1/nowhere"
    app_context.db.engine = create_engine(secret_url, connect_args={"connect_timeout": 2})
    response = Client(make_ops_app(app_context)).get("/healthz")
    assert response.status_code == 503
    assert b"hunter2" not in response.data
    assert json.loads(response.data)["checks"]["database"]["ok"] is False


def test_metrics_counts_requests_queue_sessions_and_round_trips(app_context: AppContext) -> None:
    """Requests by status/operation, queue depth per company, sessions and the histogram."""
    with app_context.db.session() as session:
        north, south = seed.company(session, "North"), seed.company(session, "South"),
        seed.company(session, 'Quote "and" back\\slash')
        for _ in range(3):
            seed.request(session, north, "InvoiceAdd")
        seed.request(session, north, "CustomerAdd", RequestStatus.SUCCEEDED)
        seed.request(session, south, "InvoiceAdd", RequestStatus.FAILED)
        for elapsed in (100, 400, 1500, 90_000, None):
            seed.message_set(session, north, elapsed)
        user = QbwcUser(company_id=north.id, username="north", password_hash=hash_password("x"))
        session.add(user)
        session.flush()
        seed.wc_session(session, north, user.id, open_=True)
        seed.wc_session(session, south, user.id, open_=False)
    app_context.metrics.magento_call_error("http_503")
    app_context.metrics.magento_call_error("http_503")
    response = Client(make_ops_app(app_context)).get("/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    text = response.get_data(as_text=True)
    assert _sample(text, "qbwc_requests", status="queued", operation="InvoiceAdd") == 3
    assert _sample(text, "qbwc_requests", status="succeeded", operation="CustomerAdd") == 1
    assert _sample(text, "qbwc_requests", status="failed", operation="InvoiceAdd") == 1
    assert _sample(text, "qbwc_queue_depth", company="North") == 3
    assert _sample(text, "qbwc_queue_depth", company="South") == 0
    assert 'qbwc_queue_depth{company="Quote \\"and\\" back\\\\slash"} 0' in text
    assert _sample(text, "qbwc_sessions_opened_total") == 2
    assert _sample(text, "qbwc_sessions_closed_total") == 1
    assert _sample(text, "qbwc_sessions_open") == 1
    name = "qbwc_quickbooks_round_trip_seconds"
    assert _sample(text, f"{name}_bucket", le="0.25") == 1
    assert _sample(text, f"{name}_bucket", le="0.5") == 2
    assert _sample(text, f"{name}_bucket", le="2") == 3
    assert _sample(text, f"{name}_bucket", le="60") == 3
    assert _sample(text, f"{name}_bucket", le="120") == 4
    assert _sample(text, f"{name}_bucket", le="+Inf") == 4
    assert _sample(text, f"{name}_count") == 4
    assert _sample(text, f"{name}_sum") == 92.0
    assert _sample(text, "qbwc_magento_call_errors_total", kind="http_503") == 2


def test_metrics_text_is_well_formed_exposition(app_context: AppContext) -> None:
    """Every line is a HELP/TYPE comment or `name{labels} number`; each family typed once."""
    app_context.metrics.increment("qbwc_custom_total", 1.5, source="x")
    text = render_metrics(app_context)
    assert text.endswith("\n")
    types = re.findall(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE)
    assert len({name for name, _ in types}) == len(types)
    assert ("qbwc_custom_total", "counter") in types
    sample = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? -?[0-9.e+]+$')
    for line in text.splitlines():
        assert line.startswith("# HELP ") or line.startswith("# TYPE ") or sample.match(line), line


def test_ops_app_answers_under_a_mount_prefix_and_refuses_other_paths(app_context: AppContext) -> None:
    """Mounted with SCRIPT_NAME, the paths still resolve; unknown paths 404, POST 405."""
    app = make_ops_app(app_context)
    client = Client(app)
    assert client.get("/healthz", base_url="http://localhost/ops").status_code == 200
    assert client.get("", base_url="http://localhost/metrics").status_code == 200
    assert client.get("/elsewhere").status_code == 404
    assert client.post("/metrics").status_code == 405
    head = client.head("/healthz")
    assert head.status_code == 200 and head.data == b""


def test_metrics_object_counts_per_label_set() -> None:
    """Counters add up per label set and are independent of each other."""
    metrics = Metrics()
    metrics.increment("x_total", kind="a")
    metrics.increment("x_total", 2, kind="a")
    metrics.increment("x_total", kind="b")
    assert metrics.value("x_total", kind="a") == 3
    assert metrics.value("x_total", kind="b") == 1
    assert metrics.value("x_total", kind="c") == 0
    assert metrics.heartbeat("scheduler", 60) is metrics.heartbeat("scheduler", 60)


def test_app_context_carries_its_own_metrics(settings: object, db: object) -> None:
    """Two contexts never share counters (no module-global state)."""
    first = AppContext(settings, _database=db)  # type: ignore[arg-type]
    second = AppContext(settings, _database=db)  # type: ignore[arg-type]
    first.metrics.magento_call_error("timeout")
    assert second.metrics.value("qbwc_magento_call_errors_total", kind="timeout") == 0
