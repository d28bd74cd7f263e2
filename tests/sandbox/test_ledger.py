"""The simulated company's ledger: every posting rule, posted through ``sandbox exec`` and read
back through AccountQuery, CustomerQuery, ItemSitesQuery and the trial balance of
``sandbox report``, which must balance after every transaction."""

from __future__ import annotations

import json
from pathlib import Path
from string import Template
from typing import Any

import pytest
from click.testing import CliRunner
from lxml import etree

from qbwc_service.cli import cli
from qbwc_service.qbxml.xmlsafe import parse_xml
from tests.sandbox.conftest import FIXTURES

LEDGER = FIXTURES / "ledger"


class Books:
    """One simulated company driven through the command line."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp_path = tmp_path
        self.db = tmp_path / "company.sqlite3"

    def _cli(self, *args: str, stdin: str | None = None) -> str:
        result = CliRunner().invoke(cli, ["--data-dir", str(self.tmp_path / "data"), *args],
                                    input=stdin)
        assert result.exit_code == 0, result.output
        return result.output

    def run(self, fixture: str, **values: str) -> etree._Element:
        """Run a fixture; every request must succeed; the trial balance must balance after."""
        text = Template((LEDGER / fixture).read_text(encoding="utf-8")).substitute(values)
        rs_list = list(parse_xml(self._cli("sandbox", "exec", "--company-db", str(self.db),
                                           "-", stdin=text)).find("QBXMLMsgsRs"))  # type: ignore[arg-type]
        for rs in rs_list:
            assert rs.get("statusCode") == "0", (rs.tag, rs.get("statusMessage"))
        trial = self.report()["trial_balance"]
        assert trial["balanced"], trial
        assert trial["total_debit"] == trial["total_credit"]
        self.check_stock()
        return rs_list[-1]

    def check_stock(self) -> None:
        """The per-site stock table equals the journal's inventory lines, summed afresh."""
        import sqlite3
        from collections import defaultdict
        from decimal import Decimal

        connection = sqlite3.connect(self.db)
        try:
            sums: dict[tuple[str, str], list[Decimal]] = defaultdict(
                lambda: [Decimal(0), Decimal(0)])
            for item, site, qty, amount in connection.execute(
                    "SELECT item_id, COALESCE(site_id, ''), quantity, amount FROM journal "
                    "WHERE item_id IS NOT NULL AND quantity IS NOT NULL"):
                sums[(item, site)][0] += Decimal(qty)
                sums[(item, site)][1] += Decimal(amount)
            kept = {(item, site): [Decimal(qty), Decimal(value)] for item, site, qty, value
                    in connection.execute("SELECT item_id, site_id, quantity, value FROM stock")}
        finally:
            connection.close()
        assert {k: v for k, v in kept.items() if v != [0, 0]} == \
            {k: v for k, v in sums.items() if v != [0, 0]}

    def report(self, *args: str) -> dict[str, Any]:
        return json.loads(self._cli("sandbox", "report", "--company-db", str(self.db),
                                    "--json", *args))  # type: ignore[no-any-return]

    def balances(self) -> dict[str, str]:
        """AccountQuery Balance by account, CustomerQuery Balance by ``customer:`` name,
        ItemSitesQuery QuantityOnHand by ``site:`` name, ItemInventory average cost."""
        out = self._cli("sandbox", "exec", "--company-db", str(self.db),
                        str(LEDGER / "balances.xml"))
        found: dict[str, str] = {}
        for rs in parse_xml(out).find("QBXMLMsgsRs"):  # type: ignore[union-attr]
            for ret in rs:
                if ret.tag == "AccountRet":
                    found[ret.findtext("FullName") or ""] = ret.findtext("Balance") or ""
                elif ret.tag == "CustomerRet":
                    found[f"customer:{ret.findtext('FullName')}"] = ret.findtext("Balance") or ""
                elif ret.tag == "ItemSitesRet":
                    found[f"site:{ret.findtext('InventorySiteRef/FullName')}"] = \
                        ret.findtext("QuantityOnHand") or ""
                elif ret.tag == "ItemInventoryRet":
                    found["on hand"] = ret.findtext("QuantityOnHand") or ""
                    found["average cost"] = ret.findtext("AverageCost") or ""
        return found

    def query(self, request: str) -> etree._Element:
        text = ('<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
                f'onError="stopOnError">{request}</QBXMLMsgsRq></QBXML>')
        rs = parse_xml(self._cli("sandbox", "exec", "--company-db", str(self.db), "-",
                                 stdin=text)).find("QBXMLMsgsRs")[0]  # type: ignore[index]
        return rs[0]


