"""One test per mapping rule: Magento documents in, planned QuickBooks requests out."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest

from qbwc_service.qbxml.render import validate_request
from qbwc_service.sync.config import parse_mapping_config
from qbwc_service.sync.plan import CompanyFacts, MemoryLookup, PlanContext, PlannedRequest
from qbwc_service.sync.posting import plan_credit_memo, plan_invoice, plan_order, sum_lines

from .factories import Line, OrderBuilder


def ctx(**mapping: object) -> PlanContext:
    facts = mapping.pop("facts", CompanyFacts())
    return PlanContext(config=parse_mapping_config(dict(mapping)), facts=facts)  # type: ignore[arg-type]


def only(plan: list[PlannedRequest], operation: str) -> PlannedRequest:
    found = [item for item in plan if item.operation == operation]
    assert len(found) == 1, [item.operation for item in plan]
    return found[0]


def lines_of(request: PlannedRequest) -> list[dict]:
    key = next(k for k in request.context if k.endswith("LineAdd"))
    return request.context[key]


def items_on(request: PlannedRequest) -> list[str]:
    return [line["ItemRef"]["FullName"] for line in lines_of(request)]


def test_simple_items_become_inventory_items_and_lines() -> None:
    """A simple product: ItemInventoryAdd with the configured accounts, one invoice line."""
    b = OrderBuilder(shipping=D(5)).add(Line("SKU-1", D("10.00"), qty=D(3)))
    plan = plan_invoice(b.invoice(), b.order(), ctx(accounts={"income": "Web Sales"}))
    item = only(plan, "ItemInventoryAdd")
    assert item.context["Name"] == "SKU-1"
    assert item.context["IncomeAccountRef"] == {"FullName": "Web Sales"}
    invoice = only(plan, "InvoiceAdd")
    assert items_on(invoice) == ["SKU-1", "Shipping"]
    assert lines_of(invoice)[0]["Quantity"] == D(3)
    assert sum_lines(lines_of(invoice)) == D("35.00")
    assert set(invoice.depends_on_keys) == {"customer:7", "item:SKU-1", "setup-item:shipping"}


def test_virtual_items_become_service_or_non_inventory() -> None:
    """Virtual products are ItemServiceAdd by default, ItemNonInventoryAdd when configured."""
    b = OrderBuilder().add(Line("EBOOK", D("9.00"), kind="virtual"))
    assert only(plan_invoice(b.invoice(), b.order(), ctx()), "ItemServiceAdd")
    plan = plan_invoice(b.invoice(), b.order(), ctx(virtual_item_type="non_inventory"))
    assert only(plan, "ItemNonInventoryAdd").context["SalesOrPurchase"]["Price"] == D("9.00")


def test_configurable_posts_the_chosen_child_once() -> None:
    """A configurable parent + child row post one line, on the child's SKU, at the parent price."""
    b = OrderBuilder().add(Line("MH01-S-Gray", D(52), kind="configurable"))
    invoice = only(plan_invoice(b.invoice(), b.order(), ctx()), "InvoiceAdd")
    assert items_on(invoice) == ["MH01-S-Gray"]
    assert lines_of(invoice)[0]["Amount"] == D("52.00")


def test_dynamic_bundle_posts_its_priced_children_not_the_parent() -> None:
    """A dynamic-price bundle becomes its children's lines; the parent is never posted."""
    b = OrderBuilder().add(Line("KIT", D(0), kind="bundle_dynamic",
                                children=[Line("BALL", D(27)), Line("BRICK", D(5))]))
    plan = plan_invoice(b.invoice(), b.order(), ctx())
    invoice = only(plan, "InvoiceAdd")
    assert items_on(invoice) == ["BALL", "BRICK"]
    assert "item:KIT" not in {item.key for item in plan}
    assert sum_lines(lines_of(invoice)) == D("32.00")


def test_dynamic_bundle_as_parent_carries_the_childrens_total() -> None:
    """With bundles = "parent" a dynamic bundle is one non-inventory line at its children's sum."""
    b = OrderBuilder().add(Line("KIT", D(0), kind="bundle_dynamic",
                                children=[Line("BALL", D(27)), Line("BRICK", D(5))]))
    plan = plan_invoice(b.invoice(), b.order(), ctx(bundles="parent"))
    invoice = only(plan, "InvoiceAdd")
    assert items_on(invoice) == ["KIT", "BALL", "BRICK"]
    assert [line["Amount"] for line in lines_of(invoice)] == [D("32.00"), D(0), D(0)]
    assert only(plan, "ItemNonInventoryAdd").magento_id == "KIT"


def test_fixed_bundle_posts_its_price_on_the_parent_and_relieves_its_parts() -> None:
    """A fixed-price bundle: the price on the bundle's (non-inventory) line, each part an
    inventory line with its quantity and 0.00, so QuickBooks relieves the parts' stock."""
    b = OrderBuilder().add(Line("DESK", D(300), qty=D(2), kind="bundle_fixed",
                                children=[Line("RAM", D(0)), Line("MONITOR", D(0), qty=D(2))]))
    plan = plan_invoice(b.invoice(), b.order(), ctx())
    invoice = only(plan, "InvoiceAdd")
    assert [(line["ItemRef"]["FullName"], line["Quantity"], line["Amount"])
            for line in lines_of(invoice)] == [
        ("DESK", D(2), D("600.00")), ("RAM", D(1), D("0.00")), ("MONITOR", D(2), D("0.00"))]
    assert sum_lines(lines_of(invoice)) == D("600.00")
    adds = {item.magento_id: item.operation for item in plan if item.entity_type == "item"}
    assert adds == {"DESK": "ItemNonInventoryAdd", "RAM": "ItemInventoryAdd",
                    "MONITOR": "ItemInventoryAdd"}
    assert "SalesPrice" not in next(p for p in plan if p.magento_id == "RAM").context


