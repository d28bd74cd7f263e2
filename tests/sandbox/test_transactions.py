"""Transactions: totals, on-hand quantity per site, closing date, payments, groups."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from lxml import etree

from qbwc_service.sandbox.quickbooks import CLOSED_PERIOD_STATUS, QuickBooksSimulator
from tests.sandbox.conftest import (
    add_customer,
    add_item,
    adjust,
    message,
    responses,
    site_quantities,
    status,
)

Make = Callable[..., QuickBooksSimulator]


def _sale(kind: str, lines: str, ref: str = "S-1", txn_date: str = "2024-05-01",
          customer: str = "Ada Lovelace") -> str:
    return (f"<{kind}AddRq><{kind}Add><CustomerRef><FullName>{customer}</FullName></CustomerRef>"
            f"<TxnDate>{txn_date}</TxnDate><RefNumber>{ref}</RefNumber>{lines}</{kind}Add>"
            f"</{kind}AddRq>")


def _line(kind: str, item: str, qty: str, site: str | None = None, rate: str = "") -> str:
    site_xml = f"<InventorySiteRef><FullName>{site}</FullName></InventorySiteRef>" if site else ""
    rate_xml = f"<Rate>{rate}</Rate>" if rate else ""
    return (f"<{kind}LineAdd><ItemRef><FullName>{item}</FullName></ItemRef>"
            f"<Quantity>{qty}</Quantity>{rate_xml}{site_xml}</{kind}LineAdd>")


def test_sales_move_stock_per_site(simulator: QuickBooksSimulator) -> None:
    """Invoices and receipts take stock from their line's site; credit memos bring it back."""
    add_customer(simulator)
    add_item(simulator)
    adjust(simulator, "WIDGET-1", "Main Warehouse", "10")
    adjust(simulator, "WIDGET-1", "East Warehouse", "4")
    for kind, qty, site in (("Invoice", "3", "Main Warehouse"),
                            ("SalesReceipt", "1", "East Warehouse"),
                            ("CreditMemo", "2", "Main Warehouse")):
        rs = responses(simulator.process(message(_sale(kind, _line(kind, "WIDGET-1", qty, site),
                                                       ref=f"{kind[:2]}-1"))))[0]
        assert status(rs) == 0, rs.get("statusMessage")
    assert site_quantities(simulator, "WIDGET-1") == {"Main Warehouse": "9",
                                                      "East Warehouse": "3"}
    item = responses(simulator.process(message(
        "<ItemInventoryQueryRq><FullName>WIDGET-1</FullName></ItemInventoryQueryRq>")))[0][0]
    assert item.findtext("QuantityOnHand") == "12"


def test_transfer_and_new_quantity_adjustment(simulator: QuickBooksSimulator) -> None:
    """A transfer moves stock between sites; NewQuantity sets a site's count outright."""
    add_item(simulator)
    adjust(simulator, "WIDGET-1", "Main Warehouse", "8")
    body = ("<TransferInventoryAddRq><TransferInventoryAdd><TxnDate>2024-05-02</TxnDate>"
            "<FromInventorySiteRef><FullName>Main Warehouse</FullName></FromInventorySiteRef>"
            "<ToInventorySiteRef><FullName>East Warehouse</FullName></ToInventorySiteRef>"
            "<TransferInventoryLineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef>"
            "<QuantityToTransfer>5</QuantityToTransfer></TransferInventoryLineAdd>"
            "</TransferInventoryAdd></TransferInventoryAddRq>")
    rs = responses(simulator.process(message(body)))[0]
    assert rs[0].findtext("TransferInventoryLineRet/QuantityTransferred") == "5"
    assert site_quantities(simulator, "WIDGET-1") == {"Main Warehouse": "3",
                                                      "East Warehouse": "5"}
    new_count = ("<InventoryAdjustmentAddRq><InventoryAdjustmentAdd><AccountRef><FullName>"
                 "Inventory Adjustments</FullName></AccountRef><InventorySiteRef><FullName>"
                 "East Warehouse</FullName></InventorySiteRef><InventoryAdjustmentLineAdd>"
                 "<ItemRef><FullName>WIDGET-1</FullName></ItemRef><QuantityAdjustment>"
                 "<NewQuantity>2</NewQuantity></QuantityAdjustment></InventoryAdjustmentLineAdd>"
                 "</InventoryAdjustmentAdd></InventoryAdjustmentAddRq>")
    rs = responses(simulator.process(message(new_count)))[0]
    assert rs[0].findtext("InventoryAdjustmentLineRet/QuantityDifference") == "-3"
    assert site_quantities(simulator, "WIDGET-1")["East Warehouse"] == "2"


