"""SQLAlchemy models: the durable state of the service.

Enums are stored as strings. The request log is append-only: ``Attempt`` and
``RequestTransition`` rows are never deleted, and their facts (request, message set,
times, statuses, outcome, status code, actor) never change. Text is the one exception,
and only ever blanked: retention blanks qbXML bodies, and a customer's purge
(``services/purge.py``) blanks the personal data inside free text (an attempt's status
message, a transition's reason), because the right to erasure outranks an untouched
history. Neither row kind is in the audit trail's hash chain, so blanking them breaks
no chain; the purge itself is an audit event.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Attempt",
    "AuditEvent",
    "Base",
    "Company",
    "JobLease",
    "LoginFailure",
    "Mapping",
    "MessageSet",
    "MessageSetState",
    "Meta",
    "QbwcUser",
    "Request",
    "RequestDependency",
    "RequestStatus",
    "RequestTransition",
    "RunState",
    "SiteQuantity",
    "Watermark",
    "WcRun",
    "WebUser",
    "quickbooks_facts",
    "utcnow",
]


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class RequestStatus(enum.StrEnum):
    """Lifecycle of one QuickBooks request. Changed only by ``queue.transition``."""

    QUEUED = "queued"
    HELD = "held"
    SENT = "sent"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class RunState(enum.StrEnum):
    """Where a Web Connector run (one ticket) stands: the call we expect next."""

    AUTHENTICATED = "authenticated"  # expect sendRequestXML
    AWAITING_RESPONSE = "awaiting_response"  # a message set is out; expect receiveResponseXML
    AWAITING_LAST_ERROR = "awaiting_last_error"  # we returned "" ; expect getLastError
    CONNECTION_ERROR = "connection_error"
    CLOSED = "closed"
    EXPIRED = "expired"


class MessageSetState(enum.StrEnum):
    SENT = "sent"  # persisted and handed to the Web Connector; outcome unknown
    ANSWERED = "answered"  # QuickBooks' response applied
    RECOVERING = "recovering"  # an oldMessageSetID query is out for it
    RECOVERED = "recovered"  # outcome learned through error recovery
    REQUEUED = "requeued"  # QuickBooks kept no state: its requests went back to the queue
    FAILED = "failed"  # hresult: QuickBooks refused the whole stream


class Base(DeclarativeBase):
    type_annotation_map = {datetime: UTCDateTime(), Decimal: Numeric(18, 5), dict[str, Any]: JSON}


class Meta(Base):
    """Installation-wide values kept once (the application's OwnerID GUID)."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Company(Base):
    """One QuickBooks company file with its own Web Connector users, queue and settings."""

    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    company_file: Mapped[str] = mapped_column(String(500), default="")
    # "auto": the highest version both this service and the connected QuickBooks speak.
    qbxml_version: Mapped[str] = mapped_column(String(8), default="auto")
    every_minutes: Mapped[int] = mapped_column(Integer, default=15)
    every_seconds: Mapped[int | None] = mapped_column(Integer, nullable=True)
    file_id: Mapped[str] = mapped_column(String(38))
    approval_required: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set by `company set`; None = the [companies.NAME.mapping] value of the config file.
    closing_date_policy: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # What QuickBooks reported in the last strHCPResponse
    qb_product: Mapped[str | None] = mapped_column(String(200), nullable=True)
    qb_country: Mapped[str | None] = mapped_column(String(4), nullable=True)
    qb_supported_versions: Mapped[str | None] = mapped_column(String(200), nullable=True)
    negotiated_version: Mapped[str | None] = mapped_column(String(8), nullable=True)
    multi_site_enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    multi_currency_enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    class_tracking_enabled: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    closing_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    home_currency: Mapped[str | None] = mapped_column(String(64), nullable=True)
    qb_file_id_seen: Mapped[str | None] = mapped_column(String(38), nullable=True)
    last_session_at: Mapped[datetime | None] = mapped_column(nullable=True)

    users: Mapped[list[QbwcUser]] = relationship(back_populates="company")


class QbwcUser(Base):
    """A Web Connector user name and its argon2id password hash."""

    __tablename__ = "qbwc_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)

    company: Mapped[Company] = relationship(back_populates="users")


class WcRun(Base):
    """One Web Connector run, identified by its ticket."""

    __tablename__ = "wc_sessions"
    # The console's overdue banner asks for each company's latest call on every page; the
    # same index serves every look-up of a company's runs (no index on company_id alone).
    __table_args__ = (Index("ix_wc_sessions_company_last_call", "company_id", "last_call_at"),)
    ticket: Mapped[str] = mapped_column(String(64), primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("qbwc_users.id"))
    state: Mapped[str] = mapped_column(String(32), default=RunState.AUTHENTICATED.value)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    last_call_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    client_version: Mapped[str | None] = mapped_column(String(40), nullable=True)
    company_file_name: Mapped[str | None] = mapped_column(String(500), nullable=True)
    qbxml_version: Mapped[str | None] = mapped_column(String(8), nullable=True)
    qb_product: Mapped[str | None] = mapped_column(String(200), nullable=True)
    hcp_parsed: Mapped[bool] = mapped_column(Boolean, default=False)
    batch_size: Mapped[int] = mapped_column(Integer, default=20)
    sent_count: Mapped[int] = mapped_column(Integer, default=0)
    succeeded_count: Mapped[int] = mapped_column(Integer, default=0)
    failed_count: Mapped[int] = mapped_column(Integer, default=0)
    noop_count: Mapped[int] = mapped_column(Integer, default=0)
    initial_work: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    hresult: Mapped[str | None] = mapped_column(String(20), nullable=True)
    connection_retries: Mapped[int] = mapped_column(Integer, default=0)
    summary: Mapped[str | None] = mapped_column(Text, nullable=True)
    # When the Web Connector's closeConnection arrived: the ticket is unknown from then on.
    released_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # At most one open session per company: enforced by a partial unique index.
    open_company_id: Mapped[int | None] = mapped_column(Integer, nullable=True, unique=True)


class MessageSet(Base):
    """One qbXML message set handed to the Web Connector, persisted before it left."""

    __tablename__ = "message_sets"
    # "Does this company have a message set whose outcome is unknown?" on every callback;
    # "which set of this run awaits its answer?" on every receiveResponseXML: by ticket
    # alone that visited every set the run had sent.
    __table_args__ = (Index("ix_message_sets_company_state", "company_id", "state"),
                      Index("ix_message_sets_ticket_state", "ticket", "state"))
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    ticket: Mapped[str] = mapped_column(String(64))
    message_set_id: Mapped[str] = mapped_column(String(23), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=MessageSetState.SENT.value, index=True)
    writes: Mapped[bool] = mapped_column(Boolean, default=True)
    qbxml_version: Mapped[str] = mapped_column(String(8))
    request_xml: Mapped[str | None] = mapped_column(Text, nullable=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    elapsed_ms: Mapped[int | None] = mapped_column(Integer, nullable=True)


class Request(Base):
    """One QuickBooks operation the service owes QuickBooks, with its whole history."""

    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("company_id", "idempotency_key", name="uq_requests_company_key"),
        # The claim walks this in order and stops after one message set's worth; it also
        # serves every look-up by company and status (its leading columns).
        Index("ix_requests_claim", "company_id", "status", "priority", "id"),
        Index("ix_requests_magento_ref", "magento_ref"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    operation: Mapped[str] = mapped_column(String(64))  # qbXML request name without Rq: InvoiceAdd
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.QUEUED.value)
    idempotency_key: Mapped[str] = mapped_column(String(200))
    entity_type: Mapped[str | None] = mapped_column(String(32), nullable=True)  # order, invoice…
    magento_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    magento_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)  # increment id/SKU
    # The Magento customer the document belongs to (None for guests, items, set-up): what
    # purge-customer finds a customer's transactions by.
    magento_customer_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    document_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    changed_after_post: Mapped[bool] = mapped_column(Boolean, default=False)
    # What a bookkeeper reads the document by, kept beside the payload (which retention
    # empties) so the log can show, sort and filter them: the customer's QuickBooks name,
    # the Magento total the lines were checked against, its currency, the TxnDate.
    customer_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    currency: Mapped[str | None] = mapped_column(String(64), nullable=True)
    document_date: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # template context
    body_xml: Mapped[str | None] = mapped_column(Text, nullable=True)  # ready <XxxRq>, no payload
    request_xml: Mapped[str | None] = mapped_column(Text, nullable=True)  # last rendered body
    response_xml: Mapped[str | None] = mapped_column(Text, nullable=True)  # last Rs element
    priority: Mapped[int] = mapped_column(Integer, default=100)
    not_before: Mapped[datetime | None] = mapped_column(nullable=True)
    attempts_count: Mapped[int] = mapped_column(Integer, default=0)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status_severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    explanation: Mapped[str | None] = mapped_column(Text, nullable=True)
    hold_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    waiting_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    qb_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    qb_ref: Mapped[str | None] = mapped_column(String(200), nullable=True)
    qb_edit_sequence: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # Why the next send is a query instead of the request itself:
    # unknown_outcome | name_in_use | stale_edit_sequence (see queue.lookups)
    lookup_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)
    iterator_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    iterator_remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    message_set_pk: Mapped[int | None] = mapped_column(
        ForeignKey("message_sets.id"), nullable=True, index=True
    )
    ticket: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class RequestDependency(Base):
    """``request_id`` may only be sent after ``depends_on_id`` succeeded."""

    __tablename__ = "request_dependencies"
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), primary_key=True)
    depends_on_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id"), primary_key=True, index=True
    )