def test_dynamic_bundle_as_parent_relieves_its_children() -> None:
    """bundles = "parent": the children's total on the bundle line, the children as 0.00
    inventory lines carrying their quantities."""
    b = OrderBuilder().add(Line("KIT", D(0), kind="bundle_dynamic",
                                children=[Line("BALL", D(27)), Line("BRICK", D(5), qty=D(3))]))
    invoice = only(plan_invoice(b.invoice(), b.order(), ctx(bundles="parent")), "InvoiceAdd")
    assert [(line["ItemRef"]["FullName"], line["Quantity"], line["Amount"])
            for line in lines_of(invoice)] == [
        ("KIT", D(1), D("42.00")), ("BALL", D(1), D("0.00")), ("BRICK", D(3), D("0.00"))]


def test_tax_exclusive_prices_post_magentos_tax_per_rate_to_sales_tax_items() -> None:
    """Tax goes on one sales tax item line per Magento rate (never an income item); taxable
    lines carry the taxable code; the header is zero-rate so QuickBooks adds nothing."""
    b = OrderBuilder(shipping=D(10), shipping_tax_rate=D("0.1"))
    b.add(Line("A", D("19.99"), qty=D(2), tax_rate=D("0.0825"))).add(Line("B", D("5.00")))
    plan = plan_invoice(b.invoice(), b.order(), ctx())
    invoice = only(plan, "InvoiceAdd")
    lines = lines_of(invoice)
    assert [line.get("SalesTaxCodeRef", {}).get("FullName") for line in lines] == \
        ["Tax", "Non", "Tax", None, None]
    assert [(line["ItemRef"]["FullName"], line["Amount"]) for line in lines[-2:]] == \
        [("RATE-8.25", D("3.30")), ("RATE-10.00", D("1.00"))]
    assert invoice.context["ItemSalesTaxRef"] == {"FullName": "Magento Tax Zero"}
    assert sum_lines(lines) == b.invoice().base_grand_total
    items = [p for p in plan if p.operation == "ItemSalesTaxAdd"]
    assert [(i.context["Name"], i.context["TaxRate"]) for i in items] == \
        [("RATE-8.25", D("8.25")), ("RATE-10.00", D(10))]
    assert all("TaxVendorRef" not in i.context for i in items)
    assert {i.key for i in items} <= set(invoice.depends_on_keys)
    owed = plan_invoice(b.invoice(), b.order(), ctx(tax={"agency": "Texas Comptroller"}))
    assert {i.context["TaxVendorRef"]["FullName"] for i in owed
            if i.operation == "ItemSalesTaxAdd"} == {"Texas Comptroller"}


def test_several_rates_on_one_line_each_get_their_share() -> None:
    """State and county rates on one row, and on shipping: each rate's line carries the
    amounts Magento applied for it, to the cent, and they add up to Magento's tax."""
    state, county = ("US-IL", D("0.0625")), ("US-IL-COOK", D("0.0175"))
    b = OrderBuilder(shipping=D("12.34"), shipping_tax_rate=D("0.08"),
                     shipping_rates=(state, county))
    b.add(Line("A", D("33.33"), qty=D(3), tax_rate=D("0.08"), rates=(state, county)))
    b.add(Line("B", D("7.77"), tax_rate=D("0.0625"), rates=(state,)))
    invoice_doc = b.invoice()
    invoice = only(plan_invoice(invoice_doc, b.order(), ctx()), "InvoiceAdd")
    tax = {line["ItemRef"]["FullName"]: line["Amount"] for line in lines_of(invoice)
           if line["ItemRef"]["FullName"].startswith("US-")}
    applied = {t["code"]: t["base_amount"] for t in
               b.order().raw["extension_attributes"]["applied_taxes"]}
    assert tax == applied
    assert sum(tax.values()) == invoice_doc.base_tax_amount
    assert sum_lines(lines_of(invoice)) == invoice_doc.base_grand_total


def test_mapped_rate_uses_the_existing_sales_tax_item() -> None:
    """A rate mapped under tax.rate_items posts to that item and plans no new one."""
    b = OrderBuilder().add(Line("A", D("10.00"), tax_rate=D("0.05"), rates=(("CA", D("0.05")),)))
    plan = plan_invoice(b.invoice(), b.order(), ctx(tax={"rate_items": {"CA": "CA State"}}))
    assert "ItemSalesTaxAdd" not in [p.operation for p in plan]
    assert items_on(only(plan, "InvoiceAdd"))[-1] == "CA State"


def test_tax_without_a_magento_breakdown_goes_to_the_default_rate() -> None:
    """An order that names no rate still books its tax to a sales tax item, never income."""
    b = OrderBuilder().add(Line("A", D("10.00"), tax_rate=D("0.05")))
    b.extra = {"extension_attributes": {}}
    plan = plan_invoice(b.invoice(), b.order(), ctx())
    assert only(plan, "ItemSalesTaxAdd").context["Name"] == "Sales Tax"
    assert lines_of(only(plan, "InvoiceAdd"))[-1] == {
        "ItemRef": {"FullName": "Sales Tax"}, "Desc": "Sales Tax", "Amount": D("0.50")}


def test_refunded_tax_goes_back_to_the_same_rate_items() -> None:
    """A credit memo's tax lines use the rate items of the invoice, with the refunded tax."""
    b = OrderBuilder().add(Line("A", D("10.00"), tax_rate=D("0.1"))).add(
        Line("B", D("20.00"), tax_rate=D("0.05")))
    memo = b.credit_memo(skus={"B"})
    credit = only(plan_credit_memo(memo, b.order(), ctx()), "CreditMemoAdd")
    assert lines_of(credit)[-1]["ItemRef"] == {"FullName": "RATE-5.00"}
    assert lines_of(credit)[-1]["Amount"] == D("1.00") == memo.base_tax_amount


