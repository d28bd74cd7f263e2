"""Composing the running service: the WSGI application on a bound server, the scheduled
Magento pulls and reconciliation runs. ``serve``, ``worker`` and the demo compose
through here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from functools import partial
from typing import Any

from qbwc_service.app import make_app
from qbwc_service.context import AppContext
from qbwc_service.observability import configure_logging
from qbwc_service.security import InsecureFilesError, check_private_files
from qbwc_service.server import ServerBindError, ServerThread, bind_server, listening_urls
from qbwc_service.services.exceptions import ServiceError
from qbwc_service.services.reconciliation_jobs import add_reconciliation_jobs
from qbwc_service.settings import Settings
from qbwc_service.sync.config import magento_client_for
from qbwc_service.sync.enqueue import Progress
from qbwc_service.sync.lease import holder_id
from qbwc_service.sync.scheduler import build_scheduler, run_job

__all__ = ["ClientFactory", "Serving", "build_jobs", "prepare_server", "pull_now",
           "serve_in_thread", "start_scheduler", "startup_lines"]

ClientFactory = Callable[[str], Any]


def build_jobs(ctx: AppContext, client_factory: ClientFactory | None = None,
               progress: Progress | None = None) -> Any:
    """A scheduler (not started) with every company's pulls and reconciliation runs."""
    factory = client_factory or partial(magento_client_for, ctx.settings)
    scheduler = build_scheduler(ctx, factory, progress=progress)
    add_reconciliation_jobs(scheduler, ctx, factory)
    return scheduler


def serve_in_thread(ctx: AppContext, *, extra_pages: Iterable[Any] = ()) -> ServerThread:
    """The application served on the settings' host and port from a daemon thread."""
    return ServerThread(make_app(ctx, extra_pages), ctx.settings.host, ctx.settings.port).start()


def pull_now(ctx: AppContext, company_name: str, entity: str,
             client_factory: ClientFactory, progress: Progress | None = None) -> None:
    """One scheduled pull right away (under the job's lease), as the scheduler runs it."""
    run_job(ctx, company_name, entity, client_factory, holder=holder_id(), progress=progress)


def start_scheduler(ctx: AppContext, progress: Progress | None = None) -> Any:
    """Start the jobs of every company that has a Magento connection; None if none has."""
    companies = ctx.settings.extra.get("companies") or {}
    if not ctx.settings.scheduler_enabled or not any(
        isinstance(table, dict) and "magento" in table for table in companies.values()
    ):
        return None
    scheduler = build_jobs(ctx, progress=progress)
    # /healthz reports the scheduler dead when this stops ticking.
    heartbeat = ctx.metrics.heartbeat("scheduler", max_age_seconds=120)
    heartbeat.tick()
    scheduler.add_job(heartbeat.tick, "interval", seconds=30, id="heartbeat")
    scheduler.start()
    return scheduler


class Serving:
    """A bound server for ``settings`` (not yet running) and what to tell the operator."""

    def __init__(self, server: Any, ctx: AppContext, warnings: list[str]) -> None:
        self.server = server
        self.ctx = ctx
        self.warnings = warnings

    @property
    def urls(self) -> list[str]:
        return list(listening_urls(self.server))


def prepare_server(ctx: AppContext, *, host: str | None, port: int | None, threads: int,
                   extra_pages: Iterable[Any] = ()) -> Serving:
    """Check the files, build the application and bind it (a busy port fails here)."""
    settings = replace(ctx.settings, host=host or ctx.settings.host,
                       port=port or ctx.settings.port)
    configure_logging(settings)
    try:
        warnings = check_private_files(settings)
    except InsecureFilesError as refusal:
        raise ServiceError(str(refusal)) from None
    serving_ctx = AppContext(settings, _database=ctx.db)
    try:
        server = bind_server(make_app(serving_ctx, extra_pages), settings.host, settings.port,
                             threads)
    except ServerBindError as exc:
        raise ServiceError(str(exc)) from exc
    return Serving(server, serving_ctx, warnings)


def startup_lines(configured: Settings, serving: Settings, urls: list[str]) -> list[str]:
    """Where the process listens, then the public address the .qwc files carry."""
    first = (f"Listening on {', '.join(urls)}: Web Connector endpoint {urls[0]}/qbwc, "
             f"console {urls[0]}/")
    if serving.public_url:
        return [first, f"Public URL: {serving.soap_url} (in .qwc files), console "
                       f"{serving.base_url}/"]
    second = f"No public_url set: the Web Connector on this machine uses {serving.soap_url}"
    if configured.base_url != serving.base_url:
        # `qwc` reads the config, not this command line.
        second += (f"; `qbwc-service qwc` writes {configured.soap_url} unless given "
                   f"--url {serving.base_url}")
    return [first, second]
