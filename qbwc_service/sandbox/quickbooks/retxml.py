"""Building Ret elements in the element order QuickBooks writes them."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

from lxml import etree

from qbwc_service.qbxml.xmlsafe import parse_xml

__all__ = [
    "RET_ORDER",
    "echoed",
    "element",
    "from_text",
    "is_boolean",
    "money",
    "ordered",
    "quantity",
    "text_of",
    "to_text",
]

_LIST_HEAD = ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName")
_ITEM_HEAD = (*_LIST_HEAD, "BarCodeValue", "IsActive", "ClassRef", "ParentRef", "Sublevel")
_TXN_HEAD = ("TxnID", "TimeCreated", "TimeModified", "EditSequence", "TxnNumber")
_SALES_LINE = ("TxnLineID", "ItemRef", "Desc", "Quantity", "UnitOfMeasure", "OverrideUOMSetRef",
               "Rate", "RatePercent", "ClassRef", "Amount", "TaxAmount", "InventorySiteRef",
               "InventorySiteLocationRef", "SerialNumber", "LotNumber", "ServiceDate",
               "SalesTaxCodeRef", "IsTaxable", "Other1", "Other2", "CreditCardTxnInfo",
               "DataExtRet")
_SALES_ITEM = ("UnitOfMeasureSetRef", "IsTaxIncluded", "SalesTaxCodeRef", "SalesOrPurchase",
               "SalesAndPurchase")

RET_ORDER: dict[str, tuple[str, ...]] = {
    "VendorRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "IsActive",
                  "ClassRef", "IsTaxAgency", "CompanyName", "Salutation", "FirstName",
                  "MiddleName", "LastName", "JobTitle", "VendorAddress", "VendorAddressBlock",
                  "ShipAddress", "Phone", "Mobile", "Pager", "AltPhone", "Fax", "Email", "Cc",
                  "Contact", "AltContact", "AdditionalContactRef", "ContactsRet", "NameOnCheck",
                  "AccountNumber", "Notes", "AdditionalNotesRet", "VendorTypeRef", "TermsRef",
                  "CreditLimit", "VendorTaxIdent", "IsVendorEligibleFor1099", "Balance",
                  "BillingRateRef", "ExternalGUID", "SalesTaxCodeRef", "SalesTaxCountry",
                  "IsSalesTaxAgency", "SalesTaxReturnRef", "TaxRegistrationNumber",
                  "ReportingPeriod", "IsTaxTrackedOnPurchases", "TaxOnPurchasesAccountRef",
                  "IsTaxTrackedOnSales", "TaxOnSalesAccountRef", "IsTaxOnTax",
                  "PrefillAccountRef", "CurrencyRef", "DataExtRet"),
    "CustomerRet": (*_LIST_HEAD, "IsActive", "ClassRef", "ParentRef", "Sublevel", "CompanyName",
                    "Salutation", "FirstName", "MiddleName", "LastName", "Suffix", "JobTitle",
                    "BillAddress", "BillAddressBlock", "ShipAddress", "ShipAddressBlock",
                    "ShipToAddress", "PrintAs", "Phone", "Mobile", "Pager", "AltPhone", "Fax",
                    "Email", "Cc", "Contact", "AltContact", "AdditionalContactRef",
                    "ContactsRet", "CustomerTypeRef", "TermsRef", "SalesRepRef", "Balance",
                    "TotalBalance", "SalesTaxCodeRef", "ItemSalesTaxRef", "SalesTaxCountry",
                    "ResaleNumber", "AccountNumber", "CreditLimit", "PreferredPaymentMethodRef",
                    "CreditCardInfo", "JobStatus", "JobStartDate", "JobProjectedEndDate",
                    "JobEndDate", "JobDesc", "JobTypeRef", "Notes", "AdditionalNotesRet",
                    "IsStatementWithParent", "DeliveryMethod", "PreferredDeliveryMethod",
                    "PriceLevelRef", "ExternalGUID", "TaxRegistrationNumber", "CurrencyRef"),
    "ItemInventoryRet": (*_ITEM_HEAD, "ManufacturerPartNumber", "UnitOfMeasureSetRef",
                         "IsTaxIncluded", "SalesTaxCodeRef", "SalesDesc", "SalesPrice",
                         "IncomeAccountRef", "PurchaseDesc", "PurchaseCost", "PurchaseTaxCodeRef",
                         "COGSAccountRef", "PrefVendorRef", "AssetAccountRef", "ReorderPoint",
                         "Max", "QuantityOnHand", "AverageCost", "QuantityOnOrder",
                         "QuantityOnSalesOrder", "ExternalGUID"),
    "ItemNonInventoryRet": (*_ITEM_HEAD, "ManufacturerPartNumber", *_SALES_ITEM,
                            "ExternalGUID"),
    "ItemServiceRet": (*_ITEM_HEAD, *_SALES_ITEM, "ExternalGUID"),
    "ItemOtherChargeRet": (*_ITEM_HEAD, "IsTaxIncluded", "SalesTaxCodeRef", "SalesOrPurchase",
                           "SalesAndPurchase", "SpecialItemType", "ExternalGUID"),
    "ItemDiscountRet": (*_ITEM_HEAD, "ItemDesc", "SalesTaxCodeRef", "DiscountRate",
                        "DiscountRatePercent", "AccountRef", "ExternalGUID"),
    "ItemGroupRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                     "BarCodeValue", "IsActive", "ItemDesc", "UnitOfMeasureSetRef",
                     "IsPrintItemsInGroup", "SpecialItemType", "ExternalGUID", "ItemGroupLine"),
    "ItemSalesTaxRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                        "BarCodeValue", "IsActive", "ClassRef", "ItemDesc", "TaxRate",
                        "TaxVendorRef", "SalesTaxReturnLineRef", "ExternalGUID"),
    "AccountRet": (*_LIST_HEAD, "IsActive", "ParentRef", "Sublevel", "AccountType",
                   "DetailAccountType", "SpecialAccountType", "IsTaxAccount", "AccountNumber",
                   "BankNumber", "LastCheckNumber", "Desc", "Balance", "TotalBalance",
                   "SalesTaxCodeRef", "TaxLineInfoRet", "CashFlowClassification",
                   "CurrencyRef"),
    "ClassRet": (*_LIST_HEAD, "IsActive", "ParentRef", "Sublevel"),
    "SalesTaxCodeRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                        "IsActive", "IsTaxable", "Desc", "ItemPurchaseTaxRef",
                        "ItemSalesTaxRef"),
    "PaymentMethodRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                         "IsActive", "PaymentMethodType"),
    "StandardTermsRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                         "IsActive", "StdDueDays", "StdDiscountDays", "DiscountPct"),
    "ShipMethodRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                      "IsActive"),
    "CustomerMsgRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                       "IsActive"),
    "TemplateRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "IsActive",
                    "TemplateType"),
    "CurrencyRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "IsActive",
                    "CurrencyCode", "CurrencyFormat", "IsUserDefinedCurrency", "ExchangeRate",
                    "AsOfDate"),
    "InventorySiteRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence", "Name",
                         "IsActive", "ParentSiteRef", "IsDefaultSite", "SiteDesc", "Contact",
                         "Phone", "Fax", "Email", "SiteAddress", "SiteAddressBlock"),
    "ItemSitesRet": ("ListID", "TimeCreated", "TimeModified", "EditSequence",
                     "ItemInventoryAssemblyRef", "ItemInventoryRef", "InventorySiteRef",
                     "InventorySiteLocationRef", "ReorderLevel", "QuantityOnHand",
                     "QuantityOnPurchaseOrders", "QuantityOnSalesOrders",
                     "QuantityToBeBuiltByPendingBuildTxns", "QuantityRequiredByPendingBuildTxns",
                     "QuantityOnPendingTransfers", "AssemblyBuildPoint"),
    "InvoiceRet": (*_TXN_HEAD, "CustomerRef", "ClassRef", "ARAccountRef", "TemplateRef",
                   "TxnDate", "RefNumber", "BillAddress", "BillAddressBlock", "ShipAddress",
                   "ShipAddressBlock", "IsPending", "IsFinanceCharge", "PONumber", "TermsRef",
                   "DueDate", "SalesRepRef", "FOB", "ShipDate", "ShipMethodRef", "Subtotal",
                   "ItemSalesTaxRef", "SalesTaxPercentage", "SalesTaxTotal", "AppliedAmount",
                   "BalanceRemaining", "CurrencyRef", "ExchangeRate",
                   "BalanceRemainingInHomeCurrency", "Memo", "IsPaid", "CustomerMsgRef",
                   "IsToBePrinted", "IsToBeEmailed", "IsTaxIncluded", "CustomerSalesTaxCodeRef",
                   "SuggestedDiscountAmount", "SuggestedDiscountDate", "Other", "ExternalGUID",
                   "LinkedTxn", "InvoiceLineRet|InvoiceLineGroupRet"),
    "SalesReceiptRet": (*_TXN_HEAD, "CustomerRef", "ClassRef", "TemplateRef", "TxnDate",
                        "RefNumber", "BillAddress", "BillAddressBlock", "ShipAddress",
                        "ShipAddressBlock", "IsPending", "CheckNumber", "PaymentMethodRef",
                        "DueDate", "SalesRepRef", "ShipDate", "ShipMethodRef", "FOB", "Subtotal",
                        "ItemSalesTaxRef", "SalesTaxPercentage", "SalesTaxTotal", "TotalAmount",
                        "CurrencyRef", "ExchangeRate", "TotalAmountInHomeCurrency", "Memo",
                        "CustomerMsgRef", "IsToBePrinted", "IsToBeEmailed", "IsTaxIncluded",
                        "CustomerSalesTaxCodeRef", "DepositToAccountRef", "CreditCardTxnInfo",
                        "Other", "ExternalGUID", "SalesReceiptLineRet|SalesReceiptLineGroupRet"),
    "CreditMemoRet": (*_TXN_HEAD, "CustomerRef", "ClassRef", "ARAccountRef", "TemplateRef",
                      "TxnDate", "RefNumber", "BillAddress", "BillAddressBlock", "ShipAddress",
                      "ShipAddressBlock", "IsPending", "PONumber", "TermsRef", "DueDate",
                      "SalesRepRef", "FOB", "ShipDate", "ShipMethodRef", "Subtotal",
                      "ItemSalesTaxRef", "SalesTaxPercentage", "SalesTaxTotal", "TotalAmount",
                      "CreditRemaining", "CurrencyRef", "ExchangeRate",
                      "CreditRemainingInHomeCurrency", "Memo", "CustomerMsgRef", "IsToBePrinted",
                      "IsToBeEmailed", "IsTaxIncluded", "CustomerSalesTaxCodeRef", "Other",
                      "ExternalGUID", "LinkedTxn", "CreditMemoLineRet|CreditMemoLineGroupRet"),
    "ReceivePaymentRet": (*_TXN_HEAD, "CustomerRef", "ARAccountRef", "TxnDate", "RefNumber",
                          "TotalAmount", "CurrencyRef", "ExchangeRate",
                          "TotalAmountInHomeCurrency", "PaymentMethodRef", "Memo",
                          "DepositToAccountRef", "CreditCardTxnInfo", "UnusedPayment",
                          "UnusedCredits", "ExternalGUID", "AppliedToTxnRet"),
    "InventoryAdjustmentRet": (*_TXN_HEAD, "AccountRef", "InventorySiteRef", "TxnDate",
                               "RefNumber", "CustomerRef", "ClassRef", "Memo", "ExternalGUID",
                               "InventoryAdjustmentLineRet"),
    "TransferInventoryRet": (*_TXN_HEAD, "TxnDate", "RefNumber", "FromInventorySiteRef",
                             "ToInventorySiteRef", "Memo", "ExternalGUID",
                             "TransferInventoryLineRet"),
    "ARRefundCreditCardRet": (*_TXN_HEAD, "CustomerRef", "RefundFromAccountRef",
                              "ARAccountRef", "TxnDate", "RefNumber", "TotalAmount",
                              "CurrencyRef", "ExchangeRate", "TotalAmountInHomeCurrency",
                              "Address", "AddressBlock", "PaymentMethodRef", "Memo",
                              "CreditCardTxnInfo", "ExternalGUID", "RefundAppliedToTxnRet",
                              "DataExtRet"),
    "CheckRet": (*_TXN_HEAD, "AccountRef", "PayeeEntityRef", "RefNumber", "TxnDate", "Amount",
                 "CurrencyRef", "ExchangeRate", "AmountInHomeCurrency", "Memo", "Address",
                 "AddressBlock", "IsToBePrinted", "IsTaxIncluded", "SalesTaxCodeRef",
                 "ExternalGUID", "LinkedTxn", "ExpenseLineRet",
                 "ItemLineRet|ItemGroupLineRet", "DataExtRet"),
    "JournalEntryRet": (*_TXN_HEAD, "TxnDate", "RefNumber", "Memo", "IsAdjustment",
                        "IsHomeCurrencyAdjustment", "IsAmountsEnteredInHomeCurrency",
                        "CurrencyRef", "ExchangeRate", "ExternalGUID",
                        "JournalDebitLine|JournalCreditLine", "DataExtRet"),
    "InvoiceLineRet": _SALES_LINE,
    "SalesReceiptLineRet": _SALES_LINE,
    "CreditMemoLineRet": _SALES_LINE,
    "InvoiceLineGroupRet": ("TxnLineID", "ItemGroupRef", "Desc", "Quantity", "UnitOfMeasure",
                            "OverrideUOMSetRef", "IsPrintItemsInGroup", "TotalAmount",
                            "ServiceDate", "InvoiceLineRet"),
}
for _kind in ("SalesReceipt", "CreditMemo"):
    RET_ORDER[f"{_kind}LineGroupRet"] = tuple(
        f"{_kind}LineRet" if name == "InvoiceLineRet" else name
        for name in RET_ORDER["InvoiceLineGroupRet"])

_CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """AMTTYPE: always two decimals."""
    return f"{value.quantize(_CENT, rounding=ROUND_HALF_UP):.2f}"


def quantity(value: Decimal) -> str:
    """QUANTYPE: up to five decimals, no trailing zeros (QuickBooks writes ``2``, ``2.5``)."""
    text = f"{value.quantize(Decimal('0.00001'), rounding=ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def element(tag: str, text: str | None = None,
            children: Iterable[etree._Element] = ()) -> etree._Element:
    node = etree.Element(tag)
    if text is not None:
        node.text = text
    node.extend(children)
    return node


def ordered(tag: str, parts: list[etree._Element]) -> etree._Element:
    """A ``tag`` element holding ``parts`` sorted into RET_ORDER; unknown parts are dropped."""
    rank: dict[str, int] = {}
    for position, names in enumerate(RET_ORDER[tag]):
        for name in names.split("|"):
            rank[name] = position
    known = [part for part in parts if part.tag in rank]
    known.sort(key=lambda part: rank[str(part.tag)])
    return element(tag, children=known)


_BOOLEANS = {"1": "true", "0": "false", "true": "true", "false": "false"}


def is_boolean(tag: str) -> bool:
    """qbXML's BOOLTYPE fields are the ``Is...`` ones (IsActive, IsPending, IsTaxable, ...)."""
    return tag.startswith("Is") and tag[2:3].isupper()


def echoed(node: etree._Element) -> etree._Element | None:
    """A request element as QuickBooks writes it back in a Ret, or ``None`` to leave it out.

    Text is trimmed, booleans are written ``true``/``false`` (the request may say ``1``/``0``),
    and empty elements (``<Memo/>``, an address with nothing in it) are omitted.
    """
    tag = str(node.tag)
    children = [child for child in node if isinstance(child.tag, str)]
    if children:
        kept = [copy for copy in map(echoed, children) if copy is not None]
        return element(tag, children=kept) if kept else None
    text = (node.text or "").strip()
    if not text:
        return None
    if is_boolean(tag):
        text = _BOOLEANS.get(text, text)
    return element(tag, text)


def text_of(parent: etree._Element, path: str) -> str | None:
    node = parent.find(path)
    if node is None:
        return None
    return (node.text or "").strip()


def to_text(node: etree._Element) -> str:
    return etree.tostring(node, encoding="unicode")


def from_text(text: str) -> etree._Element:
    return parse_xml(text)
