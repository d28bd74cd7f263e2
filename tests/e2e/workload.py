"""A queued workload with dependencies, independent of the Magento sync.

Customers and items first, then invoices that depend on them: 30 requests, the shape a
real pull produces, with names that need escaping and non-Latin text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from qbwc_service import queue
from qbwc_service.context import AppContext
from qbwc_service.db.models import Request

__all__ = ["Workload", "enqueue_workload"]

# Latin-1 names: what QuickBooks stores unchanged (non-Latin names have their own test).
CUSTOMERS = ("Smith & Sons", "Zoë Ångström", "Renée Côté", "O'Brien <Wholesale>",
             "Lee Hardware", "Jürgen Groß")
INVENTORY_ITEMS = {"HOODIE-XL": Decimal("39.90"), "MUG-BLUE": Decimal("12.50"),
                   "CAP-RED": Decimal("18.00")}
SERVICE_ITEMS = {"ENGRAVING": Decimal("7.25"), "GIFT-WRAP": Decimal("3.99")}
INVOICES = 19


@dataclass
class Workload:
    customers: list[str] = field(default_factory=list)
    items: list[str] = field(default_factory=list)
    invoices: dict[str, Decimal] = field(default_factory=dict)

    @property
    def requests(self) -> int:
        return len(self.customers) + len(self.items) + len(self.invoices)


def enqueue_workload(ctx: AppContext, company_id: int, tag: str,
                     customers_named: tuple[str, ...] = CUSTOMERS) -> Workload:
    """Queue the workload for ``company_id``; RefNumbers carry ``tag`` (max 6 characters)."""
    workload = Workload()
    with ctx.db.session() as session:
        customers: list[Request] = []
        for number, name in enumerate(customers_named):
            email = f"customer{number}@example.com"
            customers.append(queue.enqueue(
                session, company_id=company_id, operation="CustomerAdd", key=f"customer:{number}",
                payload={"Name": name, "CompanyName": name, "Email": email},
                entity_type="customer", magento_id=str(number), magento_ref=email,
                priority=10).request)
            workload.customers.append(name)
        items: dict[str, Request] = {}
        for sku in INVENTORY_ITEMS:
            items[sku] = queue.enqueue(
                session, company_id=company_id, operation="ItemInventoryAdd", key=f"item:{sku}",
                # Non-taxable: the expected totals carry no sales tax, and QuickBooks gives an
                # inventory item without a code the taxable default ("Tax").
                payload={"Name": sku, "SalesTaxCodeRef": {"FullName": "Non"},
                         "SalesDesc": f"{sku} from the web store",
                         "SalesPrice": str(INVENTORY_ITEMS[sku]),
                         "IncomeAccountRef": {"FullName": "Sales"},
                         "COGSAccountRef": {"FullName": "Cost of Goods Sold"},
                         "AssetAccountRef": {"FullName": "Inventory Asset"}},
                entity_type="item", magento_id=sku, magento_ref=sku, priority=20).request
        for sku in SERVICE_ITEMS:
            items[sku] = queue.enqueue(
                session, company_id=company_id, operation="ItemServiceAdd", key=f"item:{sku}",
                payload={"Name": sku, "SalesOrPurchase": {
                    "Desc": f"{sku} service", "Price": str(SERVICE_ITEMS[sku]),
                    "AccountRef": {"FullName": "Sales"}}},
                entity_type="item", magento_id=sku, magento_ref=sku, priority=20).request
        workload.items = list(items)
        prices = {**INVENTORY_ITEMS, **SERVICE_ITEMS}
        skus = list(prices)
        for number in range(INVOICES):
            ref = f"{tag}-{number:04d}"
            customer = customers_named[number % len(customers_named)]
            lines = [(skus[number % len(skus)], 1 + number % 3),
                     (skus[(number * 3 + 1) % len(skus)], 1)]
            total = sum((prices[sku] * quantity for sku, quantity in lines), Decimal("0"))
            queue.enqueue(
                session, company_id=company_id, operation="InvoiceAdd", key=f"invoice:{ref}",
                payload={"CustomerRef": {"FullName": customer}, "TxnDate": "2024-03-05",
                         "RefNumber": ref, "Memo": f"Magento order {ref}",
                         "InvoiceLineAdd": [
                             {"ItemRef": {"FullName": sku}, "Quantity": quantity,
                              "Rate": str(prices[sku])} for sku, quantity in lines]},
                entity_type="invoice", magento_id=ref, magento_ref=ref, priority=50,
                depends_on=[customers[number % len(customers)],
                            *(items[sku] for sku, _quantity in lines)])
            workload.invoices[ref] = total
    return workload
