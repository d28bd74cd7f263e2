"""List rules: unique names (3100), references (3140), EditSequence (3200), persistence."""

from __future__ import annotations

from collections.abc import Callable

from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from tests.sandbox.conftest import add_customer, add_item, message, responses, status

Make = Callable[..., QuickBooksSimulator]


def _mod_customer(simulator: QuickBooksSimulator, list_id: str, edit_sequence: str,
                  phone: str) -> list:
    body = (f"<CustomerModRq requestID=\"m1\"><CustomerMod><ListID>{list_id}</ListID>"
            f"<EditSequence>{edit_sequence}</EditSequence><Phone>{phone}</Phone>"
            "</CustomerMod></CustomerModRq>")
    return responses(simulator.process(message(body)))


def test_fresh_company_is_seeded(simulator: QuickBooksSimulator) -> None:
    """Accounts, tax codes Tax/Non, payment methods and both sites exist from the start."""
    rs = responses(simulator.process(message(
        "<AccountQueryRq /><SalesTaxCodeQueryRq /><PaymentMethodQueryRq />"
        "<InventorySiteQueryRq /><ItemSalesTaxQueryRq /><ClassQueryRq />")))
    names = [{ret.findtext("Name") for ret in r} for r in rs]
    assert {"Sales", "Shipping Income", "Accounts Receivable", "Undeposited Funds",
            "Inventory Asset", "Cost of Goods Sold", "Checking"} <= names[0]
    assert names[1] == {"Tax", "Non"}
    assert {"Visa", "MasterCard", "Check", "PayPal"} <= names[2]
    assert names[3] == {"Main Warehouse", "East Warehouse"}
    assert names[4] == {"State Tax"}
    assert names[5]


def test_ids_look_like_quickbooks(simulator: QuickBooksSimulator) -> None:
    """ListID is 8 hex digits, a dash and the creation time; EditSequence is digits."""
    ret = add_customer(simulator)
    head, _, tail = (ret.findtext("ListID") or "").partition("-")
    assert len(head) == 8 and int(head, 16) >= 0x80000000 and tail.isdigit()
    assert (ret.findtext("EditSequence") or "").isdigit()
    assert ret.findtext("FullName") == "Ada Lovelace"


def test_duplicate_name_is_3100_case_insensitively(simulator: QuickBooksSimulator) -> None:
    """Customer names are unique regardless of case; the second add gets 3100."""
    add_customer(simulator, "Smith & Sons")
    rs = responses(simulator.process(message(
        "<CustomerAddRq><CustomerAdd><Name>SMITH &amp; SONS</Name></CustomerAdd></CustomerAddRq>"
    )))[0]
    assert status(rs) == 3100
    assert rs.get("statusMessage") == 'The name "SMITH & SONS" of the list element is already in use.'
    assert len(rs) == 0


def test_item_names_share_one_namespace(simulator: QuickBooksSimulator) -> None:
    """An inventory item and a service item cannot share a name."""
    add_item(simulator, "SHIP")
    rs = responses(simulator.process(message(
        "<ItemServiceAddRq><ItemServiceAdd><Name>SHIP</Name><SalesOrPurchase><Price>5.00</Price>"
        "<AccountRef><FullName>Shipping Income</FullName></AccountRef></SalesOrPurchase>"
        "</ItemServiceAdd></ItemServiceAddRq>")))[0]
    assert status(rs) == 3100


def test_bad_reference_is_3140_in_quickbooks_words(simulator: QuickBooksSimulator) -> None:
    """An invoice for an unknown customer is refused with QuickBooks' wording."""
    add_item(simulator)
    rs = responses(simulator.process(message(
        "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Nobody</FullName></CustomerRef>"
        "<InvoiceLineAdd><ItemRef><FullName>WIDGET-1</FullName></ItemRef></InvoiceLineAdd>"
        "</InvoiceAdd></InvoiceAddRq>")))[0]
    assert status(rs) == 3140
    assert rs.get("statusMessage") == (
        'There is an invalid reference to QuickBooks Customer "Nobody" in the Invoice.  '
        "QuickBooks error message: Invalid argument.  The specified record does not exist in "
        "the list.")


