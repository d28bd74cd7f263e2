"""backup, restore, purge-customer and audit verify through the command line."""

from __future__ import annotations

import sqlite3
import stat
from decimal import Decimal
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select, update

from qbwc_service.cli import cli
from qbwc_service.db import Database
from qbwc_service.db.models import (
    Attempt,
    AuditEvent,
    Company,
    Mapping,
    MessageSet,
    QbwcUser,
    Request,
    RequestStatus,
    RequestTransition,
    WcRun,
    utcnow,
)
from qbwc_service.services.audit import record

from . import seed

EMAIL = "ada.lovelace@example.com"


def _run(data_dir: Path, *args: str, input_text: str | None = None) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args], input=input_text)


def _database(data_dir: Path) -> Database:
    database = Database(f"sqlite:///{(data_dir / 'qbwc.sqlite3').resolve()}")
    database.upgrade()
    return database


def test_backup_then_restore_round_trips_the_data(tmp_path: Path) -> None:
    """A backup taken while rows exist brings them back after they were changed."""
    data_dir = tmp_path / "data"
    database = _database(data_dir)
    with database.session() as session:
        seed.company(session, "North")
    copy = tmp_path / "backups" / "qbwc-1.sqlite3"
    result = _run(data_dir, "backup", str(copy))
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    with database.session() as session:
        seed.company(session, "Added after the backup")
    database.dispose()
    result = _run(data_dir, "restore", str(copy), "--yes")
    assert result.exit_code == 0, result.output
    with database.session() as session:
        assert session.scalars(select(Company.name)).all() == ["North"]
    kept = list(data_dir.glob("qbwc.sqlite3.before-restore-*"))
    assert len(kept) == 1
    with sqlite3.connect(kept[0]) as connection:
        assert connection.execute("SELECT count(*) FROM companies").fetchone() == (2,)


def test_backup_refuses_to_overwrite_without_force(tmp_path: Path) -> None:
    """An existing destination is kept unless --force is given."""
    data_dir = tmp_path / "data"
    _database(data_dir).dispose()
    destination = tmp_path / "existing.sqlite3"
    destination.write_text("keep me")
    result = _run(data_dir, "backup", str(destination))
    assert result.exit_code != 0
    assert destination.read_text() == "keep me"
    assert _run(data_dir, "backup", str(destination), "--force").exit_code == 0


def test_restore_refuses_a_file_that_is_not_our_database(tmp_path: Path) -> None:
    """A stray SQLite file (or garbage) is refused and the live data stays."""
    data_dir = tmp_path / "data"
    database = _database(data_dir)
    with database.session() as session:
        seed.company(session, "North")
    database.dispose()
    stray = tmp_path / "stray.sqlite3"
    with sqlite3.connect(stray) as connection:
        connection.execute("CREATE TABLE t (x)")
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    for candidate in (stray, garbage):
        result = _run(data_dir, "restore", str(candidate), "--yes")
        assert result.exit_code != 0
        assert "qbwc-service database" in result.output or "not a usable" in result.output
    with database.session() as session:
        assert session.scalars(select(Company.name)).all() == ["North"]


def test_backup_on_postgresql_points_to_pg_dump(tmp_path: Path) -> None:
    """With a PostgreSQL URL the command explains the pg_dump route instead of failing oddly."""
    config = tmp_path / "config.toml"
    config.write_text('[service]\ndatabase_url = "postgresql+psycopg://u@127.0.0.1:1/x"\n')
    result = CliRunner().invoke(cli, ["--config", str(config), "backup", str(tmp_path / "x")])
    assert result.exit_code == 1
    assert "pg_dump" in result.output
    assert not (tmp_path / "x").exists()


