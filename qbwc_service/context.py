"""What a running command or server process holds: settings and the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from qbwc_service.db import Database
from qbwc_service.observability import Metrics
from qbwc_service.security import installation_key
from qbwc_service.settings import Settings

__all__ = ["AppContext"]


@dataclass
class AppContext:
    """Built once in ``main()`` (or by a test) and passed down; never a module global."""

    settings: Settings
    _database: Database | None = field(default=None, repr=False)
    # In-process counters and heartbeats read by /metrics and /healthz.
    metrics: Metrics = field(default_factory=Metrics, repr=False)

    def database_missing(self) -> str | None:
        """The path of an embedded database that does not exist yet (None when it does)."""
        url = self.settings.resolved_database_url
        if self._database is not None or not url.startswith("sqlite:///"):
            return None
        path = Path(url[len("sqlite:///"):])
        return None if path.exists() else str(path)

    @cached_property
    def db(self) -> Database:
        database = self._database
        if database is None:
            database = Database(self.settings.resolved_database_url)
            database.upgrade()
        settings = self.settings
        # The audit trail's digests are keyed with the installation secret (services/audit.py);
        # read when the first event is written, not before.
        database.sessionmaker.configure(
            info={"audit_key": lambda: installation_key(settings, "audit trail")})
        return database