def test_bad_item_reference_on_a_line(simulator: QuickBooksSimulator) -> None:
    """A line naming an unknown item is 3140 for the Item in the Invoice line."""
    add_customer(simulator)
    rs = responses(simulator.process(message(
        "<InvoiceAddRq><InvoiceAdd><CustomerRef><FullName>Ada Lovelace</FullName></CustomerRef>"
        "<InvoiceLineAdd><ItemRef><FullName>NOPE</FullName></ItemRef></InvoiceLineAdd>"
        "</InvoiceAdd></InvoiceAddRq>")))[0]
    assert status(rs) == 3140
    assert 'QuickBooks Item "NOPE" in the Invoice line' in (rs.get("statusMessage") or "")


def test_inventory_item_needs_its_accounts(simulator: QuickBooksSimulator) -> None:
    """ItemInventoryAdd without an asset account passes the XSD but QuickBooks refuses it."""
    rs = responses(simulator.process(message(
        "<ItemInventoryAddRq><ItemInventoryAdd><Name>X</Name><IncomeAccountRef><FullName>Sales"
        "</FullName></IncomeAccountRef><COGSAccountRef><FullName>Cost of Goods Sold</FullName>"
        "</COGSAccountRef></ItemInventoryAdd></ItemInventoryAddRq>")))[0]
    assert status(rs) == 3180


def test_mod_with_current_edit_sequence_succeeds(simulator: QuickBooksSimulator) -> None:
    """A Mod with the current EditSequence changes the record and a new EditSequence."""
    ret = add_customer(simulator)
    rs = _mod_customer(simulator, ret.findtext("ListID") or "", ret.findtext("EditSequence")
                       or "", "555-0100")[0]
    assert status(rs) == 0
    assert rs[0].findtext("Phone") == "555-0100"
    assert rs[0].findtext("FirstName") == "Ada"
    assert int(rs[0].findtext("EditSequence") or 0) > int(ret.findtext("EditSequence") or 0)


def test_stale_edit_sequence_is_3200_with_current_record(simulator: QuickBooksSimulator) -> None:
    """A stale EditSequence is refused with 3200 and the current record returned."""
    ret = add_customer(simulator)
    list_id, first = ret.findtext("ListID") or "", ret.findtext("EditSequence") or ""
    _mod_customer(simulator, list_id, first, "555-0100")
    rs = _mod_customer(simulator, list_id, first, "555-0199")[0]
    assert status(rs) == 3200
    assert rs.get("statusMessage") == f'The provided edit sequence "{first}" is out-of-date.'
    assert rs[0].findtext("Phone") == "555-0100"


def test_item_inventory_mod_renames_and_checks_names(simulator: QuickBooksSimulator) -> None:
    """ItemInventoryMod renames; renaming onto another item's name is 3100."""
    add_item(simulator, "A-1")
    ret = add_item(simulator, "B-1")
    body = ("<ItemInventoryModRq><ItemInventoryMod><ListID>{id}</ListID><EditSequence>{es}"
            "</EditSequence><Name>{name}</Name></ItemInventoryMod></ItemInventoryModRq>")
    args = {"id": ret.findtext("ListID"), "es": ret.findtext("EditSequence")}
    assert status(responses(simulator.process(message(body.format(name="A-1", **args))))[0]) \
        == 3100
    rs = responses(simulator.process(message(body.format(name="C-1", **args))))[0]
    assert status(rs) == 0 and rs[0].findtext("FullName") == "C-1"


def test_state_survives_a_new_simulator_on_the_same_file(make_simulator: Make) -> None:
    """A second simulator on the same SQLite file sees the first one's records."""
    first = make_simulator()
    ret = add_customer(first)
    first.close()
    second = make_simulator()
    rs = responses(second.process(message(
        f"<CustomerQueryRq><ListID>{ret.findtext('ListID')}</ListID></CustomerQueryRq>")))[0]
    assert status(rs) == 0 and rs[0].findtext("Name") == "Ada Lovelace"
    accounts = responses(second.process(message("<AccountQueryRq><FullName>Sales</FullName>"
                                                "</AccountQueryRq>")))[0]
    assert len(accounts) == 1  # seeding happened once


def test_sub_customer_full_name_and_sublevel(simulator: QuickBooksSimulator) -> None:
    """A job under a customer gets FullName Parent:Child and Sublevel 1."""
    add_customer(simulator, "Acme")
    rs = responses(simulator.process(message(
        "<CustomerAddRq><CustomerAdd><Name>Roof</Name><ParentRef><FullName>Acme</FullName>"
        "</ParentRef></CustomerAdd></CustomerAddRq>")))[0]
    assert rs[0].findtext("FullName") == "Acme:Roof"
    assert rs[0].findtext("Sublevel") == "1"
