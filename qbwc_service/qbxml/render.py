"""Render and check qbXML requests from context dicts, in schema order.

One pass does both: every value is formatted by ``values``, escaped on output, checked
against the order table (unknown, required, only-one-of, lengths, enumerations) and
gated by the negotiated qbXML version. ``render_request`` raises
``QbxmlValidationError`` listing every problem; ``validate_request`` returns them.

Empty strings and ``None`` mean "not given": an empty element would clear a field in
QuickBooks, which this connector never intends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from qbwc_service.qbxml.exceptions import Problem, QbxmlValidationError
from qbwc_service.qbxml.schema import ElementSpec, operation_spec, version_tuple
from qbwc_service.qbxml.templates import TemplateNode, TemplateSet, load_templates
from qbwc_service.qbxml.writer import RequestWriter, escape_attribute

__all__ = [
    "ITERABLE_QUERIES",
    "MAX_MESSAGE_SET_ID",
    "MAX_REQUEST_ID",
    "render_message_set",
    "render_request",
    "shorten_name",
    "validate_request",
]

MAX_REQUEST_ID = 50  # longer gives status 1060; the XSD does not check it
MAX_MESSAGE_SET_ID = 23

_ITERATOR_VALUES = ("Start", "Continue", "Stop")
_ON_ERROR = ("stopOnError", "continueOnError")


# Queries that accept iterator="Start" (qbXML ops 14.0 sample data; not Account, Class,
# Terms, InventorySite and the other small lists).
ITERABLE_QUERIES = frozenset({
    "CustomerQuery", "VendorQuery", "EmployeeQuery", "OtherNameQuery", "EntityQuery",
    "ItemQuery", "ItemInventoryQuery", "ItemNonInventoryQuery", "ItemServiceQuery",
    "ItemOtherChargeQuery", "ItemDiscountQuery", "ItemGroupQuery", "ItemInventoryAssemblyQuery",
    "ItemSalesTaxQuery", "ItemSitesQuery", "InvoiceQuery", "SalesReceiptQuery",
    "CreditMemoQuery", "ReceivePaymentQuery", "SalesOrderQuery", "EstimateQuery",
    "InventoryAdjustmentQuery", "TransferInventoryQuery", "TransactionQuery", "BillQuery",
    "CheckQuery", "DepositQuery", "JournalEntryQuery", "PurchaseOrderQuery",
})


def shorten_name(value: str, max_len: int) -> str:
    """``value`` cut to ``max_len`` as a stable prefix plus a 6-hex hash of the whole.

    The same input always gives the same name, and two long values sharing a prefix get
    different names. Keep the full value elsewhere (description, memo, mapping table).
    """
    if len(value) <= max_len:
        return value
    digest = hashlib.sha256(value.encode("utf-8")).hexdigest()[:6]
    if max_len <= 7:
        return digest[:max_len]
    return value[: max_len - 7].rstrip() + "~" + digest


def _render(
    operation: str,
    context: Mapping[str, Any],
    *,
    version: str,
    request_id: str,
    iterator: str | None,
    iterator_id: str | None,
    country: str,
    transliterate: bool,
    templates: TemplateSet | None,
) -> tuple[str, list[Problem]]:
    spec = operation_spec(operation)
    template = (templates or load_templates()).get(spec)
    renderer = RequestWriter(operation, version, country, transliterate)
    if spec.since is not None and spec.since > renderer.version:
        renderer.problem(
            operation,
            f"{operation} needs qbXML {'.'.join(map(str, spec.since))}; this QuickBooks speaks only {version}",
        )
    if spec.not_in and renderer.edition in spec.not_in:
        renderer.problem(
            operation,
            f"{operation} is not available in this edition of QuickBooks ({renderer.edition}; US Desktop only)"
            if "QBCA" in spec.not_in
            else f"{operation} is not available in this edition of QuickBooks ({renderer.edition})",
        )
    if len(request_id) > MAX_REQUEST_ID:
        renderer.problem(
            "requestID",
            f"requestID is {len(request_id)} characters; QuickBooks allows {MAX_REQUEST_ID}",
        )
    attributes = f' requestID="{escape_attribute(request_id)}"'
    if iterator is not None:
        if "iterator" not in spec.attributes:
            renderer.problem("iterator", f"{operation} does not support iterators")
        elif iterator not in _ITERATOR_VALUES:
            renderer.problem(
                "iterator", f"iterator must be Start, Continue or Stop, not {iterator!r}"
            )
        elif iterator != "Start" and not iterator_id:
            renderer.problem(
                "iteratorID", f"iterator {iterator} needs the iteratorID QuickBooks returned"
            )
        attributes += f' iterator="{iterator}"'
        if iterator_id and iterator != "Start":
            attributes += f' iteratorID="{escape_attribute(iterator_id)}"'
    out = renderer.out
    out.append(f"<{operation}Rq{attributes}>")
    if spec.wrapped:
        body = {k: v for k, v in context.items() if k not in spec.rq.children}
        outer = {k: v for k, v in context.items() if k in spec.rq.children}
        out.append(f"<{operation}>")
        renderer.aggregate(spec.body, template, body, operation)
        out.append(f"</{operation}>")
        if outer:
            renderer.aggregate(
                spec.rq,
                _outer_template(template, spec.rq),
                outer,
                f"{operation}Rq",
                check_content=False,
            )
    else:
        renderer.aggregate(spec.rq, template, context, operation)
    out.append(f"</{operation}Rq>")
    return "".join(out), renderer.problems


def _outer_template(template: TemplateNode, rq: ElementSpec) -> TemplateNode:
    return TemplateNode({k: v for k, v in template.children.items() if k in rq.children}, {})


def render_request(
    operation: str,
    context: Mapping[str, Any],
    *,
    version: str,
    request_id: str,
    iterator: str | None = None,
    iterator_id: str | None = None,
    country: str = "US",
    transliterate: bool = True,
    templates: TemplateSet | None = None,
) -> str:
    """The ``<{operation}Rq requestID=…>`` element, or ``QbxmlValidationError``."""
    text, problems = _render(
        operation, context, version=version, request_id=request_id, iterator=iterator,
        iterator_id=iterator_id, country=country, transliterate=transliterate,
        templates=templates,
    )  # fmt: skip
    if problems:
        raise QbxmlValidationError(problems)
    return text


def validate_request(
    operation: str,
    context: Mapping[str, Any],
    *,
    version: str,
    country: str = "US",
    transliterate: bool = True,
    templates: TemplateSet | None = None,
) -> list[Problem]:
    """Every reason ``render_request`` would refuse this request (empty when it is fine)."""
    _, problems = _render(
        operation, context, version=version, request_id="0", iterator=None, iterator_id=None,
        country=country, transliterate=transliterate, templates=templates,
    )  # fmt: skip
    return problems


def render_message_set(
    request_elements: list[str],
    *,
    version: str,
    on_error: str = "continueOnError",
    new_message_set_id: str | None = None,
    old_message_set_id: str | None = None,
) -> str:
    """The whole qbXML document around already-rendered request elements.

    With only ``old_message_set_id`` and no requests this is the error-recovery status
    check or clear (qbXML error recovery); ``rollbackOnError`` is refused because
    QuickBooks rejects it despite the schema.
    """
    problems: list[Problem] = []
    if on_error not in _ON_ERROR:
        problems.append(
            Problem("onError", f"onError must be stopOnError or continueOnError, not {on_error!r}")
        )
    for label, value in (
        ("newMessageSetID", new_message_set_id),
        ("oldMessageSetID", old_message_set_id),
    ):
        if value is not None and not 0 < len(value) <= MAX_MESSAGE_SET_ID:
            problems.append(Problem(label, f"{label} must be 1 to {MAX_MESSAGE_SET_ID} characters"))
    if not version_tuple(version):
        problems.append(Problem("version", f"{version!r} is not a qbXML version"))
    if problems:
        raise QbxmlValidationError(problems)
    attributes = f'onError="{on_error}"'
    if old_message_set_id is not None:
        attributes += f' oldMessageSetID="{escape_attribute(old_message_set_id)}"'
    if new_message_set_id is not None:
        attributes += f' newMessageSetID="{escape_attribute(new_message_set_id)}"'
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f'<?qbxml version="{escape_attribute(version)}"?>\n'
        f"<QBXML><QBXMLMsgsRq {attributes}>"
        + "".join(request_elements)
        + "</QBXMLMsgsRq></QBXML>\n"
    )