def test_transfer_of_more_than_the_site_holds_is_refused(
        simulator: QuickBooksSimulator) -> None:
    """QuickBooks does not transfer more than the sending site holds (even when the item
    has enough elsewhere): refused, nothing moves; exactly what it holds is transferred."""
    add_item(simulator)
    adjust(simulator, "WIDGET-1", "Main Warehouse", "3")
    adjust(simulator, "WIDGET-1", "East Warehouse", "10")

    def transfer(units: str) -> etree._Element:
        body = ("<TransferInventoryAddRq><TransferInventoryAdd><TxnDate>2024-05-02</TxnDate>"
                "<FromInventorySiteRef><FullName>Main Warehouse</FullName>"
                "</FromInventorySiteRef><ToInventorySiteRef><FullName>East Warehouse"
                "</FullName></ToInventorySiteRef><TransferInventoryLineAdd><ItemRef>"
                "<FullName>WIDGET-1</FullName></ItemRef><QuantityToTransfer>"
                f"{units}</QuantityToTransfer></TransferInventoryLineAdd>"
                "</TransferInventoryAdd></TransferInventoryAddRq>")
        return responses(simulator.process(message(body)))[0]

    refused = transfer("4")
    assert status(refused) == 3180 and "holds 3" in (refused.get("statusMessage") or "")
    assert site_quantities(simulator, "WIDGET-1") == {"Main Warehouse": "3",
                                                      "East Warehouse": "10"}
    assert status(transfer("3")) == 0
    assert site_quantities(simulator, "WIDGET-1") == {"Main Warehouse": "0",
                                                      "East Warehouse": "13"}


def test_single_site_company_refuses_sites(make_simulator: Make) -> None:
    """With multi-location inventory off, site references and site queries are 3250."""
    simulator = make_simulator(multi_site=False)
    add_customer(simulator)
    add_item(simulator)
    rs = responses(simulator.process(message(
        _sale("Invoice", _line("Invoice", "WIDGET-1", "1", "Main Warehouse")) +
        "<InventorySiteQueryRq />", on_error="continueOnError")))
    assert [status(r) for r in rs] == [3250, 3250]


def test_sales_tax_and_totals(simulator: QuickBooksSimulator) -> None:
    """Taxable lines carry the State Tax rate; totals have two decimals."""
    add_customer(simulator)
    add_item(simulator, price="19.99")
    rs = responses(simulator.process(message(_sale("SalesReceipt",
                                                   _line("SalesReceipt", "WIDGET-1", "3")))))[0]
    ret = rs[0]
    assert ret.findtext("Subtotal") == "59.97"
    assert ret.findtext("SalesTaxTotal") == "4.95"
    assert ret.findtext("TotalAmount") == "64.92"
    assert ret.findtext("DepositToAccountRef/FullName") == "Undeposited Funds"


def test_closing_date_refuses_old_transactions(make_simulator: Make) -> None:
    """Transactions dated on or before the closing date are refused; later ones pass."""
    simulator = make_simulator(closing_date=date(2024, 3, 31))
    add_customer(simulator)
    add_item(simulator)
    old = responses(simulator.process(message(_sale("Invoice", _line("Invoice", "WIDGET-1", "1"),
                                                    txn_date="2024-03-31"))))[0]
    assert status(old) == CLOSED_PERIOD_STATUS
    assert (old.get("statusMessage") or "").startswith(
        "An attempt was made to modify a Invoice with a date that is on or before the closing "
        "date of the company.")
    assert simulator.store.txns_of("Invoice") == []
    new = responses(simulator.process(message(_sale("Invoice", _line("Invoice", "WIDGET-1", "1"),
                                                    txn_date="2024-04-01"))))[0]
    assert status(new) == 0
    prefs = responses(simulator.process(message("<PreferencesQueryRq />")))[0]
    assert prefs.findtext(".//AccountingPreferences/ClosingDate") == "2024-03-31"