def _pick(balances: dict[str, str], *names: str) -> dict[str, str]:
    return {name: balances.get(name, "") for name in names}


def _setup(tmp_path: Path) -> Books:
    books = Books(tmp_path)
    books.run("setup.xml")
    return books


def test_seeded_chart_of_accounts_has_quickbooks_types(tmp_path: Path) -> None:
    """A new company carries QuickBooks' account types and special accounts."""
    books = Books(tmp_path)
    out = books._cli("sandbox", "exec", "--company-db", str(books.db), "-", stdin=(
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
        "<AccountQueryRq/></QBXMLMsgsRq></QBXML>"))
    types = {ret.findtext("FullName"): ret.findtext("AccountType")
             for ret in parse_xml(out).find("QBXMLMsgsRs/AccountQueryRs")}  # type: ignore[union-attr]
    assert types["Accounts Receivable"] == "AccountsReceivable"
    assert types["Undeposited Funds"] == "OtherCurrentAsset"
    assert types["Inventory Asset"] == "OtherCurrentAsset"
    assert types["Sales Tax Payable"] == "OtherCurrentLiability"
    assert types["Opening Balance Equity"] == "Equity"
    assert types["Cost of Goods Sold"] == "CostOfGoodsSold"
    assert types["Checking"] == types["Merchant Account"] == "Bank"
    assert types["Inventory Shrinkage"] == "Expense"


def test_account_add_opening_balance_posts_against_equity(tmp_path: Path) -> None:
    """AccountAdd extends the chart; its OpenBalance lands against Opening Balance Equity."""
    books = Books(tmp_path)
    books.query("<AccountAddRq><AccountAdd><Name>Savings</Name><AccountType>Bank</AccountType>"
                "<OpenBalance>500.00</OpenBalance><OpenBalanceDate>2024-01-01</OpenBalanceDate>"
                "</AccountAdd></AccountAddRq>")
    assert books.report()["trial_balance"]["balanced"]
    assert _pick(books.balances(), "Savings", "Opening Balance Equity") == {
        "Savings": "500.00", "Opening Balance Equity": "500.00"}


def test_invoice_posts_income_tax_shipping_discount_and_cost(tmp_path: Path) -> None:
    """Invoice: AR debit; Sales, Shipping Income and Discounts Given by line; tax to Sales Tax
    Payable; inventory relieved at average cost into Cost of Goods Sold at the line's site."""
    books = _setup(tmp_path)
    assert _pick(books.balances(), "Inventory Asset", "Opening Balance Equity",
                 "site:Main Warehouse") == {"Inventory Asset": "40.00",
                                            "Opening Balance Equity": "40.00",
                                            "site:Main Warehouse": "10"}
    invoice = books.run("invoice.xml")[0]
    assert invoice.findtext("BalanceRemaining") == "23.65"
    assert _pick(books.balances(), "Accounts Receivable", "Sales", "Shipping Income",
                 "Discounts Given", "Sales Tax Payable", "Cost of Goods Sold", "Inventory Asset",
                 "customer:Ada Lovelace", "site:Main Warehouse", "average cost") == {
        "Accounts Receivable": "23.65", "Sales": "20.00", "Shipping Income": "5.00",
        "Discounts Given": "-3.00", "Sales Tax Payable": "1.65", "Cost of Goods Sold": "8.00",
        "Inventory Asset": "32.00", "customer:Ada Lovelace": "23.65",
        "site:Main Warehouse": "8", "average cost": "4.00"}


def test_sales_receipt_posts_to_its_deposit_account(tmp_path: Path) -> None:
    """SalesReceipt: the deposit account instead of Accounts Receivable."""
    books = _setup(tmp_path)
    books.run("sales_receipt.xml")
    assert _pick(books.balances(), "Merchant Account", "Accounts Receivable", "Sales",
                 "Sales Tax Payable", "Cost of Goods Sold", "customer:Ada Lovelace") == {
        "Merchant Account": "10.83", "Accounts Receivable": "0.00", "Sales": "10.00",
        "Sales Tax Payable": "0.83", "Cost of Goods Sold": "4.00",
        "customer:Ada Lovelace": "0.00"}