def _customer_rows(database: Database) -> dict[str, int]:
    with database.session() as session:
        north = seed.company(session, "North")
        customer = seed.request(
            session, north, "CustomerAdd", RequestStatus.SUCCEEDED,
            entity_type="customer", magento_id="501", magento_ref=EMAIL,
            payload={"name": "Ada Lovelace", "email": EMAIL, "first_name": "Ada",
                     "last_name": "Lovelace", "phone": "+44 20 7946 0000",
                     "bill_address": {"street": ["12 St James's Square"], "city": "London",
                                      "postcode": "SW1Y 4LE"}},
            request_xml="<CustomerAddRq><CustomerAdd><Name>Ada Lovelace</Name></CustomerAdd></CustomerAddRq>",
            response_xml="<CustomerAddRs statusCode=\"0\"><CustomerRet><Name>Ada Lovelace</Name></CustomerRet></CustomerAddRs>",
            qb_id="80000001-1", qb_ref="Ada Lovelace",
            status_message="Status OK", ticket="t-1",
        )
        message_set = seed.message_set(session, north, 420)
        invoice = seed.request(
            session, north, "InvoiceAdd", RequestStatus.SUCCEEDED,
            entity_type="invoice", magento_id="9001", magento_ref="000000042",
            message_set_pk=message_set.id,
            payload={"customer_id": 501, "customer_ref": {"full_name": "Ada Lovelace"},
                     "ref_number": "000000042", "txn_date": "2026-11-02",
                     "lines": [{"name": "Analytical Engine", "sku": "AE-1", "amount": "199.00"}],
                     "memo": "Order 000000042 for Ada Lovelace"},
            request_xml="<InvoiceAddRq>…Ada Lovelace…</InvoiceAddRq>",
            status_message='The name "Ada Lovelace" of the list element is already in use.',
        )
        other = seed.request(
            session, north, "CustomerAdd", RequestStatus.SUCCEEDED, entity_type="customer",
            magento_id="777", payload={"name": "Grace Hopper", "email": "grace@example.com"},
            request_xml="<CustomerAddRq><Name>Grace Hopper</Name></CustomerAddRq>",
        )
        session.add(RequestTransition(request_id=invoice.id, from_status="queued",
                                      to_status="queued", actor="session",
                                      reason="Waiting for request #1 (CustomerAdd Ada Lovelace)"))
        web_connector = QbwcUser(company_id=north.id, username="north-wc", password_hash="x")
        session.add(web_connector)
        session.flush()
        session.add(WcRun(ticket="t-ada", company_id=north.id, user_id=web_connector.id,
                              state="closed",
                              expires_at=utcnow(),
                              last_error='Invalid reference to QuickBooks Customer "Ada Lovelace"'))
        seed.attempt(session, customer, "<CustomerAddRs>Ada Lovelace</CustomerAddRs>")
        seed.attempt(session, invoice, "<InvoiceAddRs>Ada Lovelace</InvoiceAddRs>")
        seed.mapping(session, north, entity_type="customer", magento_id="501", magento_ref=EMAIL,
                     qb_id="80000001-1", qb_name="Ada Lovelace", request_id=customer.id)
        seed.mapping(session, north, entity_type="invoice", magento_id="9001",
                     magento_ref="000000042", qb_id="1A-1", qb_name="000000042",
                     amount=Decimal("199.00"), request_id=invoice.id)
        return {"customer": customer.id, "invoice": invoice.id, "other": other.id}