def test_tax_item_mode_sends_no_line_codes() -> None:
    """In tax_item mode lines carry no sales tax code; the tax line still holds Magento's tax."""
    b = OrderBuilder().add(Line("A", D("10.00"), tax_rate=D("0.2")))
    invoice = only(plan_invoice(b.invoice(), b.order(), ctx(tax={"mode": "tax_item"})),
                   "InvoiceAdd")
    assert all("SalesTaxCodeRef" not in line for line in lines_of(invoice))
    assert lines_of(invoice)[-1]["Amount"] == D("2.00")


def test_tax_inclusive_prices_post_net_lines_plus_tax() -> None:
    """Tax-inclusive catalogue: lines are net of tax and the tax line makes up the gross."""
    b = OrderBuilder(inclusive=True).add(Line("A", D("12.00"), tax_rate=D("0.2")))
    invoice = only(plan_invoice(b.invoice(), b.order(), ctx()), "InvoiceAdd")
    assert [line["Amount"] for line in lines_of(invoice)] == [D("10.00"), D("2.00")]
    assert sum_lines(lines_of(invoice)) == D("12.00")


def test_discount_with_hidden_tax_compensation_is_posted_net() -> None:
    """A discount on tax-inclusive prices is posted net of its hidden tax; totals still match."""
    b = OrderBuilder(inclusive=True).add(Line("A", D("12.00"), qty=D(2), discount=D("2.40"),
                                              tax_rate=D("0.2")))
    invoice_doc = b.invoice()
    assert invoice_doc.base_discount_tax_compensation_amount == D("0.40")
    invoice = only(plan_invoice(invoice_doc, b.order(), ctx()), "InvoiceAdd")
    by_item = {line["ItemRef"]["FullName"]: line["Amount"] for line in lines_of(invoice)}
    assert by_item["Discount"] == D("-2.00")
    assert by_item["RATE-20.00"] == D("3.60")
    assert sum_lines(lines_of(invoice)) == invoice_doc.base_grand_total == D("21.60")


def test_discounts_split_into_taxable_and_non_taxable() -> None:
    """Discounts on taxed lines go to the taxable discount item, others to the non-taxable one."""
    b = OrderBuilder()
    b.add(Line("T", D("50.00"), discount=D("5.00"), tax_rate=D("0.1")))
    b.add(Line("N", D("20.00"), discount=D("2.00")))
    invoice = only(plan_invoice(b.invoice(), b.order(), ctx()), "InvoiceAdd")
    by_item = {line["ItemRef"]["FullName"]: line for line in lines_of(invoice)}
    assert by_item["Discount"]["Amount"] == D("-5.00")
    assert by_item["Discount"]["SalesTaxCodeRef"] == {"FullName": "Tax"}
    assert by_item["Discount Non-Taxable"]["Amount"] == D("-2.00")
    assert sum_lines(lines_of(invoice)) == b.invoice().base_grand_total


def test_multicurrency_posts_order_amounts_with_exchange_rate() -> None:
    """multicurrency: order-currency amounts, ExchangeRate = 1 / base_to_order_rate, own customer."""
    b = OrderBuilder(rate=D("0.8"), currency="EUR", base_currency="USD", shipping=D(10))
    b.add(Line("A", D("100.00")))
    plan = plan_invoice(b.invoice(), b.order(), ctx(currency_mode="multicurrency"))
    invoice = only(plan, "InvoiceAdd")
    assert sum_lines(lines_of(invoice)) == D("88.00") == b.invoice().grand_total
    assert invoice.context["ExchangeRate"] == D("1.25")
    customer = only(plan, "CustomerAdd")
    assert customer.magento_id == "7#EUR"
    assert customer.context["CurrencyRef"] == {"FullName": "Euro"}


def test_home_currency_posts_base_amounts() -> None:
    """home mode: the base-currency amounts Magento captured, no ExchangeRate."""
    b = OrderBuilder(rate=D("0.8"), currency="EUR").add(Line("A", D("100.00")))
    invoice = only(plan_invoice(b.invoice(), b.order(), ctx()), "InvoiceAdd")
    assert sum_lines(lines_of(invoice)) == D("100.00")
    assert "ExchangeRate" not in invoice.context


def test_guests_get_one_customer_per_email() -> None:
    """per_email guests: keyed by the lower-cased email, with the order's address."""
    b = OrderBuilder(guest=True, email="Guest@Example.com").add(Line("A", D(1)))
    customer = only(plan_invoice(b.invoice(), b.order(), ctx()), "CustomerAdd")
    assert customer.key == "customer:guest:guest@example.com"
    assert customer.context["BillAddress"]["City"] == "Springfield"


def test_guests_share_one_customer_when_configured() -> None:
    """shared guests: one customer by the configured name; the address rides on the invoice."""
    b = OrderBuilder(guest=True).add(Line("A", D(1)))
    plan = plan_invoice(b.invoice(), b.order(),
                        ctx(guest_customers="shared", guest_customer_name="Web Guest"))
    customer = only(plan, "CustomerAdd")
    assert customer.context == {"Name": "Web Guest"}
    invoice = only(plan, "InvoiceAdd")
    assert invoice.context["CustomerRef"] == {"FullName": "Web Guest"}
    assert invoice.context["BillAddress"]["Addr1"] == "1 Main St"


def test_customer_name_collision_is_suffixed_with_the_magento_id() -> None:
    """Two different customers called Ann Lee get distinct QuickBooks names."""
    plan_ctx = PlanContext(lookup=MemoryLookup([("customer", "1", "Ann Lee")]))
    b = OrderBuilder(customer_id=7).add(Line("A", D(1)))
    customer = only(plan_invoice(b.invoice(), b.order(), plan_ctx), "CustomerAdd")
    assert customer.context["Name"] == "Ann Lee (#7)"


def test_known_customer_and_items_are_referenced_not_added() -> None:
    """Mapped customers and items are referred to by their QuickBooks names; no adds planned."""
    lookup = MemoryLookup([("customer", "7", "Ann Lee"), ("item", "A", "A-QB")])
    b = OrderBuilder().add(Line("A", D(1)))
    plan = plan_invoice(b.invoice(), b.order(), PlanContext(lookup=lookup))
    assert [item.operation for item in plan] == ["InvoiceAdd", "ReceivePaymentAdd"]
    assert items_on(plan[0]) == ["A-QB"]


