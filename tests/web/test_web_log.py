"""The request log: filters, search, sort, pagination and CSV export of the same filter."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from flask.testing import FlaskClient
from web_seed import Seeded

from qbwc_service.context import AppContext
from qbwc_service.db.models import Attempt, Request
from qbwc_service.queue import enqueue
from qbwc_service.services.log import LogFilter

Client = Callable[[str], tuple[FlaskClient, str]]


def _ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'aria-label="Request (\d+)"', html)]


def test_filter_to_failures(client_for: Client, seeded: Seeded) -> None:
    """status=failed lists only the failed requests."""
    client, _ = client_for("vera")
    html = client.get(f"/requests?status=failed&company={seeded.company_id}").get_data(as_text=True)
    ids = _ids(html)
    assert seeded.failed_invoice_id in ids and seeded.failed_memo_id in ids
    assert seeded.queued_receipt_id not in ids and seeded.customer_id not in ids
    assert "3 requests" in html  # two today, one from three days ago


def test_search_by_magento_number_customer_qb_id_and_error(client_for: Client, seeded: Seeded) -> None:
    """The search box finds by Magento number, customer name, TxnID/ListID and error text."""
    client, _ = client_for("vera")
    cases = {
        "000001234": seeded.failed_invoice_id,
        "Smith & Sons": seeded.failed_invoice_id,
        "80000001-1714600000": seeded.customer_id,
        "WIDGET-BLUE": seeded.failed_invoice_id,
    }
    for term, expected in cases.items():
        ids = _ids(client.get("/requests", query_string={"q": term}).get_data(as_text=True))
        assert expected in ids, term
    assert _ids(client.get("/requests?q=100%25").get_data(as_text=True)) == []  # % is literal


def test_operation_company_and_date_filters(client_for: Client, seeded: Seeded) -> None:
    """Operation, company and created-date filters narrow the list."""
    client, _ = client_for("vera")
    ops = _ids(client.get("/requests?operation=CreditMemoAdd").get_data(as_text=True))
    assert ops == [seeded.failed_memo_id]
    other = client.get(f"/requests?company={seeded.other_company_id}").get_data(as_text=True)
    assert "1 request<" in other
    assert _ids(client.get("/requests?to=2000-01-01").get_data(as_text=True)) == []
    assert len(_ids(client.get("/requests?from=2000-01-01").get_data(as_text=True))) == 9


def test_sorting_and_pagination(client_for: Client, seeded: Seeded, app_context: AppContext) -> None:
    """Sorting by id flips with dir; 30 extra rows paginate at 25 per page."""
    with app_context.db.session() as session:
        for n in range(30):
            enqueue(session, company_id=seeded.other_company_id, operation="CustomerAdd",
                    key=f"bulk:{n}", magento_ref=f"bulk-{n}")
    client, _ = client_for("vera")
    first = _ids(client.get("/requests?per_page=25").get_data(as_text=True))
    second = _ids(client.get("/requests?per_page=25&page=2").get_data(as_text=True))
    ascending = _ids(client.get("/requests?per_page=25&dir=asc").get_data(as_text=True))
    assert len(first) == 25 and len(second) == 14 and not set(first) & set(second)
    assert first == sorted(first, reverse=True) and ascending == sorted(ascending)
    assert ascending[0] == min(first + second)
    by_status = _ids(client.get("/requests?sort=status&dir=asc&per_page=200").get_data(as_text=True))
    # "canceled" sorts before "failed", and nothing is canceled: the failures come first.
    assert {seeded.failed_memo_id, seeded.failed_invoice_id} <= set(by_status[:3])
    assert seeded.customer_id == by_status[-1] or seeded.customer_id in by_status[-4:]


def test_csv_export_follows_the_filter(client_for: Client, seeded: Seeded) -> None:
    """The CSV holds exactly the filtered rows, with a header and formula-safe cells."""
    client, _ = client_for("vera")
    response = client.get(f"/requests.csv?status=failed&company={seeded.company_id}&sort=id&dir=asc")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["status"] for r in rows] == ["failed"] * 3
    invoice = next(r for r in rows if r["id"] == str(seeded.failed_invoice_id))
    assert invoice["magento_ref"] == "000001234" and invoice["status_code"] == "3140"
    assert invoice["company"] == "Acme Books" and invoice["document"] == "Invoice"
    assert invoice["customer"] == "Smith & Sons"
    memo = next(r for r in rows if r["id"] == str(seeded.failed_memo_id))
    assert memo["message"].startswith("'=HYPERLINK")


def test_log_filter_ignores_junk() -> None:
    """Unknown statuses, sorts, page sizes and bad dates fall back to defaults."""
    parsed = LogFilter.from_args({"status": "exploded", "sort": "password_hash", "per_page": "7",
                                  "page": "-3", "from": "yesterday", "company": "x"})
    assert parsed == LogFilter()
    assert LogFilter.from_args({"status": "held", "dir": "asc"}).to_args(page=2) == {
        "status": "held", "dir": "asc", "page": "2"}


def test_failed_row_after_a_successful_lookup_shows_the_refusal(
        client_for: Client, seeded: Seeded, app_context: AppContext) -> None:
    """A request that failed after an "0 Status OK" look-up shows 3100 and why, never Status OK."""
    with app_context.db.session() as session:
        memo = session.get(Request, seeded.failed_memo_id)
        session.add(Attempt(request_id=memo.id, status_code=3100, status_severity="Error",
                            status_message="name is already in use", outcome="permanent"))
        memo.status_code, memo.status_message = 0, "Status OK"
        memo.explanation = 'QuickBooks already uses the name "Smith" for a record that was not made from this document.'
    client, _ = client_for("bob")
    html = client.get("/requests?status=failed").get_data(as_text=True)
    row = html.split(f'aria-label="Request {seeded.failed_memo_id}"')[1].split("</tr>")[0]
    assert ">3100<" in row and "already uses the name" in row
    assert "Status OK" not in row
    detail = client.get(f"/requests/{seeded.failed_memo_id}").get_data(as_text=True)
    assert "QuickBooks refused it (status 3100): name is already in use" in detail
    assert "Status OK" not in detail
