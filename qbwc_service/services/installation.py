"""Setting up an installation: the config file (owner-only, never overwritten), the data
folder and its database."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from qbwc_service.context import AppContext
from qbwc_service.qbwc.qwc import owner_id
from qbwc_service.services.exceptions import ServiceError
from qbwc_service.settings import ConfigError, Settings, load_settings

__all__ = ["CONFIG_TEMPLATE", "Installation", "config_template", "initialize",
           "make_private_dir", "write_private_file"]

CONFIG_TEMPLATE = """\
# qbwc-service configuration. Environment variables QBWC_SERVICE_<KEY> override these;
# every key is listed in README.md, "Configuration". This file may hold Magento secrets:
# keep it readable by the service's account only (init creates it with mode 600).
[service]
host = "127.0.0.1"
port = 8000
# The address the Web Connector uses: https://your.host.name (or http://localhost:PORT
# on the QuickBooks machine itself). Used in the .qwc and the WSDL.
# public_url = "https://qb.example.com"
# database_url = "postgresql+psycopg://user@db/qbwc"   # default: SQLite in this folder
lockout_attempts = 5
lockout_minutes = 15
retention_days = 90
"""


def config_template(data_dir_option: str | None, config: Path) -> str:
    """The new config file; it names the data folder when that is not the file's own."""
    if data_dir_option and Path(data_dir_option).resolve() != config.parent.resolve():
        data_dir = json.dumps(str(Path(data_dir_option).resolve()))
        return CONFIG_TEMPLATE.replace("[service]\n", f"[service]\ndata_dir = {data_dir}\n", 1)
    return CONFIG_TEMPLATE


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) readable by the owner only; keep existing ones."""
    missing = [p for p in (path, *path.parents) if not p.exists()]
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for folder in missing:
        folder.chmod(0o700)  # mkdir's mode is reduced by the umask, parents get the default


def write_private_file(path: Path, text: str) -> bool:
    """Write ``text`` to a new file with mode 600; False (untouched) when it exists."""
    make_private_dir(path.parent)
    try:
        # O_EXCL: never overwrite, even if another process creates it at the same moment.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return False
    except OSError as exc:
        raise ServiceError(f"cannot create {path}: {exc.strerror}") from exc
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


@dataclass(frozen=True)
class Installation:
    config: Path
    config_created: bool
    settings: Settings


def initialize(config: Path, data_dir_option: str | None) -> Installation:
    """Create the config file (unless it exists), the data folder and the database."""
    created = write_private_file(config, config_template(data_dir_option, config))
    try:
        settings = load_settings(config, data_dir=Path(data_dir_option)
                                 if data_dir_option else None)
    except ConfigError as exc:
        raise ServiceError(str(exc)) from exc
    make_private_dir(settings.data_dir)
    context = AppContext(settings)
    try:
        with context.db.session() as session:
            owner_id(session)
    finally:
        context.db.dispose()
    return Installation(config, created, settings)