def test_paid_invoice_on_account_gets_a_payment_applied_to_it() -> None:
    """flow=invoice and state paid: ReceivePaymentAdd for the total, waiting for the TxnID."""
    b = OrderBuilder(method="checkmo").add(Line("A", D("10.00")))
    plan = plan_invoice(b.invoice(), b.order(), ctx(
        payment_methods={"checkmo": {"qb_method": "Check", "deposit_account": "Bank"}}))
    payment = only(plan, "ReceivePaymentAdd")
    assert payment.depends_on_keys == ("invoice:1",)
    assert payment.context["AppliedToTxnAdd"] == [{"TxnID": "@txn:invoice:1",
                                                   "PaymentAmount": D("10.00")}]
    assert payment.context["PaymentMethodRef"] == {"FullName": "Check"}
    assert payment.context["DepositToAccountRef"] == {"FullName": "Bank"}


def test_open_invoice_has_no_payment_yet() -> None:
    """An unpaid Magento invoice (state 1) becomes an InvoiceAdd only."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    plan = plan_invoice(b.invoice(state=1), b.order(), ctx())
    assert "ReceivePaymentAdd" not in [item.operation for item in plan]


def test_paid_at_checkout_becomes_a_sales_receipt() -> None:
    """flow=sales_receipt: SalesReceiptAdd with payment method and deposit account, no payment."""
    b = OrderBuilder(method="braintree").add(Line("A", D("10.00")))
    plan = plan_invoice(b.invoice(), b.order(), ctx(payment_methods={
        "braintree": {"flow": "sales_receipt", "qb_method": "Card"}}))
    receipt = only(plan, "SalesReceiptAdd")
    assert receipt.context["PaymentMethodRef"] == {"FullName": "Card"}
    assert "SalesReceiptLineAdd" in receipt.context
    assert "ReceivePaymentAdd" not in [item.operation for item in plan]


def test_partial_invoices_each_post_their_own_rows_and_shipping_once() -> None:
    """Two partial invoices: each has its rows; shipping only on the first; each sums to its total."""
    b = OrderBuilder(shipping=D(8)).add(Line("A", D("10.00"))).add(Line("B", D("20.00")))
    order = b.order()
    first = b.invoice(entity_id=1, increment_id="000000001", skus={"A"})
    second = b.invoice(entity_id=2, increment_id="000000002", skus={"B"}, with_shipping=False)
    plan_ctx = ctx()
    one = only(plan_invoice(first, order, plan_ctx), "InvoiceAdd")
    two = only(plan_invoice(second, order, plan_ctx), "InvoiceAdd")
    assert items_on(one) == ["A", "Shipping"] and items_on(two) == ["B"]
    assert sum_lines(lines_of(one)) == D("18.00") and sum_lines(lines_of(two)) == D("20.00")
    assert one.key != two.key


def test_partial_refund_with_adjustments() -> None:
    """A credit memo for one row plus shipping, an extra refund and a fee sums to its total."""
    b = OrderBuilder(shipping=D(5)).add(Line("A", D("10.00"))).add(Line("B", D("20.00")))
    memo = b.credit_memo(skus={"A"}, shipping=D(5), adjustment_positive=D("2.50"),
                         adjustment_negative=D("1.00"))
    plan = plan_credit_memo(memo, b.order(), ctx())
    credit = only(plan, "CreditMemoAdd")
    by_item = {line["ItemRef"]["FullName"]: line["Amount"] for line in lines_of(credit)}
    assert by_item == {"A": D("10.00"), "Shipping": D("5.00"), "Refund Adjustment": D("2.50"),
                       "Refund Fee": D("-1.00")}
    assert sum_lines(lines_of(credit)) == memo.base_grand_total == D("16.50")
    assert "invoice:1" in credit.depends_on_keys


def test_credit_memo_is_applied_to_its_open_invoice() -> None:
    """While the QuickBooks invoice is open, the credit is applied to it through SetCredit."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    memo = b.credit_memo(invoice_id=1)
    plan = plan_credit_memo(memo, b.order(), ctx(), invoice=b.invoice(state=1))
    apply = only(plan, "ReceivePaymentAdd")
    applied = apply.context["AppliedToTxnAdd"][0]
    assert applied["TxnID"] == "@txn:invoice:1"
    assert applied["SetCredit"] == [{"CreditTxnID": "@txn:creditmemo:1",
                                     "AppliedAmount": D("10.00")}]
    assert set(apply.depends_on_keys) == {"creditmemo:1", "invoice:1"}
    paid = plan_credit_memo(memo, b.order(), ctx(), invoice=b.invoice(state=2))
    assert "ReceivePaymentAdd" not in [item.operation for item in paid]


def test_online_refund_leaves_by_card_refund_applied_to_the_credit_memo() -> None:
    """A gateway refund (transaction id) is an ARRefundCreditCardAdd of the money returned,
    from the method's deposit account, applied to the credit memo so no credit is left."""
    b = OrderBuilder(method="braintree").add(Line("A", D("10.00"), tax_rate=D("0.1")))
    memo = b.credit_memo(invoice_id=1, transaction_id="bt-77-refund")
    config = {"payment_methods": {"braintree": {"qb_method": "Visa"}}}
    plan = plan_credit_memo(memo, b.order(), ctx(**config), invoice=b.invoice(state=2))
    refund = only(plan, "ARRefundCreditCardAdd")
    assert refund.context["RefundFromAccountRef"] == {"FullName": "Undeposited Funds"}
    assert refund.context["PaymentMethodRef"] == {"FullName": "Visa"}
    assert refund.context["RefundAppliedToTxnAdd"] == [
        {"TxnID": "@txn:creditmemo:1", "RefundAmount": D("11.00")}]
    assert refund.depends_on_keys == ("creditmemo:1",)
    assert "bt-77-refund" in refund.context["Memo"]


