"""Operations commands: backup, restore, purge-customer, audit verify."""

from __future__ import annotations

import hashlib
import os
import re
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import click
from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qbwc_service.context import AppContext
from qbwc_service.db import Database
from qbwc_service.db.models import (
    Attempt,
    Mapping,
    MessageSet,
    Request,
    RequestStatus,
    RequestTransition,
    WcSession,
    utcnow,
)

__all__ = [
    "PURGED",
    "PurgeReport",
    "backup_sqlite",
    "purge_customer",
    "register",
    "restore_sqlite",
]

PURGED = "[purged]"
_SETTLED = frozenset(
    {RequestStatus.SUCCEEDED.value, RequestStatus.FAILED.value, RequestStatus.CANCELED.value}
)

# Keys whose values are personal wherever they appear (names compared without _ and -).
_PERSONAL_KEYS = frozenset(
    "email emailaddress firstname lastname middlename fullname customername prefix suffix "
    "salutation phone telephone fax mobile altphone street addr1 addr2 addr3 addr4 addr5 "
    "city region state postcode postalcode zip country dob gender taxvat jobtitle "
    "billaddress shipaddress billingaddress shippingaddress address addresses contact".split()
)
# Inside these, a plain ``name`` or ``company`` is the customer's, not a product's.
_PERSONAL_CONTEXTS = ("customer", "address", "contact", "billing", "shipping", "billto", "shipto")
_CONTEXT_ONLY_KEYS = frozenset({"name", "company", "companyname"})


def _key(name: str) -> str:
    return re.sub(r"[_\-\s]", "", name).lower()


def _sqlite_path(url: str) -> Path:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        raise click.ClickException(
            "backup and restore work on the embedded SQLite database; for PostgreSQL "
            "use pg_dump and pg_restore (see deploy/README.md)"
        )
    return Path(parsed.database)


def _check_integrity(path: Path) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    except sqlite3.DatabaseError as exc:
        raise click.ClickException(f"{path} is not a usable SQLite database: {exc}") from exc
    finally:
        connection.close()
    if verdict != "ok":
        raise click.ClickException(f"{path} failed the integrity check: {verdict}")
    if not {"alembic_version", "requests", "companies"} <= tables:
        raise click.ClickException(f"{path} is not a qbwc-service database")


def backup_sqlite(database: Database, destination: Path) -> int:
    """Copy the live database with SQLite's online backup API; returns the copy's size."""
    source_path = _sqlite_path(database.url)
    destination.parent.mkdir(parents=True, exist_ok=True)
    partial = destination.with_name(destination.name + ".partial")
    partial.unlink(missing_ok=True)
    # The copy holds customer data: create it owner-only before a byte is written.
    partial.touch(mode=0o600)
    source = sqlite3.connect(source_path)
    target = sqlite3.connect(partial)
    try:
        with target:
            source.backup(target, pages=1024)
        # One self-contained file: a WAL beside the copy would be lost when it is moved.
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    _check_integrity(partial)
    os.replace(partial, destination)
    return destination.stat().st_size


def restore_sqlite(database: Database, backup: Path) -> Path:
    """Replace the database's contents with ``backup``; returns where the old data was kept."""
    target_path = _sqlite_path(database.url)
    _check_integrity(backup)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    kept = target_path.with_name(f"{target_path.name}.before-restore-{stamp}")
    if target_path.exists():
        backup_sqlite(database, kept)
    database.dispose()
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(target_path)
    try:
        # The backup API writes through SQLite's locks and the WAL, unlike a file copy.
        source.backup(target)
    finally:
        target.close()
        source.close()
    # A backup from an older release is brought up to the current schema.
    database.upgrade()
    return kept


@dataclass
class PurgeReport:
    """What ``purge_customer`` changed; counts only, never the values."""

    requests: int = 0
    attempts: int = 0
    message_sets: int = 0
    mappings: int = 0
    outstanding: int = 0
    history_lines: int = 0
    customer_ids: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "attempts": self.attempts,
            "message_sets": self.message_sets,
            "mappings": self.mappings,
            "outstanding": self.outstanding,
            "history_lines": self.history_lines,
        }


def _collect(value: Any, personal: bool, found: set[str], ids: set[str], key: str = "") -> None:
    if isinstance(value, dict):
        for child_key, child in value.items():
            k = _key(str(child_key))
            inner = personal or any(word in k for word in _PERSONAL_CONTEXTS)
            if k.endswith("customerid") and isinstance(child, str | int) and child != "":
                ids.add(str(child))
            _collect(child, inner, found, ids, k)
    elif isinstance(value, list):
        for item in value:
            _collect(item, personal, found, ids, key)
    elif isinstance(value, str) and value.strip():
        if key in _PERSONAL_KEYS or (personal and key in _CONTEXT_ONLY_KEYS):
            found.add(value.strip())


