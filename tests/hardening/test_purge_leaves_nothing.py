"""Finding 1: after purge-customer no table and no database file names the customer.

The rows are shaped like the sync's: transactions name the customer only through
``CustomerRef/FullName`` and carry billing and shipping addresses; one is found only by
the Magento customer id stored on it, one only by its QuickBooks name, one only by the
ListID in QuickBooks' answer. Attempts, message sets, a run message, a history line and
a console action's free-text audit reason name the customer too.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import select

from qbwc_service.cli import cli
from qbwc_service.context import AppContext
from qbwc_service.db.models import (
    Attempt,
    Base,
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
from qbwc_service.services import audit
from qbwc_service.settings import load_settings

EMAIL = "ada.lovelace@example.com"
NAME = "Ada Lovelace"
PHONE = "+44 20 7946 0018"
STREET = "12 St James's Square"
SHIP_STREET = "Ockham Park Lane 7"
POSTCODE = "SW1Y 4LE"
LIST_ID = "80000001-1712340000"
# What must be gone from every row and every file; the e-mail in both cases.
PERSONAL = (EMAIL, EMAIL.upper(), NAME, PHONE, STREET, SHIP_STREET, POSTCODE, "Lovelace")
OTHER = "Grace Hopper"


def _run(data_dir: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--data-dir", str(data_dir), *args])


def _address(street: str) -> dict[str, str]:
    return {"Addr1": NAME, "Addr2": street, "City": "London", "PostalCode": POSTCODE,
            "Country": "GB"}


def _xml(operation: str, ref: str, street: str) -> str:
    return (f"<{operation}Rq><{operation}><CustomerRef><FullName>{NAME}</FullName></CustomerRef>"
            f"<RefNumber>{ref}</RefNumber><BillAddress><Addr1>{NAME}</Addr1><Addr2>{STREET}"
            f"</Addr2><PostalCode>{POSTCODE}</PostalCode></BillAddress><ShipAddress><Addr2>"
            f"{street}</Addr2></ShipAddress></{operation}></{operation}Rq>")


def _seed(ctx: AppContext) -> None:
    with ctx.db.session() as session:
        company = Company(name="North", file_id="{00000000-0000-0000-0000-000000000001}")
        session.add(company)
        session.flush()
        user = QbwcUser(company_id=company.id, username="north-wc", password_hash="x")
        session.add(user)
        session.flush()
        ticket = "f" * 64
        session.add(WcRun(ticket=ticket, company_id=company.id, user_id=user.id,
                              state="closed", expires_at=utcnow(),
                              last_error=f'Invalid reference to QuickBooks Customer "{NAME}"'))
        message_set = MessageSet(company_id=company.id, ticket=ticket, message_set_id="ms-ada",
                                 qbxml_version="13.0", state="answered",
                                 request_xml=f"<QBXML>{_xml('InvoiceAdd', '100', SHIP_STREET)}</QBXML>")
        session.add(message_set)
        session.flush()

        def request(operation: str, ref: str, **fields: object) -> Request:
            row = Request(company_id=company.id, operation=operation, idempotency_key=ref,
                          status=RequestStatus.SUCCEEDED.value, message_set_pk=message_set.id,
                          ticket=ticket, **fields)
            session.add(row)
            session.flush()
            session.add(Attempt(request_id=row.id, ticket=ticket, message_set_id="ms-ada",
                                request_xml=row.request_xml, response_xml=row.response_xml,
                                status_code=0, outcome="succeeded"))
            return row

        customer = request(
            "CustomerAdd", "customer-501", entity_type="customer", magento_id="501",
            magento_ref=EMAIL, magento_customer_id="501",
            payload={"Name": NAME, "Email": EMAIL, "Phone": PHONE,
                     "BillAddress": _address(STREET), "ShipAddress": _address(SHIP_STREET)},
            request_xml=f"<CustomerAddRq><CustomerAdd><Name>{NAME}</Name><Phone>{PHONE}</Phone>"
                        f"<Email>{EMAIL}</Email></CustomerAdd></CustomerAddRq>",
            response_xml=f"<CustomerAddRs statusCode=\"0\"><CustomerRet><ListID>{LIST_ID}</ListID>"
                         f"<Name>{NAME}</Name></CustomerRet></CustomerAddRs>",
            qb_id=LIST_ID, qb_ref=NAME)
        session.add(Mapping(company_id=company.id, entity_type="customer", magento_id="501",
                            magento_ref=EMAIL, qb_id=LIST_ID, qb_name=NAME,
                            request_id=customer.id))
        transactions = []
        for number in range(9):
            operation = ("InvoiceAdd", "ReceivePaymentAdd", "CreditMemoAdd")[number % 3]
            ref = f"{100 + number}"
            fields: dict[str, object] = {
                "entity_type": "invoice", "magento_id": str(9000 + number), "magento_ref": ref,
                "payload": {"CustomerRef": {"FullName": NAME}, "RefNumber": ref,
                            "BillAddress": _address(STREET), "ShipAddress": _address(SHIP_STREET),
                            "Memo": f"Order {ref} for {NAME}",
                            "lines": [{"ItemRef": {"FullName": "Analytical Engine"},
                                       "Amount": "199.00"}]},
                "request_xml": _xml(operation, ref, SHIP_STREET),
                "response_xml": f"<{operation}Rs statusCode=\"0\"><CustomerRef><ListID>{LIST_ID}"
                                f"</ListID><FullName>{NAME}</FullName></CustomerRef></{operation}Rs>",
            }
            if number == 0:
                # Found only through the Magento customer id stored on the request.
                fields["payload"] = {"RefNumber": ref, "Memo": f"for {NAME}"}
                fields["request_xml"] = fields["response_xml"] = None
                fields["magento_customer_id"] = "501"
            if number == 1:
                # Found only through the ListID in QuickBooks' answer.
                fields["payload"] = {"RefNumber": ref}
                fields["request_xml"] = None
                fields["response_xml"] = f"<InvoiceRet><CustomerRef><ListID>{LIST_ID}</ListID>" \
                                         f"</CustomerRef><Memo>{PHONE}</Memo></InvoiceRet>"
            transactions.append(request(operation, ref, **fields))
        session.add(RequestTransition(request_id=transactions[2].id, from_status="queued",
                                      to_status="queued", actor="session",
                                      reason=f"Waiting for request #1 (CustomerAdd {NAME})"))
        session.add(Request(company_id=company.id, operation="CustomerAdd", idempotency_key="g",
                            status=RequestStatus.SUCCEEDED.value, entity_type="customer",
                            magento_id="777", payload={"Name": OTHER}))
        audit.record(session, actor="web:bob", action="hold", target_type="request",
                     target_id=transactions[3].id, before={"status": "queued"},
                     after={"status": "held",
                            "reason": f"{NAME} called from {PHONE}, write to {EMAIL}"})


def _rows_text(ctx: AppContext) -> str:
    parts: list[str] = []
    with ctx.db.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            for row in connection.execute(select(table)):
                parts.extend(str(value) for value in row)
    return "\n".join(parts)


def _files_bytes(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(data_dir.glob("qbwc.sqlite3*")))


def test_purge_leaves_no_trace_in_any_table_or_database_file(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ctx = AppContext(load_settings(None, environ={}, data_dir=data_dir))
    _seed(ctx)
    before = _rows_text(ctx)
    assert all(value in before for value in (EMAIL, NAME, PHONE, STREET, SHIP_STREET))
    ctx.db.dispose()

    dry = _run(data_dir, "purge-customer", EMAIL, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "would purge: 10 requests" in dry.output
    assert NAME in _rows_text(ctx)  # a dry run changes nothing

    result = _run(data_dir, "purge-customer", EMAIL, "--yes")
    assert result.exit_code == 0, result.output
    assert "purged: 10 requests, 10 attempts, 1 message sets" in result.output
    assert "warning" not in result.output
    ctx.db.dispose()

    rows = _rows_text(ctx)
    files = _files_bytes(data_dir)
    for value in PERSONAL:
        assert value not in rows, f"{value!r} is still in a table"
        assert value.encode() not in files, f"{value!r} is still in a database file"
    # Accounting facts and other customers stay; the audit chain still verifies.
    assert OTHER in rows and LIST_ID in rows and "Analytical Engine" in rows and "199.00" in rows
    verify = _run(data_dir, "audit", "verify")
    assert verify.exit_code == 0 and "intact" in verify.output, verify.output
    with ctx.db.session() as session:
        purged = session.scalars(select(Request).where(Request.magento_id == "9003")).one()
        assert purged.status == "succeeded" and purged.payload["RefNumber"] == "103"
    ctx.db.dispose()