def test_offline_refund_is_a_check_through_receivables_applied_to_the_credit_memo() -> None:
    """An offline refund is a CheckAdd on the refund bank: its A/R expense line equals the
    amount applied to the credit memo, payee and line customer are the memo's customer."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    memo = b.credit_memo(invoice_id=1, adjustment_negative=D("1.50"))
    check = only(plan_credit_memo(memo, b.order(), ctx(accounts={"refund_bank": "Bank"}),
                                  invoice=b.invoice(state=2)), "CheckAdd")
    assert check.context["AccountRef"] == {"FullName": "Bank"}
    assert check.context["PayeeEntityRef"] == {"FullName": "Ann Lee"}
    assert check.context["ApplyCheckToTxnAdd"] == [{"TxnID": "@txn:creditmemo:1",
                                                    "Amount": D("8.50")}]
    line = check.context["ExpenseLineAdd"][0]
    assert (line["AccountRef"], line["Amount"], line["CustomerRef"]) == (
        {"FullName": "Accounts Receivable"}, D("8.50"), {"FullName": "Ann Lee"})


def test_a_foreign_customers_refund_check_goes_through_the_ar_account_of_its_currency() -> None:
    """multicurrency: a euro customer's refund check carries the credit memo's rate and
    its A/R line names the euro A/R account, which QuickBooks keeps apart (a home A/R
    account would be refused); a home-currency customer's stays on accounts.receivable."""
    b = OrderBuilder(rate=D("0.8"), currency="EUR", base_currency="USD").add(
        Line("A", D("10.00")))
    memo = b.credit_memo(invoice_id=1)
    plan = plan_credit_memo(memo, b.order(), ctx(currency_mode="multicurrency"),
                            invoice=b.invoice(state=2))
    check = only(plan, "CheckAdd")
    assert check.context["ExchangeRate"] == only(plan, "CreditMemoAdd").context["ExchangeRate"]
    assert check.context["ExpenseLineAdd"][0]["AccountRef"] == {
        "FullName": "Accounts Receivable - EUR"}
    home = OrderBuilder().add(Line("A", D("10.00")))
    check = only(plan_credit_memo(home.credit_memo(invoice_id=1), home.order(),
                                  ctx(currency_mode="multicurrency"),
                                  invoice=home.invoice(state=2)), "CheckAdd")
    assert check.context["ExpenseLineAdd"][0]["AccountRef"] == {"FullName": "Accounts Receivable"}


def test_store_credit_stays_a_customer_credit() -> None:
    """What Magento refunded to store credit is not paid out: only the rest leaves the bank,
    and a method configured as "credit" pays nothing out at all."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    memo = b.credit_memo(extension_attributes={"base_customer_balance_amount": 4,
                                               "customer_balance_amount": 4})
    check = only(plan_credit_memo(memo, b.order(), ctx(), invoice=b.invoice()), "CheckAdd")
    assert check.amount == D("6.00")
    whole = b.credit_memo(extension_attributes={"base_customer_balance_amount": 10})
    assert [p.operation for p in plan_credit_memo(whole, b.order(), ctx())
            if p.entity_type == "refund"] == []
    kept = plan_credit_memo(b.credit_memo(), b.order(),
                            ctx(default_payment={"refund": "credit"}))
    assert [p.operation for p in kept if p.entity_type == "refund"] == []


def test_pending_credit_memo_pays_nothing_back_yet() -> None:
    """A credit memo Magento has not refunded (state open) posts the credit only."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    memo = b.credit_memo(state=1)
    plan = plan_credit_memo(memo, b.order(), ctx(restock="always"))
    assert [p.operation for p in plan] == ["CustomerAdd", "ItemInventoryAdd", "CreditMemoAdd"]


def test_closing_date_holds_the_transaction_by_default() -> None:
    """TxnDate on or before the closing date: held, with the reason naming both dates."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    plan_ctx = ctx(facts=CompanyFacts(closing_date=date(2024, 3, 31)))
    plan = plan_invoice(b.invoice(), b.order(), plan_ctx)
    invoice = only(plan, "InvoiceAdd")
    assert invoice.hold_reason and "2024-03-01" in invoice.hold_reason
    assert "2024-03-31" in invoice.hold_reason
    assert only(plan, "ReceivePaymentAdd").hold_reason == invoice.hold_reason
    assert only(plan, "CustomerAdd").hold_reason is None


def test_closing_date_can_post_on_the_first_open_date() -> None:
    """post_on_open_date: TxnDate moves to the day after closing; memo keeps the Magento date."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    plan_ctx = ctx(closing_date_policy="post_on_open_date",
                   facts=CompanyFacts(closing_date=date(2024, 3, 31)))
    invoice = only(plan_invoice(b.invoice(), b.order(), plan_ctx), "InvoiceAdd")
    assert invoice.hold_reason is None
    assert invoice.context["TxnDate"] == date(2024, 4, 1)
    assert "Magento date 2024-03-01" in invoice.context["Memo"]
    assert invoice.notes


def test_txn_date_is_the_stores_local_date() -> None:
    """Magento's UTC timestamp becomes the store's local date (late evening in New York)."""
    b = OrderBuilder(created_at="2024-03-02 03:30:00").add(Line("A", D(1)))
    plan_ctx = PlanContext(store_timezones={1: "America/New_York"})
    invoice = only(plan_invoice(b.invoice(), b.order(), plan_ctx), "InvoiceAdd")
    assert invoice.context["TxnDate"] == date(2024, 3, 1)


