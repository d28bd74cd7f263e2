"""Whole-stream checks: what makes QuickBooks answer HRESULT 0x80040400 instead of a response.

With an XSD folder the message set is validated against the schema for its declared
version (13.0 or 16.0); without one the built-in grammar checks names, order, required
children and lengths. Version gates and the ISO-8859-1 repertoire are checked either way,
because the XSD checks neither.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from lxml import etree

from qbwc_service.qbxml.xmlsafe import XMLSyntaxError, parse_xml
from qbwc_service.sandbox.quickbooks.exceptions import (
    HRESULT_PARSE_ERROR,
    PARSE_ERROR_MESSAGE,
    QbHresultError,
)
from qbwc_service.sandbox.quickbooks.grammar import (
    REQUEST_SINCE,
    Rule,
    rules_for,
    supported_requests,
)
from qbwc_service.sandbox.quickbooks.known import QBXML_REQUESTS
from qbwc_service.sandbox.quickbooks.releases import Release, parse_version

__all__ = ["ITERATOR_QUERIES", "MessageSet", "read_message_set", "xsd_for"]

ON_ERROR = ("stopOnError", "continueOnError")
ITERATOR_QUERIES = frozenset({
    "CustomerQueryRq", "ItemQueryRq", "InvoiceQueryRq", "SalesReceiptQueryRq",
    "CreditMemoQueryRq", "ReceivePaymentQueryRq", "ItemSitesQueryRq", "TransactionQueryRq",
    "CheckQueryRq", "ARRefundCreditCardQueryRq",
    "InventoryAdjustmentQueryRq", "TransferInventoryQueryRq", "JournalEntryQueryRq",
    *(f"Item{kind}QueryRq" for kind in ("Inventory", "NonInventory", "Service", "OtherCharge",
                                        "Discount", "Group", "SalesTax")),
})
_XSD_FILES = {(13, 0): ("13.0", "qbxmlops130.xsd"), (16, 0): ("16.0", "qbxmlops160.xsd")}


@dataclass(frozen=True)
class MessageSet:
    """A request message set that passed the whole-stream checks."""

    version: tuple[int, int]
    on_error: str
    new_message_set_id: str | None
    old_message_set_id: str | None
    requests: list[etree._Element]
    response_data: str = "includeAll"


def _refuse(detail: str) -> QbHresultError:
    return QbHresultError(HRESULT_PARSE_ERROR, PARSE_ERROR_MESSAGE, detail)


@lru_cache(maxsize=4)
def _schema(path: Path) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(path)))


def xsd_for(xsd_dir: Path | None, version: tuple[int, int]) -> Path | None:
    """The schema file that covers ``version``: 13.0 for ≤13.0, else 16.0; ``None`` if absent."""
    if xsd_dir is None:
        return None
    for schema_version in sorted(_XSD_FILES):
        if version <= schema_version:
            folder, name = _XSD_FILES[schema_version]
            path = xsd_dir / folder / name
            if path.is_file():
                return path
    return None


def _declared_version(root: etree._Element) -> tuple[int, int]:
    node = root.getprevious()
    while node is not None:
        if isinstance(node, etree._ProcessingInstruction) and node.target == "qbxml":
            text = node.get("version") or ""
            try:
                return parse_version(text)
            except ValueError:
                raise _refuse(f"qbxml version {text!r} is not a version") from None
        node = node.getprevious()
    raise _refuse("the <?qbxml version=...?> processing instruction is missing")


def read_message_set(text: str, release: Release, xsd_dir: Path | None) -> MessageSet:
    """Parse and check one request message set; raises ``QbHresultError`` on refusal."""
    bad = next((ch for ch in text if ord(ch) > 0xFF), None)
    if bad is not None:
        raise _refuse(f"character U+{ord(bad):04X} is outside ISO-8859-1")
    try:
        root = parse_xml(text)
    except XMLSyntaxError as exc:
        raise _refuse(str(exc)) from None
    version = _declared_version(root)
    # QuickBooks ignores comments, even inside a value ("Ada <!-- x -->Lovelace" is one name).
    etree.strip_tags(root, etree.Comment)
    if version > release.max_version:
        raise _refuse(f"qbXML {version[0]}.{version[1]} is newer than this QuickBooks supports "
                      f"({release.max_version_text})")
    msgs = root.find("QBXMLMsgsRq")
    # Comments and processing instructions are not content: QuickBooks ignores them.
    if root.tag != "QBXML" or msgs is None or len(_elements(root)) != 1:
        raise _refuse("the root must be QBXML holding one QBXMLMsgsRq")
    schema_path = xsd_for(xsd_dir, version)
    if schema_path is not None:
        schema = _schema(schema_path)
        if not schema.validate(etree.ElementTree(root)):
            raise _refuse(str(schema.error_log.last_error.message))
    on_error = msgs.get("onError")
    if on_error not in ON_ERROR:
        raise _refuse(f"onError={on_error!r} is not accepted (stopOnError or continueOnError)")
    requests = _elements(msgs)
    strict = schema_path is None
    for request in requests:
        _check_request(request, version, strict)
    return MessageSet(version, on_error, msgs.get("newMessageSetID"),
                      msgs.get("oldMessageSetID"), requests,
                      msgs.get("responseData") or "includeAll")


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [child for child in parent if isinstance(child.tag, str)]


def _check_request(request: etree._Element, version: tuple[int, int], strict: bool) -> None:
    tag = str(request.tag)
    since = REQUEST_SINCE.get(tag)
    if since and version < parse_version(since):
        raise _refuse(f"{tag} requires qbXML {since}")
    if tag not in supported_requests():
        if strict and tag not in QBXML_REQUESTS:
            raise _refuse(f"Element '{tag}': This element is not expected.")
        return
    if strict and request.get("iterator") is not None and tag not in ITERATOR_QUERIES:
        raise _refuse(f"{tag} does not accept the iterator attribute")
    _check_children(request, tag, version, strict)


def _ref_rules(max_length: int | None) -> dict[str, Rule]:
    return {"ListID": Rule("ListID", 0, False, False, False, 36, None),
            "FullName": Rule("FullName", 0, False, False, False, max_length, None)}


def _check_children(element: etree._Element, grammar_name: str, version: tuple[int, int],
                    strict: bool, ref_length: int | None = None) -> None:
    rules = rules_for(grammar_name)
    if rules is None and grammar_name.endswith("Ref"):
        rules = _ref_rules(ref_length)
    if rules is None:
        children = _elements(element)
        if strict and children:
            raise _refuse(f"Element '{children[0].tag}': This element is not expected.")
        return
    last: Rule | None = None
    seen: set[str] = set()
    taken: dict[int, int] = {}
    for child in element:
        if not isinstance(child.tag, str):
            continue
        tag = str(child.tag)
        rule = rules.get(tag)
        if rule is None:
            if strict:
                raise _refuse(f"Element '{tag}': This element is not expected.")
            continue
        if rule.since and version < parse_version(rule.since):
            raise _refuse(f"Element '{tag}' requires qbXML {rule.since}; the message set "
                          f"declares {version[0]}.{version[1]}")
        if strict:
            _check_branch(tag, rule, taken)
            _check_position(tag, rule, last, seen)
            if rule.max_length is not None and not _elements(child):
                value = child.text or ""
                if len(value) > rule.max_length:
                    raise _refuse(f"Element '{tag}': [facet 'maxLength'] The value has a length "
                                  f"of '{len(value)}'; this exceeds the allowed maximum length "
                                  f"of '{rule.max_length}'.")
        seen.add(tag)
        last = rule
        if not rule.opaque:
            _check_children(child, tag, version, strict, rule.max_length)
    if strict:
        for rule in rules.values():
            if rule.required and rule.name not in seen and _in_play(rule, taken) \
                    and not _choice_met(rule, rules, seen):
                raise _refuse(f"Element '{element.tag}': Missing child element '{rule.name}'.")


def _choice_met(rule: Rule, rules: dict[str, Rule], seen: set[str]) -> bool:
    return any(other.position == rule.position and other.name in seen
               for other in rules.values())


def _check_branch(tag: str, rule: Rule, taken: dict[int, int]) -> None:
    """Children of a choice between groups come from the branch its first child took."""
    if rule.branch is None:
        return
    choice, branch = rule.branch
    if taken.setdefault(choice, branch) != branch:
        raise _refuse(f"Element '{tag}': This element is not expected.")


def _in_play(rule: Rule, taken: dict[int, int]) -> bool:
    """Whether ``rule`` applies: outside any choice between groups, or in the branch taken."""
    return rule.branch is None or taken.get(rule.branch[0]) == rule.branch[1]


def _check_position(tag: str, rule: Rule, last: Rule | None, seen: set[str]) -> None:
    """Schema order; at one position, the same element again only if it repeats, another
    alternative of the choice only if the choice itself repeats (``(A|B)*``): ``ListID``
    then ``FullName`` in a filter is refused, as the XSD refuses it."""
    if last is None:
        return
    if rule.position < last.position:
        raise _refuse(f"Element '{tag}': This element is not expected (out of schema order).")
    if rule.position == last.position:
        allowed = rule.repeat if rule.name == last.name else rule.interleaved
        if not allowed:
            raise _refuse(f"Element '{tag}': This element is not expected.")
    elif tag in seen:
        raise _refuse(f"Element '{tag}': This element is not expected.")
