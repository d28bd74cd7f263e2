"""Purge one customer's personal data; ids, amounts, statuses, references and dates stay.

A customer is found by e-mail, then through everything that leads to them: the Magento
customer id stored on every request (``Request.magento_customer_id``), the customer's
own requests, and the QuickBooks name and ListID their mapping holds (transactions name
the customer only through ``CustomerRef/FullName``). Every request, attempt, message
set, mapping, run message, history line and audit event that names them is scrubbed:
names, e-mail, phone and addresses. On SQLite the freed pages are overwritten
(``secure_delete``), the file rebuilt (``VACUUM``) and the write-ahead log emptied
(``wal_checkpoint(TRUNCATE)``), so the text is gone from the files too. Backups taken
before still hold it (README, "Backups").
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from qbwc_service import queue
from qbwc_service.db import Database
from qbwc_service.db.models import (
    Attempt,
    AuditEvent,
    Mapping,
    MessageSet,
    Request,
    RequestStatus,
    RequestTransition,
    WcRun,
    utcnow,
)
from qbwc_service.services.audit import keyed_digest, record, scrub_events
from qbwc_service.services.exceptions import ServiceError

__all__ = ["PURGED", "PurgeReport", "finish_purge", "purge_bodies", "purge_customer",
           "purge_customer_data"]

log = logging.getLogger(__name__)

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
# Shorter values ("US", "1") would scrub unrelated text.
_MIN_SECRET = 3


@dataclass
class PurgeReport:
    """What ``purge_customer`` changed (or would change); counts only, never the values."""

    requests: int = 0
    attempts: int = 0
    message_sets: int = 0
    mappings: int = 0
    outstanding: int = 0
    history_lines: int = 0
    audit_events: int = 0
    customer_ids: set[str] = field(default_factory=set)

    def as_dict(self) -> dict[str, int]:
        return {
            "requests": self.requests,
            "attempts": self.attempts,
            "message_sets": self.message_sets,
            "mappings": self.mappings,
            "outstanding": self.outstanding,
            "history_lines": self.history_lines,
            "audit_events": self.audit_events,
        }


def _key(name: str) -> str:
    return re.sub(r"[_\-\s]", "", name).lower()


def _collect(value: Any, personal: bool, found: set[str], ids: set[str], *, strict: bool,
             key: str = "") -> None:
    """Personal values of ``value`` into ``found``; customer ids into ``ids``.

    ``strict`` (a transaction, not the customer record): only what sits under a
    customer, address or contact key, so an item's FullName is never taken for a name.
    """
    if isinstance(value, dict):
        for child_key, child in value.items():
            k = _key(str(child_key))
            inner = personal or any(word in k for word in _PERSONAL_CONTEXTS)
            if k.endswith("customerid") and isinstance(child, str | int) and child != "":
                ids.add(str(child))
            _collect(child, inner, found, ids, strict=strict, key=k)
    elif isinstance(value, list):
        for item in value:
            _collect(item, personal, found, ids, strict=strict, key=key)
    elif isinstance(value, str) and value.strip():
        if key in _PERSONAL_KEYS and (personal or not strict):
            found.add(value.strip())
        elif personal and key in _CONTEXT_ONLY_KEYS:
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
        if personal and (key in _PERSONAL_KEYS or key in _CONTEXT_ONLY_KEYS):
            return PURGED if value.strip() else value
        return _scrub_text(value, secrets)
    return value


def _scrub_text(text_value: str | None, secrets: set[str]) -> str | None:
    if not text_value:
        return text_value
    for secret in sorted(secrets, key=len, reverse=True):
        text_value = re.sub(re.escape(secret), PURGED, text_value, flags=re.IGNORECASE)
    return text_value


def _mentions(column: Any, needle: str) -> ColumnElement[bool]:
    return func.lower(cast(column, String)).contains(needle.lower(), autoescape=True)


def _any_mention(columns: list[Any], needles: set[str]) -> ColumnElement[bool]:
    return or_(*(_mentions(column, needle) for column in columns for needle in needles))


_BODIES = [Request.payload, Request.request_xml, Request.response_xml, Request.body_xml]


@dataclass
class _Target:
    requests: dict[int, Request] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)
    list_ids: set[str] = field(default_factory=set)


def _find(session: Session, email: str) -> _Target:
    """Every request of the customer and every value that names them."""
    target = _Target(secrets={email})
    seeds = session.scalars(select(Request).where(or_(
        _any_mention(_BODIES, {email}), func.lower(Request.magento_ref) == email.lower())))
    for request in seeds:
        target.requests[request.id] = request
    for mapping in session.scalars(select(Mapping).where(
            Mapping.entity_type == "customer", func.lower(Mapping.magento_ref) == email.lower())):
        target.ids.add(mapping.magento_id)
    for request in target.requests.values():
        if request.entity_type == "customer" and request.magento_id:
            target.ids.add(request.magento_id)
        if request.magento_customer_id:
            target.ids.add(request.magento_customer_id)
        _collect(request.payload or {}, request.entity_type == "customer", target.secrets,
                 target.ids, strict=request.entity_type != "customer")
    if target.ids:
        for mapping in session.scalars(select(Mapping).where(
                Mapping.entity_type == "customer", Mapping.magento_id.in_(target.ids))):
            if mapping.qb_name:
                target.secrets.add(mapping.qb_name)
            if mapping.qb_id:
                target.list_ids.add(mapping.qb_id)
    # Transactions: by customer id, by the customer's own rows, by QuickBooks name/ListID.
    needles = {value for value in target.secrets | target.list_ids if len(value) >= _MIN_SECRET}
    conditions: list[ColumnElement[bool]] = [_any_mention(_BODIES, needles)]
    if target.ids:
        conditions.append(Request.magento_customer_id.in_(target.ids))
        conditions.append((Request.entity_type == "customer") & Request.magento_id.in_(target.ids))
    known = set(target.requests)
    for request in session.scalars(select(Request).where(or_(*conditions))):
        if request.id in known:
            continue
        target.requests[request.id] = request
        _collect(request.payload or {}, request.entity_type == "customer", target.secrets,
                 set(), strict=request.entity_type != "customer")
    target.secrets = {value for value in target.secrets if len(value) >= _MIN_SECRET}
    return target


def purge_customer(session: Session, email: str, *, actor: str = "cli",
                   dry_run: bool = False) -> PurgeReport:
    """Remove one customer's personal data; with ``dry_run`` only count what would change."""
    email = email.strip()
    report = PurgeReport()
    target = _find(session, email)
    secrets = target.secrets
    report.customer_ids = set(target.ids)
    # Still owed to QuickBooks: their bodies must go out intact, so they wait for a later run.
    requests = [request for request in target.requests.values() if request.status in _SETTLED]
    report.outstanding = len(target.requests) - len(requests)
    report.requests = len(requests)
    now = utcnow()
    request_ids = [request.id for request in requests]
    attempts = list(session.scalars(select(Attempt).where(Attempt.request_id.in_(request_ids))))
    report.attempts = len(attempts)
    set_filter: list[ColumnElement[bool]] = [_any_mention([MessageSet.request_xml], secrets)]
    set_pks = {request.message_set_pk for request in requests if request.message_set_pk}
    set_ids = {attempt.message_set_id for attempt in attempts if attempt.message_set_id}
    if set_pks:
        set_filter.append(MessageSet.id.in_(set_pks))
    if set_ids:
        set_filter.append(MessageSet.message_set_id.in_(set_ids))
    message_sets = list(session.scalars(select(MessageSet).where(
        or_(*set_filter), MessageSet.request_xml.is_not(None))))
    report.message_sets = len(message_sets)
    transitions = list(session.scalars(select(RequestTransition).where(
        _any_mention([RequestTransition.reason], secrets))))
    runs = list(session.scalars(select(WcRun).where(
        _any_mention([WcRun.last_error, WcRun.summary], secrets))))
    report.history_lines = len(transitions) + len(runs)
    mapping_filter: list[ColumnElement[bool]] = [func.lower(Mapping.magento_ref) == email.lower()]
    if request_ids:
        mapping_filter.append(Mapping.request_id.in_(request_ids))
    if target.ids:
        mapping_filter.append((Mapping.entity_type == "customer") & Mapping.magento_id.in_(target.ids))
    mappings = list(session.scalars(select(Mapping).where(or_(*mapping_filter))))
    events = list(session.scalars(select(AuditEvent).where(
        _any_mention([AuditEvent.before, AuditEvent.after], secrets))))
    if dry_run:
        report.mappings = len(mappings)
        report.audit_events = len(events)
        return report
    for request in requests:
        request.payload = _scrub(request.payload or {}, request.entity_type == "customer", secrets)
        request.request_xml = request.response_xml = request.body_xml = None
        for name in ("magento_ref", "qb_ref", "status_message", "explanation", "hold_reason",
                     "waiting_reason"):
            setattr(request, name, _scrub_text(getattr(request, name), secrets))
    for attempt in attempts:
        attempt.request_xml = attempt.response_xml = None
        attempt.status_message = _scrub_text(attempt.status_message, secrets)
        attempt.bodies_purged_at = now
    for message_set in message_sets:
        # A message set body mixes customers; it is trimmed whole, as retention does.
        message_set.request_xml = None
    for transition in transitions:
        transition.reason = _scrub_text(transition.reason, secrets)
    for run in runs:
        run.last_error = _scrub_text(run.last_error, secrets)
        run.summary = _scrub_text(run.summary, secrets)
    for mapping in mappings:
        before = (mapping.magento_ref, mapping.qb_name)
        mapping.magento_ref = _scrub_text(mapping.magento_ref, secrets)
        if mapping.entity_type == "customer":
            # The QuickBooks ListID still links the record; its display name is personal.
            mapping.qb_name = PURGED if mapping.qb_name else None
        report.mappings += (mapping.magento_ref, mapping.qb_name) != before
    report.audit_events = scrub_events(session, events, secrets)
    record(
        session,
        actor=actor,
        action="purge_customer",
        target_type="customer",
        # A keyed digest, not the address: the trail must not keep what was purged, and
        # an unkeyed hash of an e-mail address is reversed by guessing addresses.
        target_id=keyed_digest(session, email.lower())[:32],
        after=report.as_dict(),
    )
    return report