def test_store_maps_to_class_when_class_tracking_is_on() -> None:
    """Store id → ClassRef; left out when the company file does not track classes."""
    b = OrderBuilder(store_id=2).add(Line("A", D(1)))
    on = only(plan_invoice(b.invoice(), b.order(), ctx(classes={"2": "Web:EU"})), "InvoiceAdd")
    assert on.context["ClassRef"] == {"FullName": "Web:EU"}
    off = only(plan_invoice(b.invoice(), b.order(), ctx(
        classes={"2": "Web:EU"}, facts=CompanyFacts(class_tracking_enabled=False))), "InvoiceAdd")
    assert "ClassRef" not in off.context


def test_long_increment_id_is_shortened_with_the_full_id_in_memo() -> None:
    """A 13-character invoice number gets an 11-character RefNumber; the memo keeps it whole."""
    b = OrderBuilder(increment_id="1000000066100").add(Line("A", D(1)))
    invoice = only(plan_invoice(b.invoice(increment_id="1000000066100"), b.order(), ctx()),
                   "InvoiceAdd")
    assert len(invoice.context["RefNumber"]) == 11
    assert "1000000066100" in invoice.context["Memo"]
    assert invoice.magento_ref == "1000000066100"


def test_ref_number_collision_with_an_existing_mapping_is_avoided() -> None:
    """A short RefNumber already used by another invoice in the mappings is not reused."""
    from qbwc_service.sync.names import ref_number

    taken = ref_number("1000000066100")
    lookup = MemoryLookup([("invoice", "999", taken)])
    b = OrderBuilder().add(Line("A", D(1)))
    invoice = only(plan_invoice(b.invoice(increment_id="1000000066100"), b.order(),
                                PlanContext(lookup=lookup)), "InvoiceAdd")
    assert invoice.context["RefNumber"] != taken


def test_long_sku_gets_a_short_item_name_with_the_full_sku_in_description() -> None:
    """A 45-character SKU: item Name ≤ 31, the full SKU in SalesDesc, identity = the SKU."""
    sku = "24-WG080-24-WG084-24-WG088-24-WG082-blue-24-X"
    b = OrderBuilder().add(Line(sku, D(5)))
    plan = plan_invoice(b.invoice(), b.order(), ctx())
    item = only(plan, "ItemInventoryAdd")
    assert len(item.context["Name"]) <= 31
    assert sku in item.context["SalesDesc"]
    assert item.magento_id == sku
    assert items_on(only(plan, "InvoiceAdd")) == [item.context["Name"]]


def test_missing_items_can_be_held_for_approval() -> None:
    """missing_items = "hold": the item add is planned held; the invoice waits on it."""
    b = OrderBuilder().add(Line("A", D(5)))
    plan = plan_invoice(b.invoice(), b.order(), ctx(missing_items="hold"))
    assert "approve" in (only(plan, "ItemInventoryAdd").hold_reason or "")
    assert "item:A" in only(plan, "InvoiceAdd").depends_on_keys


def test_canceled_never_invoiced_order_is_never_posted() -> None:
    """A canceled order without invoices plans nothing and says why."""
    b = OrderBuilder(state="canceled").add(Line("A", D(5)))
    result = plan_order(b.order(), ctx())
    assert result.requests == [] and result.skipped_reason
    assert plan_invoice(b.invoice(state=3), b.order(), ctx()) == []


def test_edited_order_is_a_new_order_replacing_the_original() -> None:
    """An admin edit (-1) names the order it replaces and its invoices post normally."""
    b = OrderBuilder(increment_id="000000003-1").add(Line("A", D(5)))
    b.extra = {"original_increment_id": "000000003", "relation_parent_id": 3,
               "edit_increment": 1}
    order = b.order()
    assert plan_order(order, ctx()).supersedes == "000000003"
    invoice = only(plan_invoice(b.invoice(), order, ctx()), "InvoiceAdd")
    assert "edit of 000000003" in invoice.context["Memo"]
    original = OrderBuilder(increment_id="000000003", state="canceled").add(Line("A", D(5)))
    assert plan_order(original.order(), ctx()).skipped_reason


def test_totals_mismatch_holds_the_document_instead_of_posting_it() -> None:
    """If lines cannot add up to Magento's total, the transaction is held with the difference."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    invoice_doc = b.invoice()
    broken = type(invoice_doc)(**{**invoice_doc.__dict__, "base_grand_total": D("10.01")})
    invoice = only(plan_invoice(broken, b.order(), ctx()), "InvoiceAdd")
    assert invoice.hold_reason and "10.01" in invoice.hold_reason
    assert "InvoiceLineAdd" not in invoice.context


def test_sales_lines_carry_the_site_when_the_company_uses_sites() -> None:
    """Multi-site company files: inventory lines name the site of the sales source."""
    b = OrderBuilder().add(Line("A", D(5))).add(Line("E", D(5), kind="virtual"))
    plan_ctx = ctx(sites={"default": "Main"}, facts=CompanyFacts(multi_site_enabled=True))
    lines = lines_of(only(plan_invoice(b.invoice(), b.order(), plan_ctx), "InvoiceAdd"))
    assert lines[0]["InventorySiteRef"] == {"FullName": "Main"}
    assert "InventorySiteRef" not in lines[1]


@pytest.mark.parametrize("operation", ["CustomerAdd", "ItemInventoryAdd", "ItemNonInventoryAdd",
                                       "ItemServiceAdd", "InvoiceAdd", "SalesReceiptAdd",
                                       "CreditMemoAdd", "ReceivePaymentAdd", "ItemSalesTaxAdd",
                                       "CheckAdd", "ARRefundCreditCardAdd"])
def test_planned_contexts_render_as_valid_qbxml(operation: str) -> None:
    """Every planned context passes the qbXML renderer's checks for version 13.0."""
    b = OrderBuilder(shipping=D(5), method="card")
    b.add(Line("A", D("10.00"), tax_rate=D("0.1"), discount=D(1)))
    b.add(Line("E", D(3), kind="virtual"))
    b.add(Line("DESK", D(30), kind="bundle_fixed", children=[Line("RAM", D(0))]))
    config = {"payment_methods": {"card": {"flow": "sales_receipt"}}} \
        if operation == "SalesReceiptAdd" else {}
    plan_ctx = ctx(**config)
    online = {"transaction_id": "bt-1-refund"} if operation == "ARRefundCreditCardAdd" else {}
    plan = plan_invoice(b.invoice(), b.order(), plan_ctx) + plan_credit_memo(
        b.credit_memo(skus={"A"}, adjustment_positive=D(1), **online), b.order(), plan_ctx)
    found = [item for item in plan if item.operation == operation]
    assert found
    for item in found:
        assert validate_request(operation, item.context, version="13.0") == []