def test_payment_credit_memo_set_credit_and_card_refund(tmp_path: Path) -> None:
    """ReceivePayment pays an invoice and leaves the rest as credit; a credit memo returns
    stock at average cost; SetCredit applies it; a card refund empties what remains."""
    books = _setup(tmp_path)
    invoice_id = books.run("invoice.xml")[0].findtext("TxnID") or ""
    payment = books.run("receive_payment.xml", INVOICE=invoice_id)[0]
    assert payment.findtext("UnusedPayment") == "10.00"
    assert payment.findtext("AppliedToTxnRet/BalanceRemaining") == "3.65"
    assert _pick(books.balances(), "Undeposited Funds", "Accounts Receivable",
                 "customer:Ada Lovelace") == {"Undeposited Funds": "30.00",
                                              "Accounts Receivable": "-6.35",
                                              "customer:Ada Lovelace": "-6.35"}
    credit = books.run("credit_memo.xml")[0]
    credit_id = credit.findtext("TxnID") or ""
    assert credit.findtext("CreditRemaining") == "10.83"
    assert _pick(books.balances(), "Sales", "Sales Tax Payable", "Inventory Asset",
                 "Cost of Goods Sold", "customer:Ada Lovelace", "site:Main Warehouse") == {
        "Sales": "10.00", "Sales Tax Payable": "0.82", "Inventory Asset": "36.00",
        "Cost of Goods Sold": "4.00", "customer:Ada Lovelace": "-17.18",
        "site:Main Warehouse": "9"}
    books.run("payment_set_credit.xml", INVOICE=invoice_id, CREDIT=credit_id, AMOUNT="3.65")
    paid = books.query(f"<InvoiceQueryRq><TxnID>{invoice_id}</TxnID></InvoiceQueryRq>")
    assert (paid.findtext("BalanceRemaining"), paid.findtext("IsPaid")) == ("0.00", "true")
    remaining = books.query(f"<CreditMemoQueryRq><TxnID>{credit_id}</TxnID></CreditMemoQueryRq>")
    assert remaining.findtext("CreditRemaining") == "7.18"
    assert books.balances()["customer:Ada Lovelace"] == "-17.18"
    refund = books.run("refund_card.xml", CREDIT=credit_id, AMOUNT="7.18")[0]
    assert refund.findtext("RefundAppliedToTxnRet/CreditRemaining") == "0.00"
    assert _pick(books.balances(), "Merchant Account", "customer:Ada Lovelace") == {
        "Merchant Account": "-7.18", "customer:Ada Lovelace": "-10.00"}
    customers = books.report()["customers_with_credit"]
    assert customers == [{"customer": "Ada Lovelace", "balance": "-10.00",
                          "open_credit_memos": "0.00"}]


def test_refund_beyond_credit_remaining_is_refused(tmp_path: Path) -> None:
    """A refund larger than the credit memo's CreditRemaining is 3210 and posts nothing."""
    books = _setup(tmp_path)
    credit_id = books.run("credit_memo.xml")[0].findtext("TxnID") or ""
    text = Template((LEDGER / "refund_card.xml").read_text()).substitute(
        CREDIT=credit_id, AMOUNT="11.00")
    out = books._cli("sandbox", "exec", "--company-db", str(books.db), "-", stdin=text)
    assert parse_xml(out).find("QBXMLMsgsRs")[0].get("statusCode") == "3210"  # type: ignore[index]
    assert books.balances()["customer:Ada Lovelace"] == "-10.83"


def test_check_refunds_a_credit_memo(tmp_path: Path) -> None:
    """CheckAdd with ApplyCheckToTxnAdd: the bank pays, AR clears, CreditRemaining drops."""
    books = _setup(tmp_path)
    credit_id = books.run("credit_memo.xml")[0].findtext("TxnID") or ""
    books.run("refund_check.xml", CREDIT=credit_id, AMOUNT="10.83")
    assert _pick(books.balances(), "Checking", "Accounts Receivable",
                 "customer:Ada Lovelace") == {"Checking": "-10.83",
                                              "Accounts Receivable": "0.00",
                                              "customer:Ada Lovelace": "0.00"}
    remaining = books.query(f"<CreditMemoQueryRq><TxnID>{credit_id}</TxnID></CreditMemoQueryRq>")
    assert remaining.findtext("CreditRemaining") == "0.00"