class RequestTransition(Base):
    """Every status change of a request: from, to, who or what caused it, and why."""

    __tablename__ = "request_transitions"
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_status: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Attempt(Base):
    """One immutable send/receive of a request: ticket, message set, times, outcome."""

    __tablename__ = "attempts"
    # The end of a run reports its refused attempts by ticket and outcome: found among
    # those alone, not among the run's every attempt (a long run makes a hundred thousand).
    __table_args__ = (Index("ix_attempts_ticket_outcome", "ticket", "outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    ticket: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message_set_id: Mapped[str | None] = mapped_column(String(23), nullable=True, index=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    status_severity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    status_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    hresult: Mapped[str | None] = mapped_column(String(20), nullable=True)
    request_xml: Mapped[str | None] = mapped_column(Text, nullable=True)
    response_xml: Mapped[str | None] = mapped_column(Text, nullable=True)
    bodies_purged_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Mapping(Base):
    """The link between a Magento entity and the QuickBooks record made from it."""

    __tablename__ = "mappings"
    __table_args__ = (
        UniqueConstraint("company_id", "entity_type", "magento_id", name="uq_mappings_identity"),
        Index("ix_mappings_qb_id", "company_id", "qb_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    entity_type: Mapped[str] = mapped_column(String(32))  # customer, item, invoice, …
    magento_id: Mapped[str] = mapped_column(String(255))  # id, or SKU for items
    magento_ref: Mapped[str | None] = mapped_column(String(255), nullable=True)
    qb_type: Mapped[str | None] = mapped_column(String(64), nullable=True)  # ItemInventory…
    qb_id: Mapped[str | None] = mapped_column(String(64), nullable=True)  # ListID / TxnID
    qb_name: Mapped[str | None] = mapped_column(String(255), nullable=True)  # FullName/RefNumber
    edit_sequence: Mapped[str | None] = mapped_column(String(32), nullable=True)
    document_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    amount: Mapped[Decimal | None] = mapped_column(Numeric(18, 2), nullable=True)
    txn_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def quickbooks_facts(ret: Any) -> dict[str, Any]:
    """What a mapping keeps of the record QuickBooks answered with, beside its ids: its
    type (a transaction's as answered, ``InvoiceRet``; a list record's without the
    suffix, ``Customer``, ``ItemInventory``) and a transaction's total and date, which
    reconciliation compares. What the answer does not say is left out.

    The queue writes them when it links the mapping and the handlers again when they
    apply the answer on their own: the same values, so a settled set's mappings are
    written once, not inserted and then updated."""
    facts: dict[str, Any] = {}
    if not ret.txn_id:
        if ret.type:
            facts["qb_type"] = ret.type.removesuffix("Ret")
        return facts
    if ret.type:
        facts["qb_type"] = ret.type
    if ret.total is not None:
        facts["amount"] = Decimal(ret.total)
    if ret.txn_date:
        try:
            facts["txn_date"] = date.fromisoformat(ret.txn_date)
        except ValueError:
            pass
    return facts


class SiteQuantity(Base):
    """Quantity on hand QuickBooks last reported, per item and inventory site."""

    __tablename__ = "site_quantities"
    __table_args__ = (UniqueConstraint("company_id", "item_name", "site_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"))
    item_list_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    item_name: Mapped[str] = mapped_column(String(255))
    site_name: Mapped[str] = mapped_column(String(64), default="")
    quantity_on_hand: Mapped[Decimal] = mapped_column(Numeric(18, 5))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    pushed_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Watermark(Base):
    """How far an incremental Magento pull got, per company and entity (UTC updated_at)."""

    __tablename__ = "watermarks"
    company_id: Mapped[int] = mapped_column(ForeignKey("companies.id"), primary_key=True)
    entity: Mapped[str] = mapped_column(String(32), primary_key=True)
    updated_at_value: Mapped[str] = mapped_column(String(32))
    last_run_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebUser(Base):
    """A person who signs in to the web console: admin, bookkeeper or viewer."""

    __tablename__ = "web_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Bumped on logout and password change: every cookie signed with an older one is void.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


@event.listens_for(WebUser.password_hash, "set")
def _password_changed(target: WebUser, value: str, oldvalue: object, initiator: object) -> None:
    """A new password ends every console session signed in with the old one."""
    if isinstance(oldvalue, str) and value != oldvalue:
        target.session_generation = (target.session_generation or 0) + 1


class LoginFailure(Base):
    """Failed logins per user name and source address, for growing delays (auth.py).

    Keys are hashes, so the table names neither the user nor the address it throttles.
    """

    __tablename__ = "login_failures"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # kind, user and address
    user_key: Mapped[str] = mapped_column(String(64), index=True)  # kind and user
    failures: Mapped[int] = mapped_column(Integer, default=0)
    blocked_until: Mapped[datetime | None] = mapped_column(nullable=True)
    last_failure_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AuditEvent(Base):
    """Append-only trail of human and system actions, optionally hash-chained."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(64))
    target_type: Mapped[str | None] = mapped_column(String(32), nullable=True)
    target_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


class JobLease(Base):
    """Which process runs a scheduled job now; one leader per job across processes."""

    __tablename__ = "job_leases"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column()