def test_setup_items_render_as_valid_qbxml() -> None:
    """Shipping, adjustment, discount and zero-rate tax items: planned once, valid."""
    from qbwc_service.sync.parties import plan_setup_items

    plan = plan_setup_items(ctx())
    assert {p.context["Name"] for p in plan} == {
        "Shipping", "Refund Adjustment", "Refund Fee", "Discount",
        "Discount Non-Taxable", "Magento Tax Zero"}
    zero = next(p for p in plan if p.operation == "ItemSalesTaxAdd")
    assert zero.context["TaxRate"] == 0
    for item in plan:
        assert validate_request(item.operation, item.context, version="13.0") == []
    known = PlanContext(lookup=MemoryLookup([("item", "@shipping", "Shipping")]))
    assert "setup-item:shipping" not in {p.key for p in plan_setup_items(known)}


def test_long_guest_email_keeps_a_key_that_fits_the_request_row() -> None:
    """A guest e-mail longer than 40 characters is keyed by a digest within 64 characters."""
    email = "a.very.long.mailbox.name.for.testing@subdomain.example-company.com"
    b = OrderBuilder(guest=True, email=email).add(Line("A", D(1)))
    customer = only(plan_invoice(b.invoice(), b.order(), ctx()), "CustomerAdd")
    assert customer.magento_id is not None and len(customer.magento_id) <= 64
    assert customer.context["Email"] == email
    other = OrderBuilder(guest=True, email="x" + email).add(Line("A", D(1)))
    assert only(plan_invoice(other.invoice(), other.order(), ctx()), "CustomerAdd").magento_id \
        != customer.magento_id


def test_customer_with_a_non_latin_name_keeps_the_original_in_notes() -> None:
    """"陈 伟" becomes the customer "Chen Wei" (first/last too), the original in Notes."""
    b = OrderBuilder(first="陈", last="伟").add(Line("A", D(1)))
    customer = only(plan_invoice(b.invoice(), b.order(), ctx()), "CustomerAdd")
    assert customer.context["Name"] == "Chen Wei"
    assert (customer.context["FirstName"], customer.context["LastName"]) == ("Chen", "Wei")
    assert customer.context["Notes"] == "Name in Magento: U+9648 U+4F1F"
    assert validate_request("CustomerAdd", customer.context, version="13.0") == []


def test_empty_zero_invoice_is_skipped_with_the_reason() -> None:
    """A 0.00 invoice without items is not posted (nor a 0.00 payment); the reason names it."""
    from qbwc_service.sync.exceptions import DocumentSkipped

    b = OrderBuilder().add(Line("A", D(0)))
    empty = b.invoice(skus=set(), increment_id="000000042")
    with pytest.raises(DocumentSkipped) as skipped:
        plan_invoice(empty, b.order(), ctx())
    assert "invoice 000000042" in str(skipped.value) and "0.00" in skipped.value.reason
    free = plan_invoice(b.invoice(), b.order(), ctx())
    assert [p.operation for p in free if p.entity_type in ("invoice", "payment")] == \
        ["InvoiceAdd"]


def test_payment_is_dated_the_day_magento_recorded_it() -> None:
    """An invoice captured two days after it was raised: the invoice keeps its day, the
    payment takes the capture day."""
    b = OrderBuilder().add(Line("A", D("10.00")))
    invoice = b.invoice(created_at="2024-03-01 12:00:00", updated_at="2024-03-03 09:30:00")
    plan = plan_invoice(invoice, b.order(), ctx())
    assert only(plan, "InvoiceAdd").context["TxnDate"] == date(2024, 3, 1)
    assert only(plan, "ReceivePaymentAdd").context["TxnDate"] == date(2024, 3, 3)


def test_invoice_first_seen_open_gets_a_payment_instead_of_becoming_a_receipt() -> None:
    """Sales-receipt flow: an invoice already queued as InvoiceAdd while open is not
    turned into a SalesReceiptAdd once paid; its payment is planned instead."""
    b = OrderBuilder(method="card").add(Line("A", D("10.00")))
    config = parse_mapping_config({"payment_methods": {"card": {"flow": "sales_receipt"}}})
    fresh = PlanContext(config=config)
    assert only(plan_invoice(b.invoice(), b.order(), fresh), "SalesReceiptAdd")
    seen_open = PlanContext(config=config,
                            lookup=MemoryLookup(operations={"invoice:1": "InvoiceAdd"}))
    plan = plan_invoice(b.invoice(), b.order(), seen_open)
    assert [p.operation for p in plan if p.entity_type in ("invoice", "payment")] == \
        ["InvoiceAdd", "ReceivePaymentAdd"]


