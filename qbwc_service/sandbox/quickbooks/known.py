"""Every request qbXML 13.0 defines (the ``*Rq`` elements of qbxmlops130.xsd), by name.

The simulator models only some of them (``grammar.supported_requests``). The others are
still valid qbXML: without an XSD folder the stream check accepts them by name (their content
is not checked), and each is answered with a per-request status saying it is not modelled,
the same answer as with an XSD folder. Names are written without the ``Rq`` suffix.
"""

from __future__ import annotations

__all__ = ["QBXML_REQUESTS"]

_NAMES = """
    ARRefundCreditCardAdd ARRefundCreditCardQuery AccountAdd AccountMod AccountQuery
    AccountTaxLineInfoQuery AgingReportQuery BarCodeQuery BillAdd BillMod
    BillPaymentCheckAdd BillPaymentCheckMod BillPaymentCheckQuery
    BillPaymentCreditCardAdd BillPaymentCreditCardQuery BillQuery BillToPayQuery
    BillingRateAdd BillingRateQuery BudgetSummaryReportQuery BuildAssemblyAdd
    BuildAssemblyMod BuildAssemblyQuery ChargeAdd ChargeMod ChargeQuery CheckAdd
    CheckMod CheckQuery ClassAdd ClassMod ClassQuery ClearedStatusMod
    CompanyActivityQuery CompanyQuery CreditCardChargeAdd CreditCardChargeMod
    CreditCardChargeQuery CreditCardCreditAdd CreditCardCreditMod CreditCardCreditQuery
    CreditMemoAdd CreditMemoMod CreditMemoQuery CurrencyAdd CurrencyMod CurrencyQuery
    CustomDetailReportQuery CustomSummaryReportQuery CustomerAdd CustomerMod
    CustomerMsgAdd CustomerMsgQuery CustomerQuery CustomerTypeAdd CustomerTypeQuery
    DataEventRecoveryInfoDel DataEventRecoveryInfoQuery DataEventSubscriptionAdd
    DataEventSubscriptionQuery DataExtAdd DataExtDefAdd DataExtDefDel DataExtDefMod
    DataExtDefQuery DataExtDel DataExtMod DateDrivenTermsAdd DateDrivenTermsQuery
    DepositAdd DepositMod DepositQuery EmployeeAdd EmployeeMod EmployeeQuery EntityQuery
    EstimateAdd EstimateMod EstimateQuery GeneralDetailReportQuery
    GeneralSummaryReportQuery HostQuery InventoryAdjustmentAdd InventoryAdjustmentMod
    InventoryAdjustmentQuery InventorySiteAdd InventorySiteMod InventorySiteQuery
    InvoiceAdd InvoiceMod InvoiceQuery ItemAssembliesCanBuildQuery ItemDiscountAdd
    ItemDiscountMod ItemDiscountQuery ItemFixedAssetAdd ItemFixedAssetMod
    ItemFixedAssetQuery ItemGroupAdd ItemGroupMod ItemGroupQuery ItemInventoryAdd
    ItemInventoryAssemblyAdd ItemInventoryAssemblyMod ItemInventoryAssemblyQuery
    ItemInventoryMod ItemInventoryQuery ItemNonInventoryAdd ItemNonInventoryMod
    ItemNonInventoryQuery ItemOtherChargeAdd ItemOtherChargeMod ItemOtherChargeQuery
    ItemPaymentAdd ItemPaymentMod ItemPaymentQuery ItemQuery ItemReceiptAdd
    ItemReceiptMod ItemReceiptQuery ItemSalesTaxAdd ItemSalesTaxGroupAdd
    ItemSalesTaxGroupMod ItemSalesTaxGroupQuery ItemSalesTaxMod ItemSalesTaxQuery
    ItemServiceAdd ItemServiceMod ItemServiceQuery ItemSitesQuery ItemSubtotalAdd
    ItemSubtotalMod ItemSubtotalQuery JobReportQuery JobTypeAdd JobTypeQuery
    JournalEntryAdd JournalEntryMod JournalEntryQuery LeadAdd LeadMod LeadQuery ListDel
    ListDeletedQuery ListDisplayAdd ListDisplayMod ListMerge OtherNameAdd OtherNameMod
    OtherNameQuery PaymentMethodAdd PaymentMethodQuery PayrollDetailReportQuery
    PayrollItemNonWageQuery PayrollItemWageAdd PayrollItemWageQuery
    PayrollLastPeriodQuery PayrollSummaryReportQuery PreferencesQuery PriceLevelAdd
    PriceLevelMod PriceLevelQuery PurchaseOrderAdd PurchaseOrderMod PurchaseOrderQuery
    ReceivePaymentAdd ReceivePaymentMod ReceivePaymentQuery ReceivePaymentToDepositQuery
    SalesOrderAdd SalesOrderMod SalesOrderQuery SalesReceiptAdd SalesReceiptMod
    SalesReceiptQuery SalesRepAdd SalesRepMod SalesRepQuery SalesTaxCodeAdd
    SalesTaxCodeMod SalesTaxCodeQuery SalesTaxPayableQuery SalesTaxPaymentCheckAdd
    SalesTaxPaymentCheckMod SalesTaxPaymentCheckQuery SalesTaxReturnLineQuery
    SalesTaxReturnQuery ShipMethodAdd ShipMethodQuery SpecialAccountAdd SpecialItemAdd
    StandardTermsAdd StandardTermsQuery SubscriptionDel TemplateQuery TermsQuery
    TimeReportQuery TimeTrackingAdd TimeTrackingMod TimeTrackingQuery ToDoAdd ToDoMod
    ToDoQuery TransactionQuery TransferAdd TransferInventoryAdd TransferInventoryMod
    TransferInventoryQuery TransferMod TransferQuery TxnDel TxnDeletedQuery
    TxnDisplayAdd TxnDisplayMod TxnVoid UIEventSubscriptionAdd UIEventSubscriptionQuery
    UIExtensionSubscriptionAdd UIExtensionSubscriptionQuery UnitOfMeasureSetAdd
    UnitOfMeasureSetQuery VehicleAdd VehicleMileageAdd VehicleMileageQuery VehicleMod
    VehicleQuery VendorAdd VendorCreditAdd VendorCreditMod VendorCreditQuery VendorMod
    VendorQuery VendorTypeAdd VendorTypeQuery WorkersCompCodeAdd WorkersCompCodeMod
    WorkersCompCodeQuery
"""

QBXML_REQUESTS: frozenset[str] = frozenset(f"{name}Rq" for name in _NAMES.split())
