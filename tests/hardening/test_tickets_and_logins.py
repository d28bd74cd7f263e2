"""Tickets bound to their company file, and password guessing stopped by lockout."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from qbwc_service.db.models import Company, MessageSet, QbwcUser, Request, RequestStatus
from qbwc_service.qbwc.auth import hash_password
from qbwc_service.qbwc.qwc import new_guid, owner_id

from .conftest import PASSWORD, LiveService
from .envelopes import result_text

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "hardening"


def _hcp(live: LiveService, company_name: str, file_id: str) -> str:
    with live.ctx.db.session() as session:
        owner = owner_id(session)
    text = (FIXTURES / "hcp_pro.xml").read_text(encoding="utf-8")
    return (text.replace("{OWNER_ID}", owner).replace("{FILE_ID}", file_id)
            .replace("{COMPANY_NAME}", company_name))


def _queue_state(live: LiveService) -> list[tuple[int, int, str]]:
    with live.ctx.db.session() as session:
        return [tuple(row) for row in session.execute(  # type: ignore[misc]
            select(Request.id, Request.company_id, Request.status).order_by(Request.id))]


def _send(live: LiveService, ticket: str, hcp: str) -> str | None:
    response = live.call("sendRequestXML", ticket=ticket, strHCPResponse=hcp,
                         strCompanyFileName="C:\\Data\\South.QBW", qbXMLCountry="US",
                         qbXMLMajorVers=13, qbXMLMinorVers=0)
    live.assert_clean_refusal(response)
    assert response.status_code == 200
    return result_text(response.content, "sendRequestXML")[0]


def test_a_ticket_is_refused_against_another_company_file(live: LiveService) -> None:
    """North's ticket used with South's company file open gets no qbXML and says why."""
    north, south = live.logins["north"], live.logins["south"]
    ticket = live.authenticate(north.username, PASSWORD)[0]
    assert ticket
    before = _queue_state(live)
    answer = _send(live, ticket, _hcp(live, "South Ltd", south.file_id))
    assert not answer  # "" : nothing for QuickBooks
    response = live.call("getLastError", ticket=ticket)
    message = result_text(response.content, "getLastError")[0] or ""
    assert "not the one this Web Connector user" in message
    assert _queue_state(live) == before
    with live.ctx.db.session() as session:
        assert session.scalars(select(MessageSet)).all() == []
    closing = live.call("closeConnection", ticket=ticket)
    assert closing.status_code == 200


def test_unknown_and_forged_tickets_get_the_protocols_stop_values(live: LiveService) -> None:
    """A ticket we never issued gets "" / -1 / "done", never a fault and never work."""
    before = live.row_counts()
    forged = "A" * 43
    assert _send(live, forged, "") in ("", None)
    response = live.call("receiveResponseXML", ticket=forged, response="<QBXML/>",
                         hresult="", message="")
    assert result_text(response.content, "receiveResponseXML")[0] == "-1"
    response = live.call("connectionError", ticket=forged, hresult="0x80040400", message="x")
    assert result_text(response.content, "connectionError")[0] == "done"
    assert live.row_counts() == before


def test_brute_force_from_one_address_cannot_lock_out_the_real_web_connector(
    live: LiveService,
) -> None:
    """Finding 3: the user name is in the .qwc; guessing its password from one address
    delays that address only. The right password from there is postponed ("busy", with
    closeConnection saying "try again in N minutes"), never answered "Invalid password";
    the real Web Connector, elsewhere behind the same proxy, logs in all the while."""
    with live.ctx.db.session() as session:
        company = Company(name="Victim", file_id=new_guid())
        session.add(company)
        session.flush()
        session.add(QbwcUser(company_id=company.id, username="victim",
                             password_hash=hash_password(PASSWORD)))
    attacker = {"X-Forwarded-For": "203.0.113.66"}
    for guess in range(live.ctx.settings.lockout_attempts):
        assert live.authenticate("victim", f"guess-{guess}", headers=attacker)[1] == "nvu"
    throttled = live.authenticate("victim", PASSWORD, headers=attacker)
    assert throttled[1] == "busy" and throttled[2] == "60"
    closing = live.call("closeConnection", ticket=throttled[0])
    assert result_text(closing.content, "closeConnection")[0] == (
        "Too many failed logins for this user from this computer. Try again in 1 minute.")
    with live.ctx.db.session() as session:
        user = session.scalars(select(QbwcUser).where(QbwcUser.username == "victim")).one()
        assert user.locked_until is None and user.last_login_at is None
    real = live.authenticate("victim", PASSWORD, headers={"X-Forwarded-For": "198.51.100.20"})
    assert real[1] not in ("nvu", "busy")
    with live.ctx.db.session() as session:
        statuses = set(session.scalars(select(Request.status)))
    assert statuses <= {RequestStatus.QUEUED.value, RequestStatus.SENT.value}
    live.assert_still_serving()


def test_unknown_user_answers_like_a_wrong_password(live: LiveService) -> None:
    """An unknown user name gets the same "nvu" as a wrong password (no user enumeration)."""
    unknown = live.authenticate("nobody-here", "whatever")
    wrong = live.authenticate(live.logins["north"].username, "wrong")
    assert unknown[1] == wrong[1] == "nvu"
    assert unknown[0] and wrong[0] and unknown[0] != wrong[0]
