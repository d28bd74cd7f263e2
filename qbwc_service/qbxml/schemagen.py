"""Derive the committed element-order table from Intuit's qbXML XSD and annotated sample.

Run by hand when adding a request type (the schemas are not part of the project)::

    python -m qbwc_service.qbxml.schemagen REFERENCE_QBXML_DIR  (the folder with xsd/13.0 and the 14.0 sample)

It writes ``qbxml_templates/schema.json`` (our own table: order, occurrence, lengths,
enumerations, the qbXML version that introduced each element) and one skeleton template
``qbxml_templates/<Operation>.xml`` per request type. ``derive_table`` is also used by a
test that checks the committed table against the XSD when the reference folder exists.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

from lxml import etree

from qbwc_service.qbxml.xmlsafe import hardened_parser

__all__ = ["OPERATIONS", "derive_table", "main", "skeleton_text"]

XS = "{http://www.w3.org/2001/XMLSchema}"

OPERATIONS: tuple[str, ...] = (
    "HostQuery", "CompanyQuery", "PreferencesQuery",
    "CustomerAdd", "CustomerMod", "CustomerQuery",
    "ItemInventoryAdd", "ItemInventoryMod", "ItemInventoryQuery",
    "ItemNonInventoryAdd", "ItemServiceAdd", "ItemOtherChargeAdd", "ItemDiscountAdd",
    "ItemGroupAdd", "ItemQuery", "AccountQuery", "ClassQuery", "SalesTaxCodeQuery",
    "ItemSalesTaxAdd", "ItemSalesTaxQuery", "PaymentMethodQuery", "InventorySiteQuery",
    "InvoiceAdd", "InvoiceQuery", "SalesReceiptAdd", "ReceivePaymentAdd", "CreditMemoAdd",
    "InventoryAdjustmentAdd", "TransferInventoryAdd", "ItemSitesQuery", "TxnDel", "TxnVoid",
    "ARRefundCreditCardAdd", "CheckAdd", "JournalEntryAdd", "JournalEntryQuery",
    "TransactionQuery",
)  # fmt: skip


class _Xsd:
    """Global elements, groups, simple and complex types of one XSD set."""

    def __init__(self, xsd_dir: Path) -> None:
        self.elements: dict[str, etree._Element] = {}
        self.groups: dict[str, etree._Element] = {}
        self.simple: dict[str, etree._Element] = {}
        self.complex: dict[str, etree._Element] = {}
        for path in sorted(xsd_dir.glob("*.xsd")):
            root = etree.parse(str(path), hardened_parser()).getroot()
            for node in root:
                name = node.get("name") if isinstance(node.tag, str) else None
                if name is None:
                    continue
                table = {
                    XS + "element": self.elements,
                    XS + "group": self.groups,
                    XS + "simpleType": self.simple,
                    XS + "complexType": self.complex,
                }.get(node.tag)
                if table is not None:
                    table[name] = node

    def simple_spec(self, node: etree._Element | None, type_name: str | None) -> dict[str, Any]:
        """Base type, maxLength and enumeration of an inline or named simple type."""
        spec: dict[str, Any] = {"t": "STRTYPE"}
        if type_name:
            if type_name in self.simple and type_name.endswith("TYPE"):
                return {"t": type_name}
            if type_name in self.simple:
                node = self.simple[type_name]
            else:
                return {"t": type_name}
        if node is None:
            return spec
        restriction = node.find(XS + "restriction")
        if restriction is None:
            return spec
        base = restriction.get("base", "STRTYPE")
        spec = dict(self.simple_spec(None, base)) if base in self.simple else {"t": base}
        length = restriction.find(XS + "maxLength")
        if length is not None:
            spec["len"] = int(length.get("value", "0"))
        enum = [e.get("value") for e in restriction.findall(XS + "enumeration")]
        if enum:
            spec["enum"] = enum
        return spec

    def particle(self, node: etree._Element, seen: frozenset[str]) -> dict[str, Any] | None:
        occurs = {"min": int(node.get("minOccurs", "1"))}
        high = node.get("maxOccurs", "1")
        occurs["max"] = -1 if high == "unbounded" else int(high)
        if node.tag == XS + "group":
            group = self.groups[node.get("ref", "")]
            inner = next(c for c in group if isinstance(c.tag, str) and c.tag != XS + "annotation")
            result = self.particle(inner, seen)
            if result is not None and (occurs["min"] != 1 or occurs["max"] != 1):
                result = {"seq": [result], **occurs}
            return result
        if node.tag in (XS + "sequence", XS + "choice"):
            kind = "seq" if node.tag == XS + "sequence" else "choice"
            items = [self.particle(c, seen) for c in node if isinstance(c.tag, str)]
            return {kind: [i for i in items if i is not None], **occurs}
        if node.tag == XS + "element":
            return self.element(node, occurs, seen)
        return None

    def element(
        self, node: etree._Element, occurs: dict[str, int], seen: frozenset[str]
    ) -> dict[str, Any]:
        ref = node.get("ref")
        if ref:
            node = self.elements[ref]
        name = node.get("name", "")
        spec: dict[str, Any] = {"n": name, **occurs}
        complex_node = node.find(XS + "complexType")
        type_name = node.get("type")
        if complex_node is None and type_name in self.complex:
            complex_node = self.complex[type_name or ""]
        if complex_node is None:
            spec.update(self.simple_spec(node.find(XS + "simpleType"), type_name))
            return spec
        extension = complex_node.find(f"{XS}simpleContent/{XS}extension")
        if extension is not None:
            # Text plus attributes (e.g. TxnID useMacro): the text is what we send.
            spec.update(self.simple_spec(None, extension.get("base")))
            return spec
        if name in seen:
            raise ValueError(f"recursive element {name}")
        content = [
            c
            for c in complex_node
            if isinstance(c.tag, str) and c.tag in (XS + "sequence", XS + "choice", XS + "group")
        ]
        spec["c"] = self.particle(content[0], seen | {name}) if content else {"seq": []}
        spec["c"].setdefault("min", 1)
        spec["c"].setdefault("max", 1)
        return spec


_VERSION = re.compile(r"\bv(\d+\.\d+)\b")
_QBD_LEN = re.compile(r"max length = (\d+) for ([A-Z|]*QBD)")
_NOT_IN = re.compile(r"not in ([A-Z|]+)")


def _annotation(element: etree._Element) -> str:
    if len(element) and isinstance(element[0], etree._Comment) and "\n" not in (element.text or ""):
        return str(element[0].text)
    following = element.getnext()
    if isinstance(following, etree._Comment) and "\n" not in (element.tail or ""):
        return str(following.text)
    return ""


def _sample_notes(sample: Path) -> dict[str, dict[str, Any]]:
    """Per path ``Op/Elem/...``: version introduced, QBD length and excluded editions."""
    root = etree.parse(str(sample), hardened_parser(huge_tree=True)).getroot()
    notes: dict[str, dict[str, Any]] = {}
    for request in root.iter("QBXMLMsgsRq"):
        for rq in request:
            if not isinstance(rq.tag, str) or not rq.tag.endswith("Rq"):
                continue
            stack: list[tuple[etree._Element, str]] = [(rq, rq.tag[:-2])]
            while stack:
                element, path = stack.pop()
                text = _annotation(element)
                note: dict[str, Any] = {}
                if match := _VERSION.search(text):
                    note["v"] = match.group(1)
                if match := _QBD_LEN.search(text):
                    note["len"] = int(match.group(1))
                if match := _NOT_IN.search(text):
                    note["not_in"] = match.group(1).split("|")
                if note and path not in notes:
                    notes[path] = note
                stack.extend(
                    (child, f"{path}/{child.tag}")
                    for child in element
                    if isinstance(child.tag, str)
                )
    return notes


def _annotate(particle: dict[str, Any], path: str, notes: dict[str, dict[str, Any]]) -> None:
    for key in ("seq", "choice"):
        for item in particle.get(key, []):
            _annotate(item, path, notes)
    if "n" in particle:
        here = f"{path}/{particle['n']}"
        note = notes.get(here, {})
        if "v" in note:
            particle["v"] = note["v"]
        if "not_in" in note:
            particle["not_in"] = note["not_in"]
        if "len" in note and "len" not in particle and particle.get("t") == "STRTYPE":
            particle["len"] = note["len"]
        if "c" in particle:
            _annotate(particle["c"], here, notes)


def derive_table(xsd_dir: Path, sample: Path | None = None) -> dict[str, Any]:
    """The order table for ``OPERATIONS`` from one XSD folder (+ the annotated sample)."""
    xsd = _Xsd(xsd_dir)
    notes = _sample_notes(sample) if sample is not None and sample.exists() else {}
    operations: dict[str, Any] = {}
    for operation in OPERATIONS:
        rq_type = xsd.complex[f"{operation}RqType"]
        sequence = rq_type.find(XS + "sequence")
        content = xsd.particle(sequence, frozenset()) if sequence is not None else {"seq": []}
        assert content is not None
        attributes = [a.get("name") for a in rq_type.findall(XS + "attribute")]
        _annotate(content, operation, notes)
        entry: dict[str, Any] = {"rq": content, "attributes": attributes}
        op_note = notes.get(operation, {})
        if "v" in op_note:
            entry["v"] = op_note["v"]
        if "not_in" in op_note:
            entry["not_in"] = op_note["not_in"]
        operations[operation] = entry
    return {"operations": operations}


def skeleton_text(operation: str, entry: dict[str, Any]) -> str:
    """A readable template: every element the request may carry, in schema order."""
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f"<!-- {operation}: the elements this connector may send, in qbXML schema order.",
        "     To change it, copy this file into your templates folder (templates_dir) and",
        "     edit the copy: delete an element to never send it; write a value into an",
        "     empty element to use it when the connector supplies none (for example",
        "     <ClassRef><FullName>Web Store</FullName></ClassRef>). Order is fixed by the",
        "     schema, so moving elements changes nothing. -->",
        f"<{operation}Rq>",
    ]

    def walk(particle: dict[str, Any], depth: int, seen: set[str]) -> None:
        for key in ("seq", "choice"):
            for item in particle.get(key, []):
                walk(item, depth, seen)
        name = particle.get("n")
        if name is None or name in seen:
            return
        seen.add(name)
        pad = "  " * depth
        if "c" in particle:
            lines.append(f"{pad}<{name}>")
            walk(particle["c"], depth + 1, set())
            lines.append(f"{pad}</{name}>")
        else:
            lines.append(f"{pad}<{name}/>")

    walk(entry["rq"], 1, set())
    lines.append(f"</{operation}Rq>")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    reference = Path(args[0]) if args else Path("../shared/reference/qbxml")
    target = (
        Path(args[1]) if len(args) > 1 else Path(__file__).resolve().parents[2] / "qbxml_templates"
    )
    table = derive_table(
        reference / "xsd" / "13.0", reference / "qbxmlops140_intuit_sample_data.xml"
    )
    table["derived_from"] = (
        "qbXML 13.0 XSD order; versions and QBD lengths from the 14.0 annotations"
    )
    (target / "schema.json").write_text(
        json.dumps(table, separators=(",", ":"), sort_keys=True) + "\n"
    )
    for operation, entry in table["operations"].items():
        (target / f"{operation}.xml").write_text(skeleton_text(operation, entry), encoding="utf-8")
    print(f"wrote {len(table['operations'])} operations to {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
