"""The currency rounding rule: a foreign document no exchange rate books exactly plans a
read-back of its lines and a journal entry holding Magento's base amounts per account
(signs reversed for a credit memo); one that a rate books exactly plans neither."""

from __future__ import annotations

from decimal import Decimal as D
from itertools import product

from qbwc_service.sync.plan import PlannedRequest
from qbwc_service.sync.posting import plan_credit_memo, plan_invoice
from tests.sync.factories import Line, OrderBuilder
from tests.sync.test_rules import ctx, only

AGENCY = "State Board of Equalization"


def _config() -> dict[str, object]:
    return {"currency_mode": "multicurrency", "tax": {"agency": AGENCY}}


def _inexact() -> OrderBuilder:
    """A euro order whose invoice no single rate books exactly (found by search)."""
    for price, rate, tax in product(("27.07", "106.15", "12.45", "3.84", "19.99"),
                                    ("0.9215", "0.8123", "1.3579"), ("0.19", "0.0725")):
        b = OrderBuilder(rate=D(rate), currency="EUR", shipping=D("4.99"),
                         shipping_tax_rate=D(tax))
        b.add(Line("A", D(price), qty=D(3), tax_rate=D(tax)))
        b.add(Line("B", D("12.34"), tax_rate=D(tax)))
        plan = plan_invoice(b.invoice(), b.order(), ctx(**_config()))
        if any(item.operation == "JournalEntryAdd" for item in plan):
            return b
    raise AssertionError("no euro order in the search needs a rounding entry")


def _targets(entry: PlannedRequest) -> dict[tuple[str, str | None], D]:
    return {(t["AccountRef"]["FullName"], (t.get("EntityRef") or {}).get("FullName")):
            t["Amount"] for t in entry.context["Correction"]["Targets"]}


def test_an_inexact_invoice_plans_a_read_back_and_an_entry_of_magentos_base_amounts() -> None:
    b = _inexact()
    invoice = b.invoice()
    plan = plan_invoice(invoice, b.order(), ctx(**_config()))
    main = only(plan, "InvoiceAdd")
    readback, entry = only(plan, "TransactionQuery"), only(plan, "JournalEntryAdd")
    assert readback.depends_on_keys == (main.key,)
    assert entry.depends_on_keys == (readback.key,)
    assert readback.context["RefNumber"] == [main.context["RefNumber"]]
    assert readback.context["TransactionTypeFilter"] == {"TxnTypeFilter": ["Invoice"]}
    assert readback.context["TransactionDetailLevelFilter"] == "All"
    assert "TxnID" not in readback.context  # the XSD makes TxnID and the filters a choice
    tax = invoice.base_tax_amount.quantize(D("0.01"))
    net = invoice.base_grand_total.quantize(D("0.01")) - tax
    # Credits as the journal signs them: income and the liability are credited.
    assert _targets(entry) == {("Sales", None): -net, ("Sales Tax Payable", AGENCY): -tax}
    correction = entry.context["Correction"]
    assert correction["RoundingAccountRef"] == {"FullName": "Exchange Gain or Loss"}
    assert correction["Memo"] == f"Currency rounding for Magento invoice {invoice.increment_id}"
    assert (entry.context["RefNumber"], entry.context["TxnDate"]) == (
        main.context["RefNumber"], main.context["TxnDate"])
    assert "CurrencyRef" not in entry.context and entry.context["ExternalGUID"]
    assert (entry.entity_type, entry.magento_ref) == ("invoice_rounding", main.magento_ref)


def test_a_credit_memo_entry_reverses_the_signs_and_names_the_rounding_account() -> None:
    b = _inexact()
    memo = b.credit_memo()
    config = {**_config(), "accounts": {"rounding": "Currency Rounding"}}
    plan = plan_credit_memo(memo, b.order(), ctx(**config), invoice=b.invoice())
    entry = only(plan, "JournalEntryAdd")
    tax = memo.base_tax_amount.quantize(D("0.01"))
    net = memo.base_grand_total.quantize(D("0.01")) - tax
    assert _targets(entry) == {("Sales", None): net, ("Sales Tax Payable", AGENCY): tax}
    assert entry.context["Correction"]["RoundingAccountRef"] == {"FullName": "Currency Rounding"}
    assert only(plan, "TransactionQuery").context["TransactionTypeFilter"] == {
        "TxnTypeFilter": ["CreditMemo"]}


def test_without_a_tax_agency_only_income_is_corrected() -> None:
    b = _inexact()
    plan = plan_invoice(b.invoice(), b.order(), ctx(currency_mode="multicurrency"))
    assert [key[0] for key in _targets(only(plan, "JournalEntryAdd"))] == ["Sales"]


def test_documents_a_rate_books_exactly_plan_no_entry() -> None:
    for config in (_config(), {}):
        b = OrderBuilder(rate=D("0.9215"), currency="EUR").add(Line("A", D("10.00")))
        plan = plan_invoice(b.invoice(), b.order(), ctx(**config))
        assert not any(item.operation in ("TransactionQuery", "JournalEntryAdd")
                       for item in plan)