def test_purge_customer_removes_personal_data_and_keeps_accounting_facts(tmp_path: Path) -> None:
    """Names, e-mail, address and bodies go; ids, amounts, statuses, refs and dates stay."""
    data_dir = tmp_path / "data"
    database = _database(data_dir)
    ids = _customer_rows(database)
    result = _run(data_dir, "purge-customer", EMAIL, "--yes")
    assert result.exit_code == 0, result.output
    assert "2 requests" in result.output and "2 attempts" in result.output
    with database.session() as session:
        customer = session.get(Request, ids["customer"])
        invoice = session.get(Request, ids["invoice"])
        other = session.get(Request, ids["other"])
        assert customer is not None and invoice is not None and other is not None
        everything = " ".join(
            str(value)
            for row in (customer, invoice)
            for value in (row.payload, row.request_xml, row.response_xml, row.magento_ref,
                          row.qb_ref, row.status_message)
        )
        for personal in ("Ada", "Lovelace", EMAIL, "James", "London", "SW1Y", "7946"):
            assert personal not in everything
        assert customer.request_xml is None and customer.response_xml is None
        assert customer.status == "succeeded" and customer.qb_id == "80000001-1"
        assert customer.magento_id == "501"
        assert invoice.payload["lines"] == [
            {"name": "Analytical Engine", "sku": "AE-1", "amount": "199.00"}
        ]
        assert invoice.payload["ref_number"] == "000000042"
        assert invoice.payload["txn_date"] == "2026-11-02"
        assert invoice.magento_ref == "000000042"
        assert other.payload["name"] == "Grace Hopper" and other.request_xml is not None
        attempts = session.scalars(select(Attempt)).all()
        assert all(a.response_xml is None and a.bodies_purged_at for a in attempts)
        assert session.scalar(select(func.count()).where(MessageSet.request_xml.is_not(None))) == 0
        mappings = {m.entity_type: m for m in session.scalars(select(Mapping))}
        assert mappings["customer"].qb_name == "[purged]"
        assert mappings["customer"].magento_ref == "[purged]"
        assert mappings["customer"].qb_id == "80000001-1"
        assert mappings["invoice"].amount == Decimal("199.00")
        assert mappings["invoice"].qb_name == "000000042"
        [event] = session.scalars(select(AuditEvent)).all()
        assert event.action == "purge_customer"
        assert EMAIL not in str(event.target_id) and "Ada" not in str(event.after)
        assert event.after == {"requests": 2, "attempts": 2, "message_sets": 1, "mappings": 1,
                               "outstanding": 0, "history_lines": 2, "audit_events": 0}
        reasons = " ".join(t.reason or "" for t in session.scalars(select(RequestTransition)))
        run = session.get(WcRun, "t-ada")
        assert "Lovelace" not in reasons and "#1 (CustomerAdd" in reasons
        assert run is not None and "Lovelace" not in (run.last_error or "")


def test_purge_customer_leaves_requests_still_owed_to_quickbooks(tmp_path: Path) -> None:
    """A queued request keeps its body (it must still be posted) and is reported."""
    data_dir = tmp_path / "data"
    database = _database(data_dir)
    with database.session() as session:
        north = seed.company(session, "North")
        queued = seed.request(session, north, "CustomerAdd", RequestStatus.QUEUED,
                              entity_type="customer", magento_id="9",
                              payload={"email": EMAIL, "name": "Ada Lovelace"},
                              body_xml="<CustomerAddRq><CustomerAdd><Name>Ada Lovelace</Name>"
                                       "</CustomerAdd></CustomerAddRq>")
    result = _run(data_dir, "purge-customer", EMAIL, "--yes")
    assert result.exit_code == 0, result.output
    assert "1 request(s) for this customer are still owed" in result.output
    with database.session() as session:
        row = session.get(Request, queued.id)
        assert row is not None and row.body_xml is not None and row.payload["email"] == EMAIL


def test_purge_customer_asks_before_acting(tmp_path: Path) -> None:
    """Without --yes a 'no' answer leaves every row untouched."""
    data_dir = tmp_path / "data"
    database = _database(data_dir)
    ids = _customer_rows(database)
    result = _run(data_dir, "purge-customer", EMAIL, input_text="n\n")
    assert result.exit_code != 0
    with database.session() as session:
        customer = session.get(Request, ids["customer"])
        assert customer is not None and customer.payload["email"] == EMAIL


def test_audit_verify_passes_an_intact_chain_and_fails_a_tampered_one(tmp_path: Path) -> None:
    """Exit 0 on an intact chain; exit 1 naming the event after a row was edited."""
    data_dir = tmp_path / "data"
    database = _database(data_dir)
    with database.session() as session:
        for number in range(3):
            record(session, actor="admin", action="retry", target_type="request",
                   target_id=number)
    result = _run(data_dir, "audit", "verify")
    assert result.exit_code == 0 and "intact" in result.output
    with database.session() as session:
        second = session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)).all()[1]
        session.execute(update(AuditEvent).where(AuditEvent.id == second).values(actor="mallory"))
    result = _run(data_dir, "audit", "verify")
    assert result.exit_code == 1
    assert f"event(s) {second}" in result.output