def _scrub(value: Any, personal: bool, secrets: set[str], key: str = "") -> Any:
    if isinstance(value, dict):
        scrubbed: dict[str, Any] = {}
        for child_key, child in value.items():
            k = _key(str(child_key))
            inner = personal or any(word in k for word in _PERSONAL_CONTEXTS)
            scrubbed[child_key] = _scrub(child, inner, secrets, k)
        return scrubbed
    if isinstance(value, list):
        return [_scrub(item, personal, secrets, key) for item in value]
    if isinstance(value, str):
        if key in _PERSONAL_KEYS or (personal and key in _CONTEXT_ONLY_KEYS):
            return PURGED if value.strip() else value
        return _scrub_text(value, secrets)
    return value


def _scrub_text(text: str | None, secrets: set[str]) -> str | None:
    if not text:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        text = re.sub(re.escape(secret), PURGED, text, flags=re.IGNORECASE)
    return text


def _mentions(column: Any, needle: str) -> Any:
    return func.lower(cast(column, String)).contains(needle.lower(), autoescape=True)


def _customer_requests(session: Session, email: str) -> tuple[list[Request], set[str], set[str]]:
    matched = list(
        session.scalars(
            select(Request).where(
                or_(
                    _mentions(Request.payload, email),
                    _mentions(Request.request_xml, email),
                    _mentions(Request.response_xml, email),
                    _mentions(Request.body_xml, email),
                    func.lower(Request.magento_ref) == email.lower(),
                )
            )
        )
    )
    personal: set[str] = {email}
    ids: set[str] = set()
    for request in matched:
        is_customer = request.entity_type == "customer"
        _collect(request.payload or {}, is_customer, personal, ids)
        if is_customer and request.magento_id:
            ids.add(request.magento_id)
    if ids:
        # Registered customers' later orders may name them only through the customer id.
        known = {request.id for request in matched}
        for request in session.scalars(select(Request).where(Request.id.not_in(known))):
            found_ids: set[str] = set()
            _collect(request.payload or {}, False, set(), found_ids)
            same_customer = request.entity_type == "customer" and request.magento_id in ids
            if same_customer or found_ids & ids:
                matched.append(request)
                _collect(request.payload or {}, request.entity_type == "customer", personal, set())
    # Very short values ("US", "1") would scrub unrelated text.
    return matched, {value for value in personal if len(value) >= 3}, ids


def purge_customer(session: Session, email: str, *, actor: str = "cli") -> PurgeReport:
    """Remove one customer's personal data, keeping ids, amounts, statuses and dates."""
    from qbwc_service.web.audit import record

    email = email.strip()
    report = PurgeReport()
    found, personal, ids = _customer_requests(session, email)
    report.customer_ids = ids
    # Still owed to QuickBooks: their bodies must go out intact, so they wait for a later run.
    requests = [request for request in found if request.status in _SETTLED]
    report.outstanding = len(found) - len(requests)
    now = utcnow()
    request_ids = [request.id for request in requests]
    for request in requests:
        request.payload = _scrub(request.payload or {}, request.entity_type == "customer", personal)
        request.request_xml = None
        request.response_xml = None
        request.body_xml = None
        for name in ("magento_ref", "qb_ref", "status_message", "explanation", "hold_reason",
                     "waiting_reason"):
            setattr(request, name, _scrub_text(getattr(request, name), personal))
        report.requests += 1
    if request_ids:
        for attempt in session.scalars(select(Attempt).where(Attempt.request_id.in_(request_ids))):
            attempt.request_xml = None
            attempt.response_xml = None
            attempt.status_message = _scrub_text(attempt.status_message, personal)
            attempt.bodies_purged_at = now
            report.attempts += 1
        set_pks = {request.message_set_pk for request in requests if request.message_set_pk}
        for message_set in session.scalars(select(MessageSet).where(MessageSet.id.in_(set_pks))):
            if message_set.request_xml is not None:
                # A message set body mixes customers; it is trimmed whole, as retention does.
                message_set.request_xml = None
                report.message_sets += 1
    # Histories keep every fact, but the words QuickBooks or we wrote can carry the name.
    text_filter = or_(*(_mentions(RequestTransition.reason, value) for value in personal)) \
        if personal else None
    if text_filter is not None:
        for transition in session.scalars(select(RequestTransition).where(text_filter)):
            transition.reason = _scrub_text(transition.reason, personal)
            report.history_lines += 1
        run_filter = or_(*(_mentions(WcSession.last_error, value) for value in personal),
                         *(_mentions(WcSession.summary, value) for value in personal))
        for run in session.scalars(select(WcSession).where(run_filter)):
            run.last_error = _scrub_text(run.last_error, personal)
            run.summary = _scrub_text(run.summary, personal)
            report.history_lines += 1
    mapping_filter: list[ColumnElement[bool]] = []
    if request_ids:
        mapping_filter.append(Mapping.request_id.in_(request_ids))
    if ids:
        mapping_filter.append((Mapping.entity_type == "customer") & Mapping.magento_id.in_(ids))
    mapping_filter.append(func.lower(Mapping.magento_ref) == email.lower())
    for mapping in session.scalars(select(Mapping).where(or_(*mapping_filter))):
        before = (mapping.magento_ref, mapping.qb_name)
        mapping.magento_ref = _scrub_text(mapping.magento_ref, personal)
        if mapping.entity_type == "customer":
            # The QuickBooks ListID still links the record; its display name is personal.
            mapping.qb_name = PURGED if mapping.qb_name else None
        if (mapping.magento_ref, mapping.qb_name) != before:
            report.mappings += 1
    record(
        session,
        actor=actor,
        action="purge_customer",
        target_type="customer",
        # A digest, not the address: the audit trail must not keep what was purged.
        target_id=hashlib.sha256(email.lower().encode()).hexdigest()[:32],
        after=report.as_dict(),
    )
    return report