def test_value_and_quantity_adjustments_and_transfer(tmp_path: Path) -> None:
    """ValueAdjustment changes quantity and keeps value (so the average cost changes);
    QuantityAdjustment moves stock at average cost into the adjustment account; a transfer
    moves quantity and value between sites without changing Inventory Asset."""
    books = _setup(tmp_path)
    line = books.run("adjust_value.xml", QUANTITY="6")[0]
    assert line.findtext("InventoryAdjustmentLineRet/ValueDifference") == "0.00"
    assert _pick(books.balances(), "Inventory Asset", "Inventory Shrinkage", "on hand",
                 "average cost") == {"Inventory Asset": "40.00", "Inventory Shrinkage": "0.00",
                                     "on hand": "16", "average cost": "2.50"}
    books.run("adjust_quantity.xml", QUANTITY="6")
    assert _pick(books.balances(), "Inventory Asset", "Inventory Shrinkage",
                 "site:Main Warehouse", "average cost") == {
        "Inventory Asset": "15.00", "Inventory Shrinkage": "25.00",
        "site:Main Warehouse": "6", "average cost": "2.50"}
    books.run("transfer.xml", QUANTITY="2")
    assert _pick(books.balances(), "Inventory Asset", "site:Main Warehouse",
                 "site:East Warehouse") == {"Inventory Asset": "15.00",
                                            "site:Main Warehouse": "4",
                                            "site:East Warehouse": "2"}
    sites = sorted(books.report()["inventory"][0]["sites"], key=lambda site: site["site"])
    assert sites == [{"site": "East Warehouse", "quantity": "2", "value": "5.00"},
                     {"site": "Main Warehouse", "quantity": "4", "value": "10.00"}]


@pytest.mark.parametrize("with_xsd", [False, True])
def test_value_adjustment_with_a_value_is_refused_like_the_xsd(tmp_path: Path,
                                                               with_xsd: bool) -> None:
    """NewValue/ValueDifference have maxOccurs="0" in the 13.0 XSD: the stream is refused
    with and without an XSD folder, and nothing posts."""
    books = _setup(tmp_path)
    args = ["sandbox", "exec", "--company-db", str(books.db)]
    if with_xsd:
        from tests.conftest import reference_path

        args += ["--xsd-dir", str(reference_path("qbxml", "xsd"))]
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), *args,
                                      str(LEDGER / "adjust_new_value.xml")])
    assert result.exit_code == 3, result.output
    assert result.output.startswith("hresult=0x80040400")
    assert books.balances()["Inventory Asset"] == "40.00"


def test_delete_and_void_remove_a_transactions_entries(tmp_path: Path) -> None:
    """TxnDel takes a sales receipt out of the books; TxnVoid zeroes an invoice and frees
    the payment applied to it as customer credit."""
    books = _setup(tmp_path)
    receipt_id = books.run("sales_receipt.xml")[0].findtext("TxnID") or ""
    deleted = books.run("txn_del.xml", TYPE="SalesReceipt", TXN=receipt_id)
    assert deleted.findtext("TxnID") == receipt_id
    assert _pick(books.balances(), "Merchant Account", "Sales", "Inventory Asset",
                 "site:Main Warehouse") == {"Merchant Account": "0.00", "Sales": "0.00",
                                            "Inventory Asset": "40.00",
                                            "site:Main Warehouse": "10"}
    invoice_id = books.run("invoice.xml")[0].findtext("TxnID") or ""
    books.run("receive_payment.xml", INVOICE=invoice_id)
    books.run("txn_void.xml", TYPE="Invoice", TXN=invoice_id)
    voided = books.query(f"<InvoiceQueryRq><TxnID>{invoice_id}</TxnID></InvoiceQueryRq>")
    assert voided.findtext("BalanceRemaining") == "0.00"
    assert (voided.findtext("Memo") or "").startswith("VOID:")
    assert _pick(books.balances(), "Sales", "Inventory Asset", "customer:Ada Lovelace") == {
        "Sales": "0.00", "Inventory Asset": "40.00", "customer:Ada Lovelace": "-30.00"}


def test_report_profit_and_loss_and_balance_sheet(tmp_path: Path) -> None:
    """Profit and loss over a range, and a balance sheet whose two sides agree."""
    books = _setup(tmp_path)
    books.run("invoice.xml")
    books.run("sales_receipt.xml")
    report = books.report("--from", "2024-05-01", "--to", "2024-05-31")
    pnl = report["profit_and_loss"]
    assert (pnl["total_income"], pnl["total_cost_of_goods_sold"], pnl["net_income"]) == (
        "32.00", "12.00", "20.00")
    sheet = report["balance_sheet"]
    assert sheet["balanced"], sheet
    assert sheet["total_assets"] == "62.48"
    only_first = books.report("--to", "2024-05-01")["profit_and_loss"]
    assert only_first["net_income"] == "14.00"


