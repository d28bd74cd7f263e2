"""Realistic template contexts, one per request type, as handlers build them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

__all__ = ["CONTEXTS", "ITERATING", "invoice_context"]

_ADDRESS = {
    "Addr1": "Smith & Sons Ltd.",
    "Addr2": "12 Rue de l'Église",
    "City": "Zürich",
    "State": "ZH",
    "PostalCode": "8001",
    "Country": "Switzerland",
}


def invoice_context(lines: int = 3) -> dict[str, Any]:
    """An InvoiceAdd for a Magento order with ``lines`` simple lines and one bundle."""
    return {
        "CustomerRef": {"FullName": "Smith & Sons"},
        "ClassRef": {"FullName": "Web Store"},
        "TxnDate": date(2024, 3, 5),
        "RefNumber": "100000123",
        "BillAddress": dict(_ADDRESS),
        "ShipAddress": dict(_ADDRESS, Addr1="Loading dock <B>"),
        "PONumber": "PO-77",
        "Memo": "Magento order #100000123 — paid by card",
        "IsToBePrinted": False,
        "ExternalGUID": "{4A1D0C3E-2B2F-4E5A-9C55-0D8E2B6A7F10}",
        "InvoiceLineAdd": [
            {
                "ItemRef": {"FullName": f"SKU-{n:04d}"},
                "Desc": f'Hoodie "Classic" size {n}',
                "Quantity": Decimal("2"),
                "Rate": Decimal("19.995"),
                "InventorySiteRef": {"FullName": "Main Warehouse"},
                "SalesTaxCodeRef": {"FullName": "Tax"},
            }
            for n in range(lines)
        ],
        "InvoiceLineGroupAdd": [
            {
                "ItemGroupRef": {"FullName": "GIFT-SET"},
                "Quantity": 1,
                "InventorySiteRef": {"FullName": "Main Warehouse"},
            }
        ],
    }


CONTEXTS: dict[str, dict[str, Any]] = {
    "HostQuery": {},
    "CompanyQuery": {},
    "PreferencesQuery": {},
    "CustomerAdd": {
        "Name": "Jane Müller (100000123)",
        "CompanyName": "Smith & Sons",
        "FirstName": "Jane",
        "LastName": "Müller",
        "BillAddress": dict(_ADDRESS),
        "ShipAddress": dict(_ADDRESS),
        "Phone": "+41 44 123 45 67",
        "Email": "jane@example.com",
        "ExternalGUID": "{0D3F4C2A-1B2C-4D5E-8F90-A1B2C3D4E5F6}",
    },
    "CustomerMod": {
        "ListID": "80000022-1712340100",
        "EditSequence": "1712340100",
        "Phone": "+41 44 765 43 21",
        "Email": "jane.mueller@example.com",
    },
    "CustomerQuery": {"FullName": ["Smith & Sons", "Jane Müller (100000123)"]},
    "ItemInventoryAdd": {
        "Name": "XL-HOODIE",
        "SalesDesc": "Hoodie, black, XL",
        "SalesPrice": Decimal("19.9"),
        "IncomeAccountRef": {"FullName": "Sales:Merchandise"},
        "PurchaseDesc": "Hoodie from supplier",
        "PurchaseCost": Decimal("7.25"),
        "COGSAccountRef": {"FullName": "Cost of Goods Sold"},
        "AssetAccountRef": {"FullName": "Inventory Asset"},
        "SalesTaxCodeRef": {"FullName": "Tax"},
        "ReorderPoint": 5,
    },
    "ItemInventoryMod": {
        "ListID": "80000031-1712340000",
        "EditSequence": "1712424600",
        "SalesPrice": "21.50",
        "SalesDesc": "Hoodie, black, XL (new fabric)",
    },
    "ItemInventoryQuery": {
        "MaxReturned": 100,
        "ActiveStatus": "All",
        "FromModifiedDate": datetime(2024, 3, 1, 0, 0, 0),
        "NameFilter": {"MatchCriterion": "StartsWith", "Name": "XL"},
    },
    "ItemNonInventoryAdd": {
        "Name": "GIFT-WRAP",
        "SalesOrPurchase": {
            "Desc": "Gift wrapping",
            "Price": Decimal("3.5"),
            "AccountRef": {"FullName": "Sales:Services"},
        },
    },
    "ItemServiceAdd": {
        "Name": "ENGRAVING",
        "SalesOrPurchase": {
            "Desc": "Engraving service",
            "Price": 12,
            "AccountRef": {"FullName": "Sales:Services"},
        },
    },
    "ItemOtherChargeAdd": {
        "Name": "Shipping",
        "SalesOrPurchase": {
            "Desc": "Shipping & handling",
            "AccountRef": {"FullName": "Shipping Income"},
        },
    },
    "ItemDiscountAdd": {
        "Name": "Coupon",
        "ItemDesc": "Magento coupon discount",
        "DiscountRate": Decimal("-10"),
        "AccountRef": {"FullName": "Sales Discounts"},
    },
    "ItemSalesTaxAdd": {
        "Name": "Magento Tax Zero",
        "ItemDesc": "Zero rate: Magento's own tax is posted as a line",
        "TaxRate": Decimal("0"),
    },
    "ItemGroupAdd": {
        "Name": "GIFT-SET",
        "ItemDesc": "Gift set: hoodie and cap",
        "IsPrintItemsInGroup": True,
        "ItemGroupLine": [
            {"ItemRef": {"FullName": "XL-HOODIE"}, "Quantity": 1},
            {"ItemRef": {"FullName": "CAP"}, "Quantity": 2},
        ],
    },
    "ItemQuery": {"FullName": ["XL-HOODIE", "Shipping"]},
    "AccountQuery": {"ActiveStatus": "ActiveOnly", "AccountType": ["Income", "CostOfGoodsSold"]},
    "ClassQuery": {"ActiveStatus": "All"},
    "SalesTaxCodeQuery": {},
    "ItemSalesTaxQuery": {"ActiveStatus": "ActiveOnly"},
    "PaymentMethodQuery": {},
    "InventorySiteQuery": {"ActiveStatus": "All"},
    "InvoiceAdd": invoice_context(),
    "InvoiceQuery": {"RefNumber": ["100000123"], "IncludeLineItems": True},
    "SalesReceiptAdd": {
        "CustomerRef": {"ListID": "80000021-1712340000"},
        "TxnDate": "2024-03-05",
        "RefNumber": "100000124",
        "PaymentMethodRef": {"FullName": "Visa"},
        "Memo": "Magento order 100000124",
        "DepositToAccountRef": {"FullName": "Undeposited Funds"},
        "SalesReceiptLineAdd": [
            {"ItemRef": {"FullName": "XL-HOODIE"}, "Quantity": 1, "Rate": "19.90"},
            {"ItemRef": {"FullName": "Shipping"}, "Amount": Decimal("4.95")},
        ],
    },
    "ReceivePaymentAdd": {
        "CustomerRef": {"FullName": "Smith & Sons"},
        "TxnDate": date(2024, 3, 6),
        "RefNumber": "ch_3OqVZ2LkdIwHu7ix",
        "TotalAmount": Decimal("42.79"),
        "PaymentMethodRef": {"FullName": "Visa"},
        "Memo": "Card payment for order 100000123",
        "AppliedToTxnAdd": [{"TxnID": "1A3-1712345678", "PaymentAmount": Decimal("42.79")}],
    },
    "CreditMemoAdd": {
        "CustomerRef": {"FullName": "Smith & Sons"},
        "TxnDate": date(2024, 3, 10),
        "RefNumber": "CM100000045",
        "Memo": "Magento credit memo 100000045",
        "CreditMemoLineAdd": [
            {
                "ItemRef": {"FullName": "XL-HOODIE"},
                "Quantity": 1,
                "Rate": "19.90",
                "InventorySiteRef": {"FullName": "Main Warehouse"},
            }
        ],
    },
    "ARRefundCreditCardAdd": {
        "CustomerRef": {"FullName": "Smith & Sons"},
        "RefundFromAccountRef": {"FullName": "Undeposited Funds"},
        "TxnDate": date(2024, 3, 10),
        "RefNumber": "CM100000045",
        "PaymentMethodRef": {"FullName": "Visa"},
        "Memo": "Refund of Magento credit memo 100000045, transaction ch_3OqVZ2-refund",
        "RefundAppliedToTxnAdd": [{"TxnID": "1B7-1712345999", "RefundAmount": Decimal("12.34")}],
    },
    "CheckAdd": {
        "AccountRef": {"FullName": "Checking"},
        "PayeeEntityRef": {"FullName": "Smith & Sons"},
        "RefNumber": "CM100000046",
        "TxnDate": date(2024, 3, 11),
        "Memo": "Refund of Magento credit memo 100000046",
        "ApplyCheckToTxnAdd": [{"TxnID": "1B8-1712346000", "Amount": Decimal("8.50")}],
        "ExpenseLineAdd": [{"AccountRef": {"FullName": "Accounts Receivable"},
                            "Amount": Decimal("8.50"), "Memo": "Refund",
                            "CustomerRef": {"FullName": "Smith & Sons"}}],
    },
    "InventoryAdjustmentAdd": {
        "AccountRef": {"FullName": "Inventory Adjustments"},
        "TxnDate": date(2024, 3, 7),
        "RefNumber": "ADJ-2024-1",
        "InventorySiteRef": {"FullName": "Main Warehouse"},
        "Memo": "Stock count from Magento source 'default'",
        "InventoryAdjustmentLineAdd": [
            {"ItemRef": {"FullName": "XL-HOODIE"}, "QuantityAdjustment": {"NewQuantity": 37}},
            {"ItemRef": {"FullName": "CAP"}, "QuantityAdjustment": {"QuantityDifference": -2}},
        ],
    },
    "TransferInventoryAdd": {
        "TxnDate": date(2024, 3, 8),
        "RefNumber": "TR-1",
        "FromInventorySiteRef": {"FullName": "Main Warehouse"},
        "ToInventorySiteRef": {"FullName": "Store Front"},
        "Memo": "Restock store",
        "TransferInventoryLineAdd": [
            {"ItemRef": {"FullName": "XL-HOODIE"}, "QuantityToTransfer": 5},
        ],
    },
    "ItemSitesQuery": {
        "ItemSiteFilter": {"SiteFilter": {"FullName": ["Main Warehouse"]}},
        "MaxReturned": 500,
    },
    "TxnDel": {"TxnDelType": "Invoice", "TxnID": "1A3-1712345678"},
    "TxnVoid": {"TxnVoidType": "Invoice", "TxnID": "1A3-1712345678"},
    "JournalEntryAdd": {
        "TxnDate": date(2024, 3, 9),
        "RefNumber": "000000123",
        "ExternalGUID": "{6f1c3a52-9b0e-5d1f-8a44-2f7e0c9b1d23}",
        "JournalDebitLine": [{"AccountRef": {"FullName": "Sales"}, "Amount": Decimal("0.02"),
                              "Memo": "Currency rounding for Magento invoice 000000123"}],
        "JournalCreditLine": [
            {"AccountRef": {"FullName": "Sales Tax Payable"}, "Amount": Decimal("0.01"),
             "EntityRef": {"FullName": "State Board of Equalization"}},
            {"AccountRef": {"FullName": "Exchange Gain or Loss"}, "Amount": Decimal("0.01")},
        ],
    },
    "JournalEntryQuery": {"RefNumber": ["000000123"], "IncludeLineItems": True},
    "TransactionQuery": {
        "MaxReturned": 500, "RefNumber": ["000000123"],
        "TransactionDateRangeFilter": {"FromTxnDate": date(2024, 3, 9),
                                       "ToTxnDate": date(2024, 3, 9)},
        "TransactionTypeFilter": {"TxnTypeFilter": ["Invoice"]},
        "TransactionDetailLevelFilter": "All",
    },
}

# Query types that take an iterator, rendered with iterator="Start" in the XSD tests.
ITERATING = {"CustomerQuery", "ItemInventoryQuery", "ItemQuery", "InvoiceQuery", "ItemSitesQuery"}