def register(cli: click.Group) -> None:
    @cli.command("backup")
    @click.argument("destination", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--force", is_flag=True, help="Overwrite an existing file.")
    @click.pass_obj
    def backup_command(ctx: AppContext, destination: Path, force: bool) -> None:
        """Copy the SQLite database to DESTINATION while the service keeps running."""
        _sqlite_path(ctx.settings.resolved_database_url)
        if destination.exists() and not force:
            raise click.ClickException(f"{destination} exists; pass --force to overwrite it")
        size = backup_sqlite(ctx.db, destination)
        click.echo(f"backed up to {destination} ({size} bytes, integrity ok)")

    @cli.command("restore")
    @click.argument("backup", type=click.Path(exists=True, dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.pass_obj
    def restore_command(ctx: AppContext, backup: Path, yes: bool) -> None:
        """Replace the SQLite database with BACKUP (stop the service first)."""
        target = _sqlite_path(ctx.settings.resolved_database_url)
        if not yes:
            click.confirm(f"Replace {target} with {backup}?", abort=True)
        kept = restore_sqlite(ctx.db, backup)
        note = f"; the previous data is in {kept}" if kept.exists() else ""
        click.echo(f"restored {backup}{note}")

    @cli.command("purge-customer")
    @click.argument("email")
    @click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
    @click.pass_obj
    def purge_customer_command(ctx: AppContext, email: str, yes: bool) -> None:
        """Remove one customer's personal data; accounting facts stay."""
        if "@" not in email:
            raise click.ClickException("EMAIL must be an e-mail address")
        if not yes:
            click.confirm("Purge this customer's personal data? This cannot be undone", abort=True)
        with ctx.db.session() as session:
            report = purge_customer(session, email)
        figures = ", ".join(
            f"{count} {name}" for name, count in report.as_dict().items() if name != "outstanding"
        )
        click.echo(f"purged: {figures}")
        if report.outstanding:
            click.echo(
                f"{report.outstanding} request(s) for this customer are still owed to QuickBooks "
                "and were left as they are; run the command again once they are settled."
            )

    @cli.group("audit")
    def audit_group() -> None:
        """The audit trail."""

    @audit_group.command("verify")
    @click.pass_obj
    def audit_verify_command(ctx: AppContext) -> None:
        """Check the audit trail's hash chain; exit 1 naming the first broken events."""
        from qbwc_service.web.audit import verify_chain

        with ctx.db.session() as session:
            broken = verify_chain(session)
        if broken:
            shown = ", ".join(str(event_id) for event_id in broken[:20])
            more = f" and {len(broken) - 20} more" if len(broken) > 20 else ""
            raise click.ClickException(
                f"audit chain broken at event(s) {shown}{more}: rows were edited or deleted"
            )
        click.echo("audit chain intact")