def test_transaction_and_deleted_queries_read_the_journal(tmp_path: Path) -> None:
    """TransactionQuery filters by date, entity, type, RefNumber and account, with detail
    levels and iterators; TxnDeletedQuery lists what TxnDel removed."""
    books = _setup(tmp_path)
    invoice_id = books.run("invoice.xml")[0].findtext("TxnID") or ""
    receipt_id = books.run("sales_receipt.xml")[0].findtext("TxnID") or ""
    books.run("receive_payment.xml", INVOICE=invoice_id)
    books.run("txn_del.xml", TYPE="SalesReceipt", TXN=receipt_id)
    out = books._cli("sandbox", "exec", "--company-db", str(books.db),
                     str(LEDGER / "transaction_query.xml"))
    summary, detail, page, deleted = list(parse_xml(out).find("QBXMLMsgsRs"))  # type: ignore[arg-type]
    assert [(r.findtext("TxnType"), r.findtext("AccountRef/FullName"), r.findtext("Amount"))
            for r in summary] == [("Invoice", "Accounts Receivable", "23.65")]
    lines = {(r.findtext("AccountRef/FullName"), r.findtext("Amount")) for r in detail}
    assert lines == {("Accounts Receivable", "23.65"), ("Sales", "-20.00"),
                     ("Shipping Income", "-5.00"), ("Discounts Given", "3.00"),
                     ("Inventory Asset", "-8.00"), ("Cost of Goods Sold", "8.00"),
                     ("Sales Tax Payable", "-1.65")}
    assert len(page) == 1 and page.get("iteratorRemainingCount") == "1"
    assert [(r.findtext("TxnDelType"), r.findtext("TxnID")) for r in deleted] == [
        ("SalesReceipt", receipt_id)]


def test_general_summary_reports_in_the_xsd_shape(tmp_path: Path) -> None:
    """TrialBalance, ProfitAndLossStandard and BalanceSheetStandard as ReportRet."""
    books = _setup(tmp_path)
    books.run("invoice.xml")
    out = books._cli("sandbox", "exec", "--company-db", str(books.db),
                     str(LEDGER / "reports.xml"))
    trial, pnl, sheet = (rs[0] for rs in parse_xml(out).find("QBXMLMsgsRs"))  # type: ignore[union-attr]
    assert trial.findtext("ReportTitle") == "Trial Balance"
    total = trial.find("ReportData/TotalRow")
    assert total is not None
    cells = {c.get("colID"): c.get("value") for c in total.findall("ColData")}
    assert cells == {"1": "TOTAL", "2": "66.65", "3": "66.65"}
    assert int(trial.findtext("NumRows") or 0) == len(trial.find("ReportData"))  # type: ignore[arg-type]
    net = pnl.find("ReportData/TotalRow")
    assert net is not None and [c.get("value") for c in net] == ["Net Income", "14.00"]
    sheet_total = sheet.find("ReportData/TotalRow")
    assert sheet_total is not None
    assert [c.get("value") for c in sheet_total] == ["TOTAL LIABILITIES & EQUITY", "55.65"]


