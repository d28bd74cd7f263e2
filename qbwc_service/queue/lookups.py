"""Queries sent in place of a request to learn what QuickBooks already holds.

Four reasons: an Add whose outcome is unknown (QuickBooks kept no recovery state),
an Add refused with 3100 (name in use), a Mod refused with 3200 (stale EditSequence),
and a person's decision that the record already in QuickBooks under the request's name
is the one the request stands for (link it instead of adding another).
The query carries the request's own requestID, so its answer routes back to it.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from qbwc_service.db.records import RequestLike
from qbwc_service.qbxml.values import clean_text
from qbwc_service.qbxml.xmlsafe import parse_xml

__all__ = [
    "LINK_BY_NAME",
    "NAME_IN_USE",
    "STALE_EDIT_SEQUENCE",
    "UNKNOWN_OUTCOME",
    "identity_matches",
    "lookup_element",
    "lookup_possible",
    "request_field",
]

UNKNOWN_OUTCOME = "unknown_outcome"
NAME_IN_USE = "name_in_use"
STALE_EDIT_SEQUENCE = "stale_edit_sequence"
LINK_BY_NAME = "link_by_name"

_ITEM_ADDS = (
    "ItemInventoryAdd", "ItemNonInventoryAdd", "ItemServiceAdd", "ItemOtherChargeAdd",
    "ItemDiscountAdd", "ItemGroupAdd", "ItemInventoryAssemblyAdd", "ItemSalesTaxAdd",
)
# Add operation -> (query operation, query filter element, identifying payload element)
_BY_NAME: dict[str, tuple[str, str, str]] = {
    "CustomerAdd": ("CustomerQuery", "FullName", "Name"),
    "VendorAdd": ("VendorQuery", "FullName", "Name"),
    **{operation: ("ItemQuery", "FullName", "Name") for operation in _ITEM_ADDS},
}
# Refunds carry their credit memo's RefNumber and a memo naming it, so a lost answer to
# one is found (ARRefundCreditCardQuery, CheckQuery) before the money is sent again.
_BY_REF_NUMBER = (
    "InvoiceAdd", "SalesReceiptAdd", "CreditMemoAdd", "ReceivePaymentAdd", "SalesOrderAdd",
    "InventoryAdjustmentAdd", "TransferInventoryAdd", "ARRefundCreditCardAdd", "CheckAdd",
    "JournalEntryAdd",
)


def request_field(request: RequestLike, name: str) -> str | None:
    """A top-level element of the request: from the payload, else from the ready body."""
    value = (request.payload or {}).get(name)
    if isinstance(value, dict):
        value = value.get("FullName")
    if value not in (None, ""):
        return str(value)
    if request.body_xml:
        aggregate = parse_xml(request.body_xml).find(request.operation)
        found = None if aggregate is None else aggregate.find(name)
        if found is not None and len(found):
            found = found.find("FullName")
        if found is not None and found.text:
            return str(found.text)
    return None


def _query_for(request: RequestLike, reason: str) -> tuple[str, str, str] | None:
    """(query operation, filter element, value) or None when no lookup is possible."""
    operation = request.operation
    if reason == STALE_EDIT_SEQUENCE:
        if not operation.endswith("Mod"):
            return None
        entity = operation[: -len("Mod")]
        query = "ItemQuery" if entity.startswith("Item") else f"{entity}Query"
        for id_field in ("TxnID", "ListID"):
            value = request_field(request, id_field) or (
                request.qb_id if id_field == "ListID" and request.qb_id else None
            )
            if value:
                return query, id_field, value
        return None
    if operation in _BY_NAME:
        query, filter_element, field = _BY_NAME[operation]
        name = request_field(request, field)
        if not name:
            return None
        parent = request_field(request, "ParentRef")
        return query, filter_element, f"{parent}:{name}" if parent else name
    if operation in _BY_REF_NUMBER:
        ref_number = request_field(request, "RefNumber")
        if not ref_number:
            return None
        return operation[: -len("Add")] + "Query", "RefNumber", ref_number
    return None


def lookup_possible(request: RequestLike, reason: str) -> bool:
    return _query_for(request, reason) is not None


def lookup_element(request: RequestLike, reason: str) -> str:
    """The ``<XxxQueryRq requestID="…">`` element for the request's lookup."""
    found = _query_for(request, reason)
    if found is None:
        raise ValueError(f"{request.operation} carries nothing to look it up by")
    query, filter_element, value = found
    element = etree.Element(f"{query}Rq", requestID=str(request.id))
    # The Add sent the value as QuickBooks can store it (non-Latin-1 transliterated);
    # the look-up must search for that same text.
    etree.SubElement(element, filter_element).text = clean_text(value)
    return str(etree.tostring(element, encoding="unicode"))


def _ret_texts(ret: Any) -> list[str]:
    fields = getattr(ret, "fields", None) or {}
    texts = [str(fields.get(name) or "") for name in ("Memo", "Notes", "ExternalGUID")]
    texts += [str(getattr(ret, name, None) or "") for name in ("name", "full_name", "ref_number")]
    return [text for text in texts if text]


def identity_matches(request: RequestLike, ret: Any) -> bool:
    """True when the record QuickBooks holds was made from this request's Magento document
    (or a person chose to link the record of that name)."""
    if request.lookup_reason == LINK_BY_NAME:
        name = request_field(request, "Name")
        parent = request_field(request, "ParentRef")
        wanted = f"{parent}:{name}" if parent and name else name
        return bool(wanted) and wanted in (getattr(ret, "full_name", None), getattr(ret, "name", None))
    external_guid = request_field(request, "ExternalGUID")
    fields = getattr(ret, "fields", None) or {}
    held_guid = str(fields.get("ExternalGUID") or "").strip("{}").lower()
    if external_guid and held_guid:
        # Both carry one: the record is ours exactly when they are the same (a currency
        # rounding entry shares its RefNumber with its document's, and an invoice's and a
        # credit memo's entries can share one).
        return held_guid == external_guid.strip("{}").lower()
    if (request.magento_id or "").startswith("@"):
        # Items the mapping config names (shipping, discounts, the zero-rate tax item):
        # the configured name of the configured type is their identity, so one the
        # merchant made by hand is linked rather than refused.
        name = request_field(request, "Name")
        same_type = getattr(ret, "type", "").removesuffix("Ret") == request.operation.removesuffix("Add")
        return bool(name) and same_type and name in (getattr(ret, "name", None), getattr(ret, "full_name", None))
    reference = (request.magento_ref or "").strip()
    if not reference:
        return False
    return any(reference in text for text in _ret_texts(ret))
