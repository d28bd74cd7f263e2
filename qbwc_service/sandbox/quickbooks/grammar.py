"""The built-in qbXML grammar: what the simulator checks when no XSD folder is at hand.

Each aggregate is written as a line of tokens in schema order. A token is
``Name`` + a flag (``!`` required, ``?`` optional, ``*`` optional and repeatable,
``+`` required and repeatable, ``~`` optional with unchecked content) + optional
``:maxlength`` + optional ``@version`` (the qbXML version that introduced it).
Alternatives of one xsd:choice are joined with ``|`` and share a position; an aggregate
holds one of them only, repeated if its flag says so (``ListID+|FullName+``: ListIDs or
FullNames, never both, as the XSD's ``<xsd:choice>`` of two repeatable elements). A choice
that itself repeats, whose alternatives follow one another in any order, is written in
parentheses with the flag after them (``(InvoiceLineAdd|InvoiceLineGroupAdd)*``, the
XSD's ``<xsd:choice maxOccurs="unbounded">``); ``~`` and the length and version go on each
alternative inside.

A choice between whole groups of tokens is written ``( branch / branch / ... )``: each
branch is a line of tokens of its own, and an aggregate may hold children of one branch
only (or of none: every such choice in qbXML is optional). A flag inside a branch holds
once the branch is taken. A query's top level is such a choice, e.g.::

    ( ListID+:36 / FullName+:209 / MaxReturned? ActiveStatus? NameFilter?|NameRangeFilter? )

takes ListIDs, or FullNames, or filters, never a ListID beside a filter.

Names ending in ``Ref`` without an entry of their own are ListID-or-FullName references
(the length, if any, applies to FullName).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

__all__ = ["GRAMMAR", "REQUEST_SINCE", "Rule", "rules_for", "supported_requests"]

_ADDRESS = ("Addr1?:41 Addr2?:41 Addr3?:41 Addr4?:41@2.0 Addr5?:41@6.0 City?:31 State?:21 "
            "PostalCode?:13 Country?:31 Note?:41@6.0")
_LINE_TAIL = ("InventorySiteRef?:31@10.0 InventorySiteLocationRef?:31@12.0 "
              "SerialNumber?:4095@11.0|LotNumber?:40@11.0 ServiceDate? SalesTaxCodeRef?:3 "
              "IsTaxable?@4.0 OverrideItemAccountRef?:159 Other1?:29@6.0 Other2?:29@6.0")
_SALES_LINE = ("ItemRef?:159 Desc?:4095 Quantity? UnitOfMeasure?:31@7.0 "
               "Rate?|RatePercent?|PriceLevelRef?:31 ClassRef?:159 Amount? TaxAmount?@6.1 ")
_GROUP_LINE = ("ItemGroupRef!:159 Desc? Quantity? UnitOfMeasure?:31@7.0 ServiceDate? "
               "InventorySiteRef?:31@10.0 InventorySiteLocationRef?:31@12.0 DataExt*~")
_SALES_HEAD = ("CustomerRef{cust}:209 ClassRef?:159 {ar}TemplateRef?:31 TxnDate? RefNumber?:11 "
               "BillAddress? ShipAddress? IsPending? {middle}")
_MOD_HEAD = ("CustomerRef?:209 ClassRef?:159 {ar}TemplateRef?:31 TxnDate? RefNumber?:11 "
             "BillAddress? ShipAddress? IsPending? ")
_ITEM_HEAD = "Name!:31 BarCode?~ IsActive? ClassRef?:159 ParentRef?:159"
_SALES_OR_PURCHASE = "SalesOrPurchase?|SalesAndPurchase?"
_TAIL = "IncludeRetElement*:50@4.0 OwnerID*@2.0"
_RETURN = "IncludeRetElement*:50@4.0"


def _list_query(filters: str = "", name: int = 209) -> str:
    """ListIDs, or FullNames, or filters (the list filters, then ``filters``)."""
    return (f"( ListID+:36 / FullName+:{name} / MaxReturned? ActiveStatus? FromModifiedDate? "
            f"ToModifiedDate? NameFilter?|NameRangeFilter? {filters} ) ")


def _txn_query(filters: str = "CurrencyFilter?", item: str = "", exact: str = "@4.0") -> str:
    """TxnIDs, or RefNumbers, or case-sensitive RefNumbers, or filters."""
    return (f"( TxnID+:36 / RefNumber+:20 / RefNumberCaseSensitive+{exact} / MaxReturned? "
            f"ModifiedDateRangeFilter?|TxnDateRangeFilter? EntityFilter? AccountFilter? {item} "
            f"RefNumberFilter?|RefNumberRangeFilter? {filters} ) ")


_NAME_FILTER = "ListID+:36|FullName+|ListIDWithChildren!:36|FullNameWithChildren!"
_JOURNAL_LINE = ("TxnLineID?:36 AccountRef?:159 Amount? TaxAmount?~ Memo?:4095 EntityRef?:209 "
                 "ClassRef?:159 ItemSalesTaxRef?:31 BillableStatus?")

GRAMMAR: dict[str, str] = {
    "BillAddress": _ADDRESS,
    "ShipAddress": _ADDRESS,
    "NameFilter": "MatchCriterion! Name!",
    "NameRangeFilter": "FromName? ToName?",
    "ModifiedDateRangeFilter": "FromModifiedDate? ToModifiedDate?",
    # Dates, or a DateMacro: never both.
    "TxnDateRangeFilter": "( FromTxnDate? ToTxnDate? / DateMacro? )",
    # A filter holds ListIDs, or FullNames, or one of the WithChildren: one alternative.
    "EntityFilter": _NAME_FILTER,
    "AccountFilter": _NAME_FILTER,
    "ClassFilter": _NAME_FILTER,
    "ItemFilter": "ListID+:36|FullName+:159|ListIDWithChildren!:36|FullNameWithChildren!:159",
    "SiteFilter": "ListID+:36|FullName+:64",
    "CurrencyFilter": "ListID+:36|FullName+:64",
    "RefNumberFilter": "MatchCriterion! RefNumber!",
    "RefNumberRangeFilter": "FromRefNumber? ToRefNumber?",
    "ItemSiteFilter": "ItemFilter? SiteFilter?",
    "SalesOrPurchase": "Desc?:4095 Price?|PricePercent? AccountRef?:159",
    "SalesAndPurchase": ("SalesDesc?:4095 SalesPrice? IncomeAccountRef?:159 PurchaseDesc?:4095 "
                         "PurchaseCost? PurchaseTaxCodeRef?:3 ExpenseAccountRef?:159 "
                         "PrefVendorRef?:41"),
    "ItemGroupLine": "ItemRef?:159 Quantity? UnitOfMeasure?:31",
    # Lists
    "HostQueryRq": _RETURN,
    "CompanyQueryRq": _TAIL,
    "PreferencesQueryRq": _RETURN,
    "CustomerAddRq": "CustomerAdd! " + _TAIL,
    "CustomerAdd": ("Name!:41 IsActive? ClassRef?:159 ParentRef?:209 CompanyName?:41 "
                    "Salutation?:15 FirstName?:25 MiddleName?:5 LastName?:25 Suffix?:10 "
                    "JobTitle?:41@12.0 BillAddress? ShipAddress? ShipToAddress*~ PrintAs?:41 "
                    "Phone?:21 Mobile?:21 Pager?:21 AltPhone?:21 Fax?:21 Email?:1023 "
                    "Cc?:1023@12.0 Contact?:41 AltContact?:41 AdditionalContactRef*~ Contacts*~ "
                    "CustomerTypeRef?:159 TermsRef?:31 SalesRepRef?:5 OpenBalance? "
                    "OpenBalanceDate? SalesTaxCodeRef?:3 ItemSalesTaxRef?:31 "
                    "SalesTaxCountry?@6.0 ResaleNumber?:15 AccountNumber?:99 CreditLimit? "
                    "PreferredPaymentMethodRef?:31 CreditCardInfo?~ JobStatus? JobStartDate? "
                    "JobProjectedEndDate? JobEndDate? JobDesc?:99 JobTypeRef?:159 "
                    "Notes?:4095@3.0 AdditionalNotes*~ IsStatementWithParent? DeliveryMethod? "
                    "PreferredDeliveryMethod?@12.0 PriceLevelRef?:31 ExternalGUID?@8.0 "
                    "TaxRegistrationNumber?@8.0 CurrencyRef?:64@8.0"),
    "VendorAddRq": "VendorAdd! " + _TAIL,
    # Sales tax agencies are vendors; the simulator keeps vendors as names and references.
    "VendorAdd": ("Name!:41 IsActive? ClassRef?:159 CompanyName?:41 Salutation?:15 "
                  "FirstName?:25 MiddleName?:5 LastName?:25 JobTitle?:41@12.0 VendorAddress?~ "
                  "ShipAddress?~@12.0 Phone?:21 Mobile?:21 Pager?:21 AltPhone?:21 Fax?:21 "
                  "Email?:1023 Cc?:1023@12.0 Contact?:41 AltContact?:41 AdditionalContactRef*~ "
                  "Contacts*~ NameOnCheck?:41 AccountNumber?:99 Notes?:4095 AdditionalNotes*~ "
                  "VendorTypeRef?:159 TermsRef?:31 CreditLimit? VendorTaxIdent?:15 "
                  "IsVendorEligibleFor1099? OpenBalance? OpenBalanceDate? BillingRateRef?~ "
                  "ExternalGUID? SalesTaxCodeRef?:3 SalesTaxCountry? IsSalesTaxAgency? "
                  "SalesTaxReturnRef?~ TaxRegistrationNumber?:30 ReportingPeriod? "
                  "IsTaxTrackedOnPurchases? TaxOnPurchasesAccountRef?~ IsTaxTrackedOnSales? "
                  "TaxOnSalesAccountRef?~ IsTaxOnTax? PrefillAccountRef*~ CurrencyRef?:64@8.0"),
    "CustomerModRq": "CustomerMod! " + _TAIL,
    "CustomerMod": ("ListID!:36 EditSequence!:16 Name?:41 IsActive? ClassRef?:159 "
                    "ParentRef?:209 CompanyName?:41 Salutation?:15 FirstName?:25 MiddleName?:5 "
                    "LastName?:25 Suffix?:10 JobTitle?:41@12.0 BillAddress? ShipAddress? "
                    "ShipToAddress*~ PrintAs?:41 Phone?:21 Mobile?:21 Pager?:21 AltPhone?:21 "
                    "Fax?:21 Email?:1023 Cc?:1023@12.0 Contact?:41 AltContact?:41 "
                    "AdditionalContactRef*~ ContactsMod*~ CustomerTypeRef?:159 TermsRef?:31 "
                    "SalesRepRef?:5 SalesTaxCodeRef?:3 ItemSalesTaxRef?:31 SalesTaxCountry?@6.0 "
                    "ResaleNumber?:15 AccountNumber?:99 CreditLimit? "
                    "PreferredPaymentMethodRef?:31 CreditCardInfo?~ JobStatus? JobStartDate? "
                    "JobProjectedEndDate? JobEndDate? JobDesc?:99 JobTypeRef?:159 "
                    "Notes?:4095@3.0 AdditionalNotesMod*~ IsStatementWithParent? "
                    "DeliveryMethod? PreferredDeliveryMethod?@12.0 PriceLevelRef?:31 "
                    "TaxRegistrationNumber?@8.0 CurrencyRef?:64@8.0"),
    "ItemInventoryAddRq": "ItemInventoryAdd! " + _TAIL,
    "ItemInventoryAdd": (_ITEM_HEAD + " ManufacturerPartNumber?:31@7.0 UnitOfMeasureSetRef?:31 "
                         "IsTaxIncluded?@6.0 SalesTaxCodeRef?:3 SalesDesc?:4095 SalesPrice? "
                         "IncomeAccountRef?:159 PurchaseDesc?:4095 PurchaseCost? "
                         "PurchaseTaxCodeRef?:3 COGSAccountRef?:159 PrefVendorRef?:41 "
                         "AssetAccountRef?:159 ReorderPoint? Max?@13.0 QuantityOnHand? "
                         "TotalValue? InventoryDate? ExternalGUID?@8.0"),
    "ItemInventoryModRq": "ItemInventoryMod! " + _TAIL,
    "ItemInventoryMod": ("ListID!:36 EditSequence!:16 Name?:31 BarCode?~ IsActive? "
                         "ClassRef?:159 ParentRef?:159 ManufacturerPartNumber?:31@7.0 "
                         "UnitOfMeasureSetRef?:31 ForceUOMChange?@7.0 IsTaxIncluded?@6.0 "
                         "SalesTaxCodeRef?:3 SalesDesc?:4095 SalesPrice? IncomeAccountRef?:159 "
                         "ApplyIncomeAccountRefToExistingTxns?@7.0 PurchaseDesc?:4095 "
                         "PurchaseCost? PurchaseTaxCodeRef?:3 COGSAccountRef?:159 "
                         "ApplyCOGSAccountRefToExistingTxns?@8.0 PrefVendorRef?:41 "
                         "AssetAccountRef?:159 ReorderPoint? Max?@13.0"),
    "ItemNonInventoryAddRq": "ItemNonInventoryAdd! " + _TAIL,
    "ItemNonInventoryAdd": ("Name!:31 BarCode?~ IsActive? ParentRef?:159 ClassRef?:159 "
                            "ManufacturerPartNumber?:31@7.0 UnitOfMeasureSetRef?:31 "
                            "IsTaxIncluded?@6.0 SalesTaxCodeRef?:3 " + _SALES_OR_PURCHASE +
                            " ExternalGUID?@8.0"),
    "ItemServiceAddRq": "ItemServiceAdd! " + _TAIL,
    "ItemServiceAdd": (_ITEM_HEAD + " UnitOfMeasureSetRef?:31 IsTaxIncluded?@6.0 "
                       "SalesTaxCodeRef?:3 " + _SALES_OR_PURCHASE + " ExternalGUID?@8.0"),
    "ItemOtherChargeAddRq": "ItemOtherChargeAdd! " + _TAIL,
    "ItemOtherChargeAdd": (_ITEM_HEAD + " IsTaxIncluded?@6.0 SalesTaxCodeRef?:3 " +
                           _SALES_OR_PURCHASE + " ExternalGUID?@8.0"),
    "ItemDiscountAddRq": "ItemDiscountAdd! " + _TAIL,
    "ItemDiscountAdd": (_ITEM_HEAD + " ItemDesc?:4095 SalesTaxCodeRef?:3 "
                        "DiscountRate?|DiscountRatePercent? AccountRef?:159 ExternalGUID?@8.0"),
    "ItemGroupAddRq": "ItemGroupAdd! " + _TAIL,
    "ItemGroupAdd": ("Name!:31 BarCode?~ IsActive? ItemDesc?:4095 UnitOfMeasureSetRef?:31 "
                     "IsPrintItemsInGroup? ExternalGUID?@8.0 ItemGroupLine*"),
    "ItemSalesTaxAddRq": "ItemSalesTaxAdd! " + _TAIL,
    "ItemSalesTaxAdd": ("Name!:31 BarCode?~ IsActive? ClassRef?:159 ItemDesc?:4095 TaxRate? "
                        "TaxVendorRef?:41 SalesTaxReturnLineRef?:159 ExternalGUID?@8.0"),
    "AccountAddRq": "AccountAdd! " + _TAIL,
    "AccountAdd": ("Name!:31 IsActive? ParentRef?:159 AccountType! DetailAccountType? "
                   "AccountNumber?:7 BankNumber?:25 Desc?:200 OpenBalance? OpenBalanceDate? "
                   "SalesTaxCodeRef?:3 TaxLineID?@7.0 CurrencyRef?:64@8.0"),
    "ClassAddRq": "ClassAdd! " + _TAIL,
    "ClassAdd": "Name!:31 IsActive? ParentRef?:159",
    "PaymentMethodAddRq": "PaymentMethodAdd! " + _TAIL,
    "PaymentMethodAdd": "Name!:31 IsActive? PaymentMethodType?@8.0",
    # Transactions
    "InvoiceAddRq": "InvoiceAdd! " + _TAIL,
    "InvoiceAdd": (_SALES_HEAD.format(cust="!", ar="ARAccountRef?:159 ", middle="IsFinanceCharge?@8.0 ") +
                   "PONumber?:25 TermsRef?:31 DueDate? SalesRepRef?:5 FOB?:13 ShipDate? "
                   "ShipMethodRef?:15 ItemSalesTaxRef?:31 Memo?:4095 CustomerMsgRef?:101 "
                   "IsToBePrinted? IsToBeEmailed?@6.0 IsTaxIncluded?@6.0 "
                   "CustomerSalesTaxCodeRef?:3 Other?:29@6.0 ExchangeRate?@8.0 "
                   "ExternalGUID?@9.0 LinkToTxnID*@6.0 SetCredit* "
                   "(InvoiceLineAdd|InvoiceLineGroupAdd)* DiscountLineAdd?~ SalesTaxLineAdd?~ "
                   "ShippingLineAdd?~"),
    "InvoiceLineAdd": _SALES_LINE + "OptionForPriceRuleConflict?@13.0 " + _LINE_TAIL +
                      " LinkToTxn?~ DataExt*~",
    "InvoiceLineGroupAdd": _GROUP_LINE,
    "SalesReceiptAddRq": "SalesReceiptAdd! " + _TAIL,
    "SalesReceiptAdd": (_SALES_HEAD.format(cust="?", ar="", middle="") +
                        "CheckNumber?:25 PaymentMethodRef?:31 DueDate? SalesRepRef?:5 "
                        "ShipDate? ShipMethodRef?:15 FOB?:13 ItemSalesTaxRef?:31 Memo?:4095 "
                        "CustomerMsgRef?:101 IsToBePrinted? IsToBeEmailed?@6.0 "
                        "IsTaxIncluded?@6.0 CustomerSalesTaxCodeRef?:3 "
                        "DepositToAccountRef?:159 CreditCardTxnInfo?~ Other?:29@6.0 "
                        "ExchangeRate?@8.0 ExternalGUID?@9.0 "
                        "(SalesReceiptLineAdd|SalesReceiptLineGroupAdd)+ DiscountLineAdd?~ "
                        "SalesTaxLineAdd?~ ShippingLineAdd?~"),
    "SalesReceiptLineAdd": _SALES_LINE + "OptionForPriceRuleConflict?@13.0 " + _LINE_TAIL +
                           " CreditCardTxnInfo?~ DataExt*~",
    "SalesReceiptLineGroupAdd": _GROUP_LINE,
    "CreditMemoAddRq": "CreditMemoAdd! " + _TAIL,
    "CreditMemoAdd": (_SALES_HEAD.format(cust="!", ar="ARAccountRef?:159 ", middle="") +
                      "PONumber?:25 TermsRef?:31 DueDate? SalesRepRef?:5 FOB?:13 ShipDate? "
                      "ShipMethodRef?:15 ItemSalesTaxRef?:31 Memo?:4095 CustomerMsgRef?:101 "
                      "IsToBePrinted? IsToBeEmailed?@6.0 IsTaxIncluded?@6.0 "
                      "CustomerSalesTaxCodeRef?:3 Other?:29@6.0 ExchangeRate?@8.0 "
                      "ExternalGUID?@9.0 (CreditMemoLineAdd|CreditMemoLineGroupAdd)+ "
                      "DiscountLineAdd?~ SalesTaxLineAdd?~ ShippingLineAdd?~"),
    "CreditMemoLineAdd": _SALES_LINE + _LINE_TAIL + " CreditCardTxnInfo?~ DataExt*~",
    "CreditMemoLineGroupAdd": _GROUP_LINE,
    "ReceivePaymentAddRq": "ReceivePaymentAdd! " + _TAIL,
    "ReceivePaymentAdd": ("CustomerRef!:209 ARAccountRef?:159 TxnDate? RefNumber?:20 "
                          "TotalAmount? ExchangeRate?@8.0 PaymentMethodRef?:31 Memo?:4095 "
                          "DepositToAccountRef?:159 CreditCardTxnInfo?~ ExternalGUID?@9.0 "
                          "IsAutoApply?|AppliedToTxnAdd*"),
    "AppliedToTxnAdd": ("TxnID!:36 PaymentAmount? TxnLineDetail*~ SetCredit* DiscountAmount? "
                        "DiscountAccountRef?:159 DiscountClassRef?:159"),
    "InventoryAdjustmentAddRq": "InventoryAdjustmentAdd! " + _TAIL,
    "InventoryAdjustmentAdd": ("AccountRef!:159 TxnDate? RefNumber?:11 "
                               "InventorySiteRef?:31@10.0 CustomerRef?:209 ClassRef?:159 "
                               "Memo?:4095 ExternalGUID?@9.0 InventoryAdjustmentLineAdd*"),
    "InventoryAdjustmentLineAdd": ("ItemRef!:159 QuantityAdjustment?|ValueAdjustment?|"
                                   "SerialNumberAdjustment?~|LotNumberAdjustment?~"),
    "QuantityAdjustment": ("NewQuantity?|QuantityDifference? SerialNumber?:4095@11.0|"
                           "LotNumber?:40@11.0 InventorySiteLocationRef?:31@12.0"),
    # The XSDs give NewValue|ValueDifference maxOccurs="0": ValueAdjustment holds neither.
    "ValueAdjustment": "NewQuantity?|QuantityDifference?",
    "SetCredit": "CreditTxnID!:36 TxnLineID? AppliedAmount! Override?",
    "ARRefundCreditCardAddRq": "ARRefundCreditCardAdd! " + _TAIL,
    "ARRefundCreditCardAdd": ("CustomerRef!:209 RefundFromAccountRef?:159 ARAccountRef?:159 "
                              "TxnDate? RefNumber?:11 Address?~ PaymentMethodRef?:31 "
                              "Memo?:4095 CreditCardTxnInfo?~ ExchangeRate? ExternalGUID? "
                              "RefundAppliedToTxnAdd+"),
    "RefundAppliedToTxnAdd": "TxnID!:36 RefundAmount!",
    "CheckAddRq": "CheckAdd! " + _TAIL,
    "CheckAdd": ("AccountRef!:159 PayeeEntityRef?:209 RefNumber?:11 TxnDate? Memo?:4095 "
                 "Address?~ IsToBePrinted? IsTaxIncluded? SalesTaxCodeRef?:3 ExchangeRate? "
                 "ExternalGUID? ApplyCheckToTxnAdd* ExpenseLineAdd* "
                 "(ItemLineAdd|ItemGroupLineAdd~)*"),
    "ApplyCheckToTxnAdd": "TxnID!:36 Amount?",
    "ExpenseLineAdd": ("AccountRef?:159 Amount? Memo?:4095 CustomerRef?:209 ClassRef?:159 "
                       "SalesTaxCodeRef?:3 BillableStatus? SalesRepRef?:5 DataExt*~"),
    "ItemLineAdd": ("ItemRef?:159 InventorySiteRef?:31@10.0 InventorySiteLocationRef?:31@12.0 "
                    "SerialNumber?:4095|LotNumber?:40 Desc?:4095 Quantity? "
                    "UnitOfMeasure?:31 Cost? Amount? CustomerRef?:209 ClassRef?:159 "
                    "SalesTaxCodeRef?:3 BillableStatus? OverrideItemAccountRef?:159 "
                    "LinkToTxn?~ SalesRepRef?:5 DataExt*~"),
    "JournalEntryAddRq": "JournalEntryAdd! " + _TAIL,
    # Memo is QuickBooks Online Edition only (14.0 annotations: "not in QBD").
    "JournalEntryAdd": ("TxnDate? RefNumber?:11 IsAdjustment?@3.0 "
                        "( IsHomeCurrencyAdjustment?@8.0 / IsAmountsEnteredInHomeCurrency?@8.0 "
                        "CurrencyRef?:64@8.0 ExchangeRate?@8.0 ) "
                        "ExternalGUID?@9.0 (JournalDebitLine|JournalCreditLine)+"),
    "JournalDebitLine": _JOURNAL_LINE,
    "JournalCreditLine": _JOURNAL_LINE,
    "TransferInventoryAddRq": "TransferInventoryAdd! " + _TAIL,
    "TransferInventoryAdd": ("TxnDate? RefNumber?:11 FromInventorySiteRef!:31 "
                             "ToInventorySiteRef!:31 Memo?:4095 ExternalGUID? "
                             "TransferInventoryLineAdd+"),
    "TransferInventoryLineAdd": ("ItemRef!:159 FromInventorySiteLocationRef?:31@12.0 "
                                 "ToInventorySiteLocationRef?:31@12.0 QuantityToTransfer! "
                                 "SerialNumber?:4095|LotNumber?:40"),
    "InvoiceModRq": "InvoiceMod! IncludeRetElement*:50@4.0",
    "InvoiceMod": ("TxnID!:36 EditSequence!:16 " + _MOD_HEAD.format(ar="ARAccountRef?:159 ") +
                   "PONumber?:25 TermsRef?:31 DueDate? SalesRepRef?:5 FOB?:13 ShipDate? "
                   "ShipMethodRef?:15 ItemSalesTaxRef?:31 Memo?:4095 CustomerMsgRef?:101 "
                   "IsToBePrinted? IsToBeEmailed?@6.0 IsTaxIncluded?@6.0 "
                   "CustomerSalesTaxCodeRef?:3 Other?:29@6.0 ExchangeRate?@8.0 SetCredit* "
                   "(InvoiceLineMod|InvoiceLineGroupMod~)*"),
    "InvoiceLineMod": "TxnLineID!:36 " + _SALES_LINE + _LINE_TAIL,
    "SalesReceiptModRq": "SalesReceiptMod! IncludeRetElement*:50@4.0",
    "SalesReceiptMod": ("TxnID!:36 EditSequence!:16 " + _MOD_HEAD.format(ar="") +
                        "CheckNumber?:25 PaymentMethodRef?:31 DueDate? SalesRepRef?:5 "
                        "ShipDate? ShipMethodRef?:15 FOB?:13 ItemSalesTaxRef?:31 Memo?:4095 "
                        "CustomerMsgRef?:101 IsToBePrinted? IsToBeEmailed?@6.0 "
                        "IsTaxIncluded?@6.0 CustomerSalesTaxCodeRef?:3 "
                        "DepositToAccountRef?:159 Other?:29@6.0 ExchangeRate?@8.0 "
                        "(SalesReceiptLineMod|SalesReceiptLineGroupMod~)*"),
    "SalesReceiptLineMod": "TxnLineID!:36 " + _SALES_LINE + _LINE_TAIL,
    "CreditMemoModRq": "CreditMemoMod! IncludeRetElement*:50@4.0",
    "CreditMemoMod": ("TxnID!:36 EditSequence!:16 " + _MOD_HEAD.format(ar="ARAccountRef?:159 ") +
                      "PONumber?:25 TermsRef?:31 DueDate? SalesRepRef?:5 FOB?:13 ShipDate? "
                      "ShipMethodRef?:15 ItemSalesTaxRef?:31 Memo?:4095 CustomerMsgRef?:101 "
                      "IsToBePrinted? IsToBeEmailed?@6.0 IsTaxIncluded?@6.0 "
                      "CustomerSalesTaxCodeRef?:3 Other?:29@6.0 ExchangeRate?@8.0 "
                      "(CreditMemoLineMod|CreditMemoLineGroupMod~)*"),
    "CreditMemoLineMod": "TxnLineID!:36 " + _SALES_LINE + _LINE_TAIL,
    "ReceivePaymentModRq": "ReceivePaymentMod! IncludeRetElement*:50@4.0",
    "ReceivePaymentMod": ("TxnID!:36 EditSequence!:16 CustomerRef?:209 ARAccountRef?:159 "
                          "TxnDate? RefNumber?:20 TotalAmount? ExchangeRate?@8.0 "
                          "PaymentMethodRef?:31 Memo?:4095 DepositToAccountRef?:159 "
                          "CreditCardTxnInfoMod?~ AppliedToTxnMod*"),
    "AppliedToTxnMod": ("TxnID!:36 PaymentAmount? SetCredit* DiscountAmount? "
                        "DiscountAccountRef?:159 DiscountClassRef?:159"),
    "TxnDelRq": "TxnDelType! TxnID!:36",
    # TxnID, or the filters (RefNumbers among them); never both.
    "TransactionQueryRq": ("( TxnID+:36 / MaxReturned? RefNumber*:20|RefNumberCaseSensitive*|"
                           "RefNumberFilter?|RefNumberRangeFilter? "
                           "TransactionModifiedDateRangeFilter? TransactionDateRangeFilter? "
                           "TransactionEntityFilter? TransactionAccountFilter? "
                           "TransactionItemFilter? TransactionClassFilter? "
                           "TransactionTypeFilter? TransactionDetailLevelFilter? "
                           "TransactionPostingStatusFilter? TransactionPaidStatusFilter? "
                           "CurrencyFilter? ) IncludeRetElement*:50"),
    # ModifiedDateRange and TxnDateRange are XSD groups: their elements sit in the filter.
    "TransactionModifiedDateRangeFilter": "( FromModifiedDate? ToModifiedDate? / DateMacro? )",
    "TransactionDateRangeFilter": "( FromTxnDate? ToTxnDate? / DateMacro? )",
    "TransactionEntityFilter": "EntityTypeFilter!|" + _NAME_FILTER,
    "TransactionAccountFilter": "AccountTypeFilter!|" + _NAME_FILTER,
    "TransactionClassFilter": _NAME_FILTER,
    "TransactionTypeFilter": "TxnTypeFilter+",
    "TransactionItemFilter": "ItemTypeFilter!|" + _NAME_FILTER,
    "TxnDeletedQueryRq": "TxnDelType+ DeletedDateRangeFilter? IncludeRetElement*:50",
    "DeletedDateRangeFilter": "FromDeletedDate? ToDeletedDate?",
    "GeneralSummaryReportQueryRq": ("GeneralSummaryReportType! DisplayReport? "
                                    "ReportPeriod?|ReportDateMacro? ReportAccountFilter?~ "
                                    "ReportEntityFilter?~ ReportItemFilter?~ "
                                    "ReportClassFilter?~ ReportTxnTypeFilter?~ "
                                    "ReportModifiedDateRangeFilter?~|"
                                    "ReportModifiedDateRangeMacro? ReportDetailLevelFilter? "
                                    "ReportPostingStatusFilter? SummarizeColumnsBy? "
                                    "IncludeSubcolumns?~ ReportCalendar? ReturnRows? "
                                    "ReturnColumns? ReportBasis?"),
    "ReportPeriod": "FromReportDate? ToReportDate?",
    "TxnVoidRq": "TxnVoidType! TxnID!:36",
    # Queries
    "TotalBalanceFilter": "Operator! Amount!",
    "CustomerQueryRq": _list_query("TotalBalanceFilter? CurrencyFilter? ClassFilter?") + _TAIL,
    "ItemQueryRq": _list_query() + _TAIL,
    "VendorQueryRq": _list_query("TotalBalanceFilter? CurrencyFilter? ClassFilter?") + _TAIL,
    "AccountQueryRq": _list_query("AccountType* CurrencyFilter?") + _TAIL,
    "ClassQueryRq": _list_query() + _RETURN,
    "SalesTaxCodeQueryRq": _list_query() + _RETURN,
    "CurrencyQueryRq": _list_query(name=64) + "IncludeRetElement*:50@8.0",
    "PaymentMethodQueryRq": _list_query("PaymentMethodType*@8.0") + _RETURN,
    # No MaxReturned: InventorySiteQuery answers every site.
    "InventorySiteQueryRq": ("( ListID+:36 / FullName+:31 / ActiveStatus? FromModifiedDate? "
                             "ToModifiedDate? NameFilter?|NameRangeFilter? ) "
                             "IncludeRetElement*:50"),
    "ItemSitesQueryRq": ("( ListID*:36 / ItemTypeFilter?|ItemSiteFilter? ) MaxReturned? "
                         "ActiveStatus? IncludeRetElement*:50"),
    "InvoiceQueryRq": _txn_query("CurrencyFilter? PaidStatus?") +
                      "IncludeLineItems? IncludeLinkedTxns?@1.1 " + _TAIL,
    "SalesReceiptQueryRq": _txn_query() + "IncludeLineItems? " + _TAIL,
    "CreditMemoQueryRq": _txn_query() + "IncludeLineItems? IncludeLinkedTxns? " + _TAIL,
    "ReceivePaymentQueryRq": _txn_query() + "IncludeLineItems? " + _TAIL,
    "CheckQueryRq": _txn_query() + "IncludeLineItems? IncludeLinkedTxns? " + _TAIL,
    "ARRefundCreditCardQueryRq": _txn_query() + "IncludeLineItems? " + _TAIL,
    "InventoryAdjustmentQueryRq": _txn_query("", item="ItemFilter?", exact="") +
                                  "IncludeLineItems? " + _TAIL,
    "JournalEntryQueryRq": _txn_query() + "IncludeLineItems? " + _TAIL,
    # SiteFilter is a branch of its own, never with the ids or the other filters. The XSD's
    # EntityFilter and AccountFilter are not modelled here, so they are refused.
    "TransferInventoryQueryRq": ("( TxnID+:36 / RefNumber+:20 / RefNumberCaseSensitive+ / "
                                 "MaxReturned? ModifiedDateRangeFilter?|TxnDateRangeFilter? "
                                 "RefNumberFilter?|RefNumberRangeFilter? / SiteFilter? ) "
                                 "IncludeLineItems? IncludeRetElement*:50"),
}

for _kind in ("Inventory", "NonInventory", "Service", "OtherCharge", "Discount", "SalesTax"):
    GRAMMAR[f"Item{_kind}QueryRq"] = _list_query("ClassFilter?") + _TAIL
GRAMMAR["ItemGroupQueryRq"] = GRAMMAR["ItemQueryRq"]

# Requests the multi-location inventory feature brought (qbXML 10.0).
REQUEST_SINCE: dict[str, str] = {
    "CurrencyQueryRq": "8.0",  # multicurrency came with qbXML 8.0
    "InventorySiteQueryRq": "10.0",
    "ItemSitesQueryRq": "10.0",
    "TransferInventoryAddRq": "10.0",
}


@dataclass(frozen=True)
class Rule:
    """One child position of an aggregate; ``branch`` is ``(choice, branch)`` for a token
    inside a choice between groups, the same choice number for every branch of it;
    ``interleaved`` for an alternative of a repeating choice (its alternatives may follow
    one another in any order)."""

    name: str
    position: int
    required: bool
    repeat: bool
    opaque: bool
    max_length: int | None
    since: str | None
    branch: tuple[int, int] | None = None
    interleaved: bool = False


def _parse_token(token: str, position: int, branch: tuple[int, int] | None,
                 group_flag: str | None = None) -> Rule:
    """One token; ``group_flag`` is the flag after a repeating choice's parentheses, which
    the alternative inside takes as its own (``~`` stays the alternative's)."""
    head, _, since = token.partition("@")
    head, _, length = head.partition(":")
    name = head.rstrip("!?*+~")
    flags = head[len(name):] or "!"
    if group_flag is not None:
        flags = group_flag + ("~" if "~" in flags else "")
    return Rule(name, position, "!" in flags or "+" in flags, "*" in flags or "+" in flags,
                "~" in flags, int(length) if length else None, since or None, branch,
                group_flag is not None)


def _alternatives(word: str) -> tuple[list[str], str | None]:
    """The alternatives of ``word`` and, for a repeating choice ``(A|B)*``, its flag."""
    if not word.startswith("("):
        return word.split("|"), None
    inner, closing, flag = word[1:].partition(")")
    if not closing or flag not in ("*", "+"):
        raise ValueError(f"{word!r}: a repeating choice ends in ')*' or ')+'")
    return inner.split("|"), flag


@cache
def rules_for(aggregate: str) -> dict[str, Rule] | None:
    """The child rules of ``aggregate`` by name, or ``None`` when it has no entry."""
    line = GRAMMAR.get(aggregate)
    if line is None:
        return None
    rules: dict[str, Rule] = {}
    choices, branch, position = 0, None, 0
    for word in line.split():
        if word == "(" and branch is None:
            branch = (choices, 0)
        elif word == "/" and branch is not None:
            branch = (choices, branch[1] + 1)
        elif word == ")" and branch is not None:
            choices, branch = choices + 1, None
        else:
            if word in "(/)":
                raise ValueError(f"{aggregate}: {word!r} out of place")
            tokens, group_flag = _alternatives(word)
            for token in tokens:
                rule = _parse_token(token, position, branch, group_flag)
                rules[rule.name] = rule
            position += 1
    return rules


def supported_requests() -> frozenset[str]:
    return frozenset(name for name in GRAMMAR if name.endswith("Rq"))