def test_ledger_answers_validate_against_the_13_schema(tmp_path: Path) -> None:
    """Every answer of the ledger scenario is a valid QBXMLMsgsRs for Intuit's 13.0 XSD."""
    from tests.conftest import reference_path

    schema = etree.XMLSchema(etree.parse(str(reference_path("qbxml", "xsd", "13.0",
                                                            "qbxmlops130.xsd"))))
    books = Books(tmp_path)
    outputs: list[str] = []

    def run(fixture: str, **values: str) -> etree._Element:
        text = Template((LEDGER / fixture).read_text(encoding="utf-8")).substitute(values)
        outputs.append(books._cli("sandbox", "exec", "--company-db", str(books.db), "-",
                                  stdin=text))
        return parse_xml(outputs[-1]).find("QBXMLMsgsRs")[-1][0]  # type: ignore[index]

    run("setup.xml")
    invoice = run("invoice.xml")
    invoice_id = invoice.findtext("TxnID") or ""
    run("invoice_mod.xml", TXN=invoice_id, EDIT=invoice.findtext("EditSequence") or "",
        LINE=invoice.findtext("InvoiceLineRet/TxnLineID") or "")
    payment = run("receive_payment.xml", INVOICE=invoice_id)
    run("payment_mod.xml", TXN=payment.findtext("TxnID") or "",
        EDIT=payment.findtext("EditSequence") or "", INVOICE=invoice_id)
    credit_id = run("credit_memo.xml").findtext("TxnID") or ""
    run("payment_set_credit.xml", INVOICE=invoice_id, CREDIT=credit_id, AMOUNT="3.65")
    run("refund_card.xml", CREDIT=credit_id, AMOUNT="3.00")
    run("refund_check.xml", CREDIT=credit_id, AMOUNT="1.00")
    run("adjust_value.xml", QUANTITY="1")
    run("transfer.xml", QUANTITY="2")
    receipt_id = run("sales_receipt.xml").findtext("TxnID") or ""
    run("txn_void.xml", TYPE="SalesReceipt", TXN=receipt_id)
    run("txn_del.xml", TYPE="Invoice", TXN=invoice_id)
    for name in ("balances.xml", "transaction_query.xml", "reports.xml"):
        run(name)
    for text in outputs:
        document = etree.ElementTree(parse_xml(text))
        assert schema.validate(document), (schema.error_log.last_error, text[:3000])


def test_invoice_mod_reposts_the_invoice(tmp_path: Path) -> None:
    """InvoiceMod with line Mods: listed lines change, -1 adds, the rest go; the journal is
    re-posted (income, tax, stock, AR) and a stale EditSequence is 3200."""
    books = _setup(tmp_path)
    invoice = books.run("invoice.xml")[0]
    txn_id, edit = invoice.findtext("TxnID") or "", invoice.findtext("EditSequence") or ""
    widget_line = invoice.findtext("InvoiceLineRet/TxnLineID") or ""
    modded = books.run("invoice_mod.xml", TXN=txn_id, EDIT=edit, LINE=widget_line)[0]
    assert modded.findtext("TxnID") == txn_id
    assert modded.findtext("TxnNumber") == invoice.findtext("TxnNumber")
    assert modded.findtext("EditSequence") != edit
    # 4 widgets at 10.00 taxed at 8.25 % (3.30) plus 7.50 shipping; the coupon line is gone.
    assert (modded.findtext("Subtotal"), modded.findtext("SalesTaxTotal"),
            modded.findtext("BalanceRemaining")) == ("47.50", "3.30", "50.80")
    assert _pick(books.balances(), "Accounts Receivable", "Sales", "Shipping Income",
                 "Discounts Given", "Sales Tax Payable", "Cost of Goods Sold",
                 "site:Main Warehouse") == {
        "Accounts Receivable": "50.80", "Sales": "40.00", "Shipping Income": "7.50",
        "Discounts Given": "0.00", "Sales Tax Payable": "3.30", "Cost of Goods Sold": "16.00",
        "site:Main Warehouse": "6"}
    text = Template((LEDGER / "invoice_mod.xml").read_text()).substitute(
        TXN=txn_id, EDIT=edit, LINE=widget_line)
    stale = parse_xml(books._cli("sandbox", "exec", "--company-db", str(books.db), "-",
                                 stdin=text)).find("QBXMLMsgsRs")[0]  # type: ignore[index]
    assert stale.get("statusCode") == "3200"
    assert books.balances()["Accounts Receivable"] == "50.80"


def test_a_company_file_from_before_the_ledger_opens_with_its_quantities(tmp_path: Path) -> None:
    """Quantities kept in the old ``site_quantity`` table become journal lines once, and the
    accounts the ledger needs are added to an old chart of accounts."""
    import sqlite3

    from qbwc_service.sandbox.quickbooks import QuickBooksSimulator

    books = _setup(tmp_path)
    connection = sqlite3.connect(books.db)
    item_id, site_id = connection.execute(
        "SELECT item_id, site_id FROM journal WHERE quantity IS NOT NULL").fetchone()
    with connection:
        connection.execute("DELETE FROM journal")
        connection.execute("DROP TABLE stock")
        connection.execute("DELETE FROM list_record WHERE full_name = 'Merchant Account'")
        connection.execute("CREATE TABLE site_quantity (item_id TEXT NOT NULL, site_id TEXT "
                           "NOT NULL, quantity TEXT NOT NULL, PRIMARY KEY (item_id, site_id))")
        connection.execute("INSERT INTO site_quantity VALUES (?, ?, '7')", (item_id, site_id))
    connection.close()
    QuickBooksSimulator(books.db).close()
    balances = books.balances()
    assert balances["site:Main Warehouse"] == "7"
    assert balances["Merchant Account"] == "0.00"
    assert books.report()["trial_balance"]["balanced"]


