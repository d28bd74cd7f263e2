"""The use cases behind the console's pages, called without the web: sign-in and the cookie
check, the overdue banner, the bulk review, the .qwc download, people and the audit trail."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, text
from web_seed import PASSWORD, Seeded

from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, Request, WcRun, WebUser, utcnow
from qbwc_service.qbwc.auth import AuthOutcome, LoginPolicy
from qbwc_service.queue import enqueue
from qbwc_service.services.audit_trail import AuditFilter, audit_page
from qbwc_service.services.bulk_review import review_bulk
from qbwc_service.services.companies import qwc_for
from qbwc_service.services.console_auth import (
    ConsoleUser,
    Role,
    sign_in,
    sign_out,
    signed_in_user,
)
from qbwc_service.services.console_people import change_person
from qbwc_service.services.dashboard import overdue_companies
from qbwc_service.services.exceptions import Conflict, NotFound, WebUserError
from qbwc_service.services.schedule import pull_schedule


def _sign_in(app_context: AppContext, username: str, password: str = PASSWORD) -> Any:
    with app_context.db.session() as session:
        return sign_in(session, username, password, address="203.0.113.9",
                       policy=LoginPolicy.from_settings(app_context.settings))


def _still_signed_in(app_context: AppContext, user: ConsoleUser, generation: int) -> bool:
    with app_context.db.session() as session:
        return signed_in_user(session, user.id, user.username, generation) is not None


def test_a_cookie_stops_counting_after_sign_out_disable_or_new_password(
        app_context: AppContext, seeded: Seeded) -> None:
    """The account behind a cookie is checked each time: sign-out, disabling and a new
    password each void it; a cookie naming another user never counted."""
    first = _sign_in(app_context, "bob")
    assert first.outcome is AuthOutcome.OK and first.user is not None
    bob = first.user
    assert bob.role == "bookkeeper" and bob.can(Role.BOOKKEEPER) and not bob.can(Role.ADMIN)
    assert _still_signed_in(app_context, bob, first.generation)
    with app_context.db.session() as session:
        assert signed_in_user(session, bob.id, "ada", first.generation) is None

    with app_context.db.session() as session:
        sign_out(session, bob)
    assert not _still_signed_in(app_context, bob, first.generation)

    second = _sign_in(app_context, "bob")
    assert second.generation > first.generation
    assert _still_signed_in(app_context, bob, second.generation)
    with app_context.db.session() as session:
        session.get(WebUser, bob.id).password_hash = "$argon2id$changed"
    assert not _still_signed_in(app_context, bob, second.generation)

    third = _sign_in(app_context, "vera")
    assert third.user is not None
    with app_context.db.session() as session:
        session.get(WebUser, third.user.id).disabled_at = utcnow()
    assert not _still_signed_in(app_context, third.user, third.generation)


def test_a_wrong_password_signs_nobody_in(app_context: AppContext, seeded: Seeded) -> None:
    """A wrong password gives an outcome other than OK and no user."""
    result = _sign_in(app_context, "bob", "not the password")
    assert result.outcome is not AuthOutcome.OK and result.user is None


def _selects(app_context: AppContext) -> list[str]:
    statements: list[str] = []
    event.listen(app_context.db.engine, "before_cursor_execute",
                 lambda conn, cursor, statement, *args: statements.append(statement)
                 if statement.lstrip().upper().startswith("SELECT") else None)
    return statements


def test_the_overdue_banner_is_one_statement_over_an_index(
        app_context: AppContext, seeded: Seeded) -> None:
    """The banner names late companies from one statement, which finds each company's latest
    call through the (company_id, last_call_at) index rather than a scan of every run."""
    statements = _selects(app_context)
    with app_context.db.session() as session:
        late = overdue_companies(session)
    assert [(item.company_name, item.last_seen) for item in late] == [("Bravo Ltd", None)]
    assert len(statements) == 1
    with app_context.db.session() as session:
        plan = " ".join(str(row[-1]) for row in session.execute(
            text(f"EXPLAIN QUERY PLAN {statements[0]}")))
    assert "ix_wc_sessions_company_last_call" in plan


def test_a_long_run_keeps_its_company_off_the_banner(app_context: AppContext, seeded: Seeded) -> None:
    """A run that started long ago but called recently counts as a connection; an old
    call beyond twice the interval does not."""
    now = utcnow()
    with app_context.db.session() as session:
        session.get(Company, seeded.company_id).last_session_at = now - timedelta(hours=3)
        session.get(WcRun, "test-ticket").last_call_at = now - timedelta(minutes=19)
    with app_context.db.session() as session:
        assert "Acme Books" not in {item.company_name for item in overdue_companies(session, now)}
        late = overdue_companies(session, now + timedelta(minutes=2))
    acme = next(item for item in late if item.company_name == "Acme Books")
    assert acme.every_seconds == 600 and acme.last_seen == now - timedelta(minutes=19)


def test_bulk_review_sorts_the_chosen_and_finds_what_a_cancel_strands(
        app_context: AppContext, seeded: Seeded) -> None:
    """Retry applies to the failed requests only; cancelling a failed invoice lists the
    payment queued behind it, and a succeeded request is skipped."""
    chosen = [seeded.failed_invoice_id, seeded.failed_memo_id, seeded.customer_id,
              seeded.held_ids[0]]
    with app_context.db.session() as session:
        invoice = session.get(Request, seeded.failed_invoice_id)
        payment = enqueue(session, company_id=seeded.company_id, operation="ReceivePaymentAdd",
                          key="payment:1234", entity_type="invoice", magento_id="1234",
                          magento_ref="000001234", depends_on=[invoice]).request
        session.flush()
        retry = review_bulk(session, "retry", chosen)
        assert retry.eligible_ids == sorted([seeded.failed_invoice_id, seeded.failed_memo_id])
        assert retry.skipped == 2 and retry.dependents == []
        cancel = review_bulk(session, "cancel", [seeded.failed_invoice_id, seeded.customer_id])
        assert cancel.eligible_ids == [seeded.failed_invoice_id] and cancel.skipped == 1
        assert cancel.dependent_ids == [payment.id]


def test_qwc_download_refuses_a_stranger_and_an_address_the_web_connector_refuses(
        app_context: AppContext, seeded: Seeded) -> None:
    """A user of another company and an unknown company are NotFound; a company without
    users is told the command that adds one; an IP address as public URL is a Conflict."""
    with app_context.db.session() as session:
        download = qwc_for(session, app_context.settings, seeded.company_id)
        assert download.filename == "Acme-Books-acme-wc.qwc"
        assert "<UserName>acme-wc</UserName>" in download.document
        with pytest.raises(NotFound, match="'stranger' is not a Web Connector user of 'Acme Books'"):
            qwc_for(session, app_context.settings, seeded.company_id, username="stranger")
        with pytest.raises(NotFound, match="`qbwc-service user add 'Bravo Ltd' USERNAME`"):
            qwc_for(session, app_context.settings, seeded.other_company_id, username="acme-wc")
        with pytest.raises(NotFound):
            qwc_for(session, app_context.settings, 999_999, username="acme-wc")
        by_ip = replace(app_context.settings, public_url="https://203.0.113.9")
        with pytest.raises(Conflict, match="cannot be made"):
            qwc_for(session, by_ip, seeded.company_id, username="acme-wc")


def test_qwc_by_name_is_the_qwc_by_id(app_context: AppContext, seeded: Seeded) -> None:
    """The command line (a company's name) and the console (its id) get the same file."""
    with app_context.db.session() as session:
        by_id = qwc_for(session, app_context.settings, seeded.company_id, username="acme-wc")
        by_name = qwc_for(session, app_context.settings, "Acme Books", username="acme-wc")
        assert by_name == by_id
        with pytest.raises(NotFound, match="no company named 'Nobody'"):
            qwc_for(session, app_context.settings, "Nobody")


def test_nobody_disables_their_own_account(app_context: AppContext, seeded: Seeded) -> None:
    """An administrator may disable others but not themselves; an unknown id is NotFound."""
    with app_context.db.session() as session:
        ada = session.query(WebUser).filter_by(username="ada").one()
        bob = session.query(WebUser).filter_by(username="bob").one()
        me = ConsoleUser(ada.id, ada.username, ada.role)
        with pytest.raises(WebUserError, match="your own account"):
            change_person(session, ada.id, "disable", by=me)
        assert change_person(session, bob.id, "disable", by=me) == "bob"
        assert bob.disabled_at is not None
        with pytest.raises(NotFound):
            change_person(session, 999_999, "enable", by=me)


def test_the_audit_trail_finds_a_person_by_either_name(app_context: AppContext, seeded: Seeded) -> None:
    """A console person's events are stored as web:NAME and found by NAME."""
    _sign_in(app_context, "bob")
    with app_context.db.session() as session:
        found = audit_page(session, AuditFilter(person="bob"))
        everything = audit_page(session, AuditFilter())
    assert [event.action for event in found.events] == ["login"]
    assert found.total == 1 and found.broken == [] and "login" in found.actions
    assert everything.total > found.total and everything.pages == 1


def test_a_broken_company_config_is_a_row_on_the_schedule(app_context: AppContext) -> None:
    """A company whose mapping config cannot be read shows the problem instead of failing."""
    settings = replace(app_context.settings, extra={"companies": {
        "Good": {"magento": {"base_url": "https://shop.example"}},
        "Broken": {"magento": {"base_url": "https://shop.example"}, "mapping": "not a table"},
        "No store": {},
    }})
    with app_context.db.session() as session:
        rows = pull_schedule(session, settings)
    assert {row.company for row in rows} == {"Good", "Broken"}
    broken = [row for row in rows if row.company == "Broken"]
    assert len(broken) == 1 and broken[0].problem and "cannot be read" in broken[0].problem
    assert {row.job for row in rows if row.company == "Good"} == {"orders", "products", "inventory"}