def test_group_line_expands_members(simulator: QuickBooksSimulator) -> None:
    """An InvoiceLineGroupAdd expands the group's items, priced and stocked per member."""
    add_customer(simulator)
    add_item(simulator, "CUP", "3.00")
    add_item(simulator, "SAUCER", "2.00")
    group = ("<ItemGroupAddRq><ItemGroupAdd><Name>TEA-SET</Name><ItemDesc>Tea set</ItemDesc>"
             "<ItemGroupLine><ItemRef><FullName>CUP</FullName></ItemRef><Quantity>2</Quantity>"
             "</ItemGroupLine><ItemGroupLine><ItemRef><FullName>SAUCER</FullName></ItemRef>"
             "<Quantity>2</Quantity></ItemGroupLine></ItemGroupAdd></ItemGroupAddRq>")
    assert status(responses(simulator.process(message(group)))[0]) == 0
    lines = ("<InvoiceLineGroupAdd><ItemGroupRef><FullName>TEA-SET</FullName></ItemGroupRef>"
             "<Quantity>2</Quantity><InventorySiteRef><FullName>East Warehouse</FullName>"
             "</InventorySiteRef></InvoiceLineGroupAdd>")
    ret = responses(simulator.process(message(_sale("Invoice", lines))))[0][0]
    group_ret = ret.find("InvoiceLineGroupRet")
    assert group_ret is not None
    assert group_ret.findtext("TotalAmount") == "20.00"
    assert [line.findtext("Quantity") for line in group_ret.findall("InvoiceLineRet")] == ["4", "4"]
    assert site_quantities(simulator, "CUP")["East Warehouse"] == "-4"


def test_receive_payment_settles_an_invoice(simulator: QuickBooksSimulator) -> None:
    """A payment applied to an invoice lowers its balance; overpaying is 3210."""
    add_customer(simulator)
    add_item(simulator)
    invoice = responses(simulator.process(message(
        _sale("Invoice", _line("Invoice", "WIDGET-1", "1", rate="100.00")))))[0][0]
    txn_id, total = invoice.findtext("TxnID"), invoice.findtext("BalanceRemaining")
    payment = ("<ReceivePaymentAddRq><ReceivePaymentAdd><CustomerRef><FullName>Ada Lovelace"
               "</FullName></CustomerRef><TxnDate>2024-05-03</TxnDate><TotalAmount>{amount}"
               "</TotalAmount><PaymentMethodRef><FullName>Visa</FullName></PaymentMethodRef>"
               "<AppliedToTxnAdd><TxnID>{txn}</TxnID><PaymentAmount>{amount}</PaymentAmount>"
               "</AppliedToTxnAdd></ReceivePaymentAdd></ReceivePaymentAddRq>")
    too_much = responses(simulator.process(message(payment.format(amount="999.00", txn=txn_id))))
    assert status(too_much[0]) == 3210
    paid = responses(simulator.process(message(payment.format(amount=total, txn=txn_id))))[0]
    assert status(paid) == 0
    assert paid[0].findtext("AppliedToTxnRet/BalanceRemaining") == "0.00"
    query = responses(simulator.process(message(
        f"<InvoiceQueryRq><TxnID>{txn_id}</TxnID></InvoiceQueryRq>")))[0][0]
    assert query.findtext("IsPaid") == "true"
    assert query.findtext("EditSequence") != invoice.findtext("EditSequence")


def test_invoice_query_filters_and_line_items(simulator: QuickBooksSimulator) -> None:
    """InvoiceQuery finds by RefNumber and date range; lines only with IncludeLineItems."""
    add_customer(simulator)
    add_item(simulator)
    for ref, day in (("A-1", "2024-05-01"), ("A-2", "2024-05-10")):
        simulator.process(message(_sale("Invoice", _line("Invoice", "WIDGET-1", "1"), ref=ref,
                                        txn_date=day)))
    by_ref = responses(simulator.process(message(
        "<InvoiceQueryRq><RefNumber>a-2</RefNumber></InvoiceQueryRq>")))[0]
    assert [r.findtext("RefNumber") for r in by_ref] == ["A-2"]
    assert by_ref[0].find("InvoiceLineRet") is None
    by_date = responses(simulator.process(message(
        "<InvoiceQueryRq><TxnDateRangeFilter><FromTxnDate>2024-05-05</FromTxnDate>"
        "</TxnDateRangeFilter><IncludeLineItems>true</IncludeLineItems></InvoiceQueryRq>")))[0]
    assert [r.findtext("RefNumber") for r in by_date] == ["A-2"]
    assert by_date[0].find("InvoiceLineRet") is not None
    none = responses(simulator.process(message(
        "<InvoiceQueryRq><RefNumber>ZZZ</RefNumber></InvoiceQueryRq>")))[0]
    assert status(none) == 1 and none.get("statusSeverity") == "Info"