def test_receive_payment_mod_reposts_and_reapplies(tmp_path: Path) -> None:
    """ReceivePaymentMod: the new amount posts, AppliedToTxnMod replaces the applications."""
    books = _setup(tmp_path)
    invoice_id = books.run("invoice.xml")[0].findtext("TxnID") or ""
    payment = books.run("receive_payment.xml", INVOICE=invoice_id)[0]
    modded = books.run("payment_mod.xml", TXN=payment.findtext("TxnID") or "",
                       EDIT=payment.findtext("EditSequence") or "", INVOICE=invoice_id)[0]
    assert (modded.findtext("TotalAmount"), modded.findtext("UnusedPayment")) == (
        "23.65", "0.00")
    assert modded.findtext("TxnNumber") == payment.findtext("TxnNumber")
    paid = books.query(f"<InvoiceQueryRq><TxnID>{invoice_id}</TxnID></InvoiceQueryRq>")
    assert (paid.findtext("BalanceRemaining"), paid.findtext("IsPaid")) == ("0.00", "true")
    assert _pick(books.balances(), "Undeposited Funds", "Accounts Receivable",
                 "customer:Ada Lovelace") == {"Undeposited Funds": "23.65",
                                              "Accounts Receivable": "0.00",
                                              "customer:Ada Lovelace": "0.00"}


def test_transaction_query_filters_narrow_the_answer(tmp_path: Path) -> None:
    """RefNumberFilter, paid status, item and account-type filters each narrow the lines."""
    books = _setup(tmp_path)
    invoice_id = books.run("invoice.xml")[0].findtext("TxnID") or ""
    books.run("sales_receipt.xml")

    def found(filters: str) -> list[tuple[str | None, str | None, str | None]]:
        out = books._cli("sandbox", "exec", "--company-db", str(books.db), "-", stdin=(
            '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
            f'onError="stopOnError"><TransactionQueryRq>{filters}</TransactionQueryRq>'
            "</QBXMLMsgsRq></QBXML>"))
        return sorted((r.findtext("TxnType"), r.findtext("AccountRef/FullName"),
                       r.findtext("Amount"))
                      for r in parse_xml(out).find("QBXMLMsgsRs")[0])  # type: ignore[index]

    assert found("<RefNumberFilter><MatchCriterion>EndsWith</MatchCriterion><RefNumber>2"
                 "</RefNumber></RefNumberFilter>") == [("SalesReceipt", "Merchant Account",
                                                        "10.83")]
    assert found("<TransactionPaidStatusFilter>Open</TransactionPaidStatusFilter>") == [
        ("Invoice", "Accounts Receivable", "23.65")]
    assert found("<TransactionItemFilter><FullName>Shipping</FullName></TransactionItemFilter>"
                 "<TransactionDetailLevelFilter>All</TransactionDetailLevelFilter>") == [
        ("Invoice", "Shipping Income", "-5.00")]
    assert found("<TransactionAccountFilter><AccountTypeFilter>CostOfGoodsSold"
                 "</AccountTypeFilter></TransactionAccountFilter>"
                 "<TransactionDetailLevelFilter>All</TransactionDetailLevelFilter>") == [
        ("Invoice", "Cost of Goods Sold", "8.00"), ("SalesReceipt", "Cost of Goods Sold",
                                                    "4.00")]
    assert invoice_id


def test_report_options_it_does_not_model_are_refused(tmp_path: Path) -> None:
    """A report filter the simulator does not model is refused, never silently ignored."""
    books = _setup(tmp_path)
    out = books._cli("sandbox", "exec", "--company-db", str(books.db), "-", stdin=(
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
        'onError="stopOnError"><GeneralSummaryReportQueryRq><GeneralSummaryReportType>'
        "ProfitAndLossStandard</GeneralSummaryReportType><ReportClassFilter><FullName>"
        "Online Store</FullName></ReportClassFilter></GeneralSummaryReportQueryRq>"
        "</QBXMLMsgsRq></QBXML>"))
    rs = parse_xml(out).find("QBXMLMsgsRs")[0]  # type: ignore[index]
    assert (rs.get("statusCode"), rs.get("statusSeverity")) == ("1030", "Error")
    assert "ReportClassFilter" in (rs.get("statusMessage") or "")


