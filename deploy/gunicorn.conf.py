"""gunicorn settings for qbwc-service behind nginx.

Run from the installation folder:  .venv/bin/gunicorn -c deploy/gunicorn.conf.py
Every value can be changed through the environment named beside it.
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Any

# The entry point builds settings from QBWC_SERVICE_* and the config file, once per worker.
wsgi_app = "qbwc_service.app:wsgi_app_from_env()"

bind = os.environ.get("QBWC_SERVICE_BIND", "127.0.0.1:8000")
# Web Connector calls mostly wait on the database; a few processes with threads suffice.
workers = int(os.environ.get("QBWC_SERVICE_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8)))
worker_class = "gthread"
threads = int(os.environ.get("QBWC_SERVICE_THREADS", "4"))

# A large query answer (tens of MB of qbXML) is uploaded by the Web Connector and parsed in
# one call; the Web Connector itself waits minutes, so the worker must too.
timeout = int(os.environ.get("QBWC_SERVICE_TIMEOUT", "300"))
graceful_timeout = 60
# Longer than nginx's upstream keepalive_timeout, so gunicorn never closes a connection
# nginx is about to reuse.
keepalive = 75

# Only the local nginx may set X-Forwarded-Proto/For: it makes wsgi.url_scheme "https",
# which spyne uses for the WSDL address.
forwarded_allow_ips = os.environ.get("QBWC_SERVICE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proxy_allow_ips = forwarded_allow_ips

# Files the service creates (the SQLite database, its WAL and SHM) are owner-only.
umask = 0o077
# The app reads the client's address from X-Forwarded-For only when the request comes
# from one of the service's trusted_proxies (QBWC_SERVICE_TRUSTED_PROXIES, default the
# local nginx); gunicorn passes the header through untouched.

limit_request_line = 8190
limit_request_fields = 100

# Paths only, no query strings: console searches may hold customer names.
accesslog = "-"
errorlog = "-"
access_log_format = '%({x-forwarded-for}i)s "%(m)s %(U)s" %(s)s %(B)s %(M)sms'


def _settings() -> Any:
    from qbwc_service.settings import load_settings

    return load_settings(os.environ.get("QBWC_SERVICE_CONFIG") or None)


def on_starting(server: Any) -> None:
    """Bring the schema up to date once, in the master, before any worker starts."""
    from qbwc_service.db import Database

    database = Database(_settings().resolved_database_url)
    try:
        database.upgrade()
    finally:
        # The master must not hand open connections to forked workers.
        database.dispose()


def post_worker_init(worker: Any) -> None:
    """Application logs as JSON lines on stderr (journald or docker logs pick them up)."""
    import gc

    from qbwc_service.observability import configure_logging

    configure_logging(_settings())
    # What is alive now lives as long as the worker: frozen, it is no longer walked by
    # the full collections the SOAP library forces every second under load.
    gc.collect()
    gc.freeze()