def finish_purge(database: Database) -> str | None:
    """After the purge's commit: overwrite freed pages and empty the WAL (SQLite).

    Returns a problem to report, or None. PostgreSQL keeps dead row versions until its
    own VACUUM; the README says so.
    """
    if not database.is_sqlite:
        return None
    try:
        # The driver connection in autocommit: VACUUM cannot run inside a transaction.
        connection = database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("PRAGMA secure_delete=ON")
            # VACUUM rebuilds the file, so free pages holding earlier versions of the rows
            # are gone; the checkpoint then copies it home and empties the log.
            cursor.execute("VACUUM")
            busy, _, _ = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            cursor.close()
        finally:
            connection.close()
        if busy:
            raise RuntimeError("the WAL checkpoint was blocked by a reader")
    except Exception:
        log.exception("purge: compacting the SQLite file failed")
        return ("the database file could not be compacted now (is the service busy?); "
                "run `qbwc-service purge-customer` again later to finish")
    return None


def purge_bodies(session: Session, *, older_than_days: int) -> int:
    """Blank the qbXML bodies of work finished more than ``older_than_days`` ago (the
    retention policy); who, what, when and the outcome stay. Rows touched."""
    return queue.purge_bodies(session, older_than_days=older_than_days)


def purge_customer_data(database: Database, email: str, *, actor: str,
                        dry_run: bool = False) -> tuple[PurgeReport, str | None]:
    """:func:`purge_customer` in its own unit of work, then :func:`finish_purge`; with
    ``dry_run`` nothing is kept. Returns the report and a problem of the file clean-up."""
    if "@" not in email:
        raise ServiceError("EMAIL must be an e-mail address")
    with database.session() as session:
        report = purge_customer(session, email, actor=actor, dry_run=dry_run)
        if dry_run:
            session.rollback()
    return report, None if dry_run else finish_purge(database)