def test_deleting_a_payment_undoes_the_credit_it_applied(tmp_path: Path) -> None:
    """A SetCredit belongs to the payment that carried it: deleting the payment gives the
    credit memo its CreditRemaining back and reopens the invoice."""
    books = _setup(tmp_path)
    invoice_id = books.run("invoice.xml")[0].findtext("TxnID") or ""
    credit_id = books.run("credit_memo.xml")[0].findtext("TxnID") or ""
    payment = books.run("payment_set_credit.xml", INVOICE=invoice_id, CREDIT=credit_id,
                        AMOUNT="10.83")[0]
    assert books.query(f"<CreditMemoQueryRq><TxnID>{credit_id}</TxnID></CreditMemoQueryRq>"
                       ).findtext("CreditRemaining") == "0.00"
    books.run("txn_del.xml", TYPE="ReceivePayment", TXN=payment.findtext("TxnID") or "")
    assert books.query(f"<CreditMemoQueryRq><TxnID>{credit_id}</TxnID></CreditMemoQueryRq>"
                       ).findtext("CreditRemaining") == "10.83"
    assert books.query(f"<InvoiceQueryRq><TxnID>{invoice_id}</TxnID></InvoiceQueryRq>"
                       ).findtext("BalanceRemaining") == "23.65"


def test_an_amount_without_an_item_is_refused(tmp_path: Path) -> None:
    """A line with an amount but no item has no account to credit: refused, nothing posted."""
    books = _setup(tmp_path)
    out = books._cli("sandbox", "exec", "--company-db", str(books.db), "-", stdin=(
        '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
        'onError="stopOnError"><InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Ada Lovelace'
        "</FullName></CustomerRef><InvoiceLineAdd><Desc>Gift wrap</Desc><Amount>2.00</Amount>"
        "</InvoiceLineAdd></InvoiceAdd></InvoiceAddRq></QBXMLMsgsRq></QBXML>"))
    rs = parse_xml(out).find("QBXMLMsgsRs")[0]  # type: ignore[index]
    assert rs.get("statusCode") == "3180"
    assert books.balances()["Accounts Receivable"] == "0.00"


def test_customer_query_total_balance_filter_reads_the_ledger(tmp_path: Path) -> None:
    """TotalBalanceFilter compares each customer's ledger balance."""
    books = _setup(tmp_path)
    books.query("<CustomerAddRq><CustomerAdd><Name>Grace Hopper</Name></CustomerAdd>"
                "</CustomerAddRq>")
    books.run("invoice.xml")

    def owing(operator: str, amount: str) -> list[str]:
        out = books._cli("sandbox", "exec", "--company-db", str(books.db), "-", stdin=(
            '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq '
            'onError="stopOnError"><CustomerQueryRq><TotalBalanceFilter><Operator>'
            f"{operator}</Operator><Amount>{amount}</Amount></TotalBalanceFilter>"
            "</CustomerQueryRq></QBXMLMsgsRq></QBXML>"))
        return [r.findtext("FullName") or ""
                for r in parse_xml(out).find("QBXMLMsgsRs")[0]]  # type: ignore[index]

    assert owing("GreaterThan", "0.00") == ["Ada Lovelace"]
    assert owing("Equal", "0.00") == ["Grace Hopper"]
    assert owing("LessThan", "23.65") == ["Grace Hopper"]


def test_report_on_a_file_from_before_the_ledger_says_why_there_are_no_books(
        tmp_path: Path) -> None:
    """sandbox report reads an old company file without converting it, and says so; a file
    that is no company at all is a one-line error."""
    import sqlite3

    from qbwc_service.sandbox.quickbooks.report import PRE_LEDGER

    books = _setup(tmp_path)
    connection = sqlite3.connect(books.db)
    with connection:
        connection.execute("DROP TABLE stock")
    connection.close()
    assert books.report()["ledger"] == PRE_LEDGER
    text = books._cli("sandbox", "report", "--company-db", str(books.db))
    assert f"books: {PRE_LEDGER}" in text
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(cli, ["--data-dir", str(tmp_path / "data"), "sandbox", "report",
                                      "--company-db", str(junk)])
    assert result.exit_code == 1
    assert result.output.startswith("Error: cannot read the company file")
    assert "Traceback" not in result.output