def test_refunded_units_not_returned_to_stock_are_written_off() -> None:
    """Only the rows Magento returned to stock stay in stock: the others (a fixed bundle's
    parts included, virtual items never) leave through an InventoryAdjustmentAdd to the
    write-off account, dated and numbered like the credit memo."""
    b = OrderBuilder().add(Line("A", D("10.00"), qty=D(2))).add(Line("B", D("5.00")))
    b.add(Line("E", D(3), kind="virtual"))
    b.add(Line("DESK", D(30), kind="bundle_fixed", children=[Line("LEG", D(0), qty=D(4))]))
    order = b.order()
    returned_a = [row.item_id for row in order.all_items() if row.sku == "A"]
    memo = b.credit_memo(extension_attributes={"return_to_stock_items": returned_a})
    plan = plan_credit_memo(memo, order, ctx(accounts={"write_off": "Shrinkage"}))
    write_off = only(plan, "InventoryAdjustmentAdd")
    assert write_off.context["AccountRef"] == {"FullName": "Shrinkage"}
    assert write_off.context["InventoryAdjustmentLineAdd"] == [
        {"ItemRef": {"FullName": "B"}, "QuantityAdjustment": {"QuantityDifference": D(-1)}},
        {"ItemRef": {"FullName": "LEG"}, "QuantityAdjustment": {"QuantityDifference": D(-4)}}]
    assert write_off.depends_on_keys == ("creditmemo:1",)
    assert write_off.context["RefNumber"] == only(plan, "CreditMemoAdd").context["RefNumber"]
    assert validate_request("InventoryAdjustmentAdd", write_off.context, version="13.0") == []
    everything_back = b.credit_memo(extension_attributes={"return_to_stock_items": [
        row.item_id for row in order.all_items()]})
    assert "InventoryAdjustmentAdd" not in [
        p.operation for p in plan_credit_memo(everything_back, order, ctx())]


def test_items_carry_magentos_cost_as_purchase_cost() -> None:
    """Inventory items get PurchaseCost from the order row's base_cost (a bundle part's
    from its own row); without a cost none is sent."""
    b = OrderBuilder().add(Line("A", D("10.00"), cost=D("4.25"))).add(Line("B", D(5)))
    b.add(Line("DESK", D(30), kind="bundle_fixed", children=[Line("LEG", D(0), cost=D("2"))]))
    plan = plan_invoice(b.invoice(), b.order(), ctx())
    costs = {p.magento_id: p.context.get("PurchaseCost") for p in plan
             if p.operation == "ItemInventoryAdd"}
    assert costs == {"A": D("4.25"), "B": None, "LEG": D("2.00")}


def test_exchange_rate_converts_each_total_to_magentos_base_amount() -> None:
    """For many rates and totals, QuickBooks' conversion (total x ExchangeRate, to the
    cent) of the posted foreign total gives Magento's base grand total exactly."""
    from qbwc_service.sync.posting.common import home_exchange_rate

    drifted = 0
    for rate in (D("0.8123"), D("1.3579"), D("0.0091"), D("151.37")):
        for price in (D("19.99"), D("1234.56"), D("7.01"), D("99999.99")):
            b = OrderBuilder(rate=rate, currency="EUR").add(Line("A", price, qty=D(3)))
            invoice = b.invoice()
            exchange = home_exchange_rate(invoice)
            home = (invoice.grand_total * exchange).quantize(D("0.01"))
            assert home == invoice.base_grand_total, (rate, price, exchange)
            naive = (invoice.grand_total * (1 / rate).quantize(D("0.000001"))).quantize(D("0.01"))
            drifted += naive != invoice.base_grand_total
    assert drifted, "the cases should include ones where 1/base_to_order_rate drifts"


def test_base_currency_other_than_quickbooks_home_currency_is_refused() -> None:
    """Magento base EUR into a US Dollar company file: refused with both currencies named."""
    from qbwc_service.sync.exceptions import PlanningError

    b = OrderBuilder(currency="EUR", base_currency="EUR").add(Line("A", D(10)))
    facts = CompanyFacts(home_currency="US Dollar")
    with pytest.raises(PlanningError) as refused:
        plan_invoice(b.invoice(), b.order(), ctx(facts=facts))
    assert "EUR" in refused.value.message and "US Dollar" in refused.value.message
    same = OrderBuilder(currency="EUR").add(Line("A", D(10)))
    assert only(plan_invoice(same.invoice(), same.order(), ctx(facts=facts)), "InvoiceAdd")


def test_sales_channel_class_on_the_header_or_on_each_line() -> None:
    """A marketplace order takes its channel's class (header by default, each line when
    configured), so profit and loss by class shows each channel."""
    b = OrderBuilder(shipping=D(5)).add(Line("A", D(10)))
    b.extra = {"extension_attributes": {"marketplace": "amazon"}}
    channel = {"attribute": "extension_attributes.marketplace",
               "classes": {"amazon": "Channel:Amazon"}}
    invoice = only(plan_invoice(b.invoice(), b.order(), ctx(classes={"1": "Web"},
                                                            channel=channel)), "InvoiceAdd")
    assert invoice.context["ClassRef"] == {"FullName": "Channel:Amazon"}
    per_line = only(plan_invoice(b.invoice(), b.order(), ctx(
        classes={"1": "Web"}, channel={**channel, "placement": "lines"})), "InvoiceAdd")
    assert per_line.context["ClassRef"] == {"FullName": "Web"}
    assert {line["ClassRef"]["FullName"] for line in lines_of(per_line)} == {"Channel:Amazon"}
    assert validate_request("InvoiceAdd", per_line.context, version="13.0") == []
    web = OrderBuilder().add(Line("A", D(10)))
    assert only(plan_invoice(web.invoice(), web.order(), ctx(classes={"1": "Web"},
                                                             channel=channel)),
                "InvoiceAdd").context["ClassRef"] == {"FullName": "Web"}


def test_site_map_is_used_before_quickbooks_reported_its_preferences() -> None:
    """Unknown multi-site preference (no session yet): the configured site is sent; a
    company file that said it has no sites never gets one."""
    b = OrderBuilder().add(Line("A", D(5)))
    unknown = ctx(sites={"default": "Main"}, facts=CompanyFacts(multi_site_enabled=None))
    assert lines_of(only(plan_invoice(b.invoice(), b.order(), unknown), "InvoiceAdd"))[0][
        "InventorySiteRef"] == {"FullName": "Main"}
    off = ctx(sites={"default": "Main"}, facts=CompanyFacts(multi_site_enabled=False))
    assert "InventorySiteRef" not in lines_of(only(plan_invoice(b.invoice(), b.order(), off),
                                                   "InvoiceAdd"))[0]
