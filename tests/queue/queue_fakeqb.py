"""A small simulated QuickBooks for queue tests: it keeps records and error-recovery state.

It answers whole qbXML message sets the way QuickBooks does: one Rs per Rq carrying the
requestID, status attributes, Ret records, iterators, saved state per newMessageSetID.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass, field

from lxml import etree

from qbwc_service.qbxml.xmlsafe import parse_xml

LIST_ENTITIES = ("Customer", "Vendor", "Item")


@dataclass
class Record:
    entity: str
    ret_type: str
    qb_id: str
    key: str
    edit_sequence: int = 1
    fields: dict[str, str] = field(default_factory=dict)


class FakeQuickBooks:
    def __init__(self) -> None:
        self.records: list[Record] = []
        self.posted: Counter[tuple[str, str]] = Counter()
        self.saved: dict[str, str] = {}
        self.forced: dict[str, list[tuple[int, str]]] = {}  # requestID -> codes to answer first
        self.page_size = 2
        self._ids = itertools.count(1)
        self.processed_sets = 0
        self.iterators: dict[str, int] = {}

    def force(self, request_id: int | str, code: int, message: str = "forced") -> None:
        self.forced.setdefault(str(request_id), []).append((code, message))

    def process(self, xml: str) -> str:
        root = parse_xml(xml)
        messages = root.find("QBXMLMsgsRq")
        assert messages is not None
        old = messages.get("oldMessageSetID")
        new = messages.get("newMessageSetID")
        out_root = etree.Element("QBXML")
        out = etree.SubElement(out_root, "QBXMLMsgsRs")
        if old and len(messages) == 0:
            if old in self.saved:
                return self.saved[old]
            out.set("messageSetStatusCode", "9001")
            return self._serialize(out_root)
        self.processed_sets += 1
        for rq in messages:
            out.append(self._answer(rq))
        if new:
            out.set("newMessageSetID", new)
            out.set("messageSetStatusCode", "0")
        text = self._serialize(out_root)
        if new:
            self.saved = {new: text}  # QuickBooks keeps one recoverable set
        return text

    @staticmethod
    def _serialize(root: etree._Element) -> str:
        return '<?xml version="1.0" ?>\n' + etree.tostring(root, encoding="unicode")

    def _rs(self, operation: str, request_id: str | None, code: int, message: str,
            severity: str | None = None) -> etree._Element:
        rs = etree.Element(f"{operation}Rs")
        if request_id is not None:
            rs.set("requestID", request_id)
        rs.set("statusCode", str(code))
        rs.set("statusSeverity", severity or ("Info" if code < 500 else "Warn" if code < 1000
                                              else "Error"))
        rs.set("statusMessage", message)
        return rs

    def _ret(self, record: Record) -> etree._Element:
        ret = etree.Element(f"{record.ret_type}Ret")
        id_tag = "ListID" if record.entity in LIST_ENTITIES else "TxnID"
        etree.SubElement(ret, id_tag).text = record.qb_id
        etree.SubElement(ret, "EditSequence").text = str(record.edit_sequence)
        key_tag = "Name" if record.entity in LIST_ENTITIES else "RefNumber"
        etree.SubElement(ret, key_tag).text = record.key
        if record.entity in LIST_ENTITIES:
            etree.SubElement(ret, "FullName").text = record.key
        for name, value in record.fields.items():
            etree.SubElement(ret, name).text = value
        return ret

    def _answer(self, rq: etree._Element) -> etree._Element:
        operation = rq.tag[: -len("Rq")]
        request_id = rq.get("requestID")
        forced = self.forced.get(str(request_id))
        if forced:
            code, message = forced.pop(0)
            return self._rs(operation, request_id, code, message)
        if operation.endswith("Add"):
            return self._add(operation, request_id, rq)
        if operation.endswith("Mod"):
            return self._mod(operation, request_id, rq)
        return self._query(operation, request_id, rq)

    def _add(self, operation: str, request_id: str | None, rq: etree._Element) -> etree._Element:
        ret_type = operation[: -len("Add")]
        entity = "Item" if ret_type.startswith("Item") else ret_type
        aggregate = rq.find(operation)
        assert aggregate is not None
        key_tag = "Name" if entity in LIST_ENTITIES else "RefNumber"
        key = aggregate.findtext(key_tag) or ""
        if entity in LIST_ENTITIES and any(
            r.key == key and r.entity in LIST_ENTITIES for r in self.records
        ):
            return self._rs(operation, request_id, 3100,
                            f'The name "{key}" of the list element is already in use.')
        fields = {
            child.tag: child.text or ""
            for child in aggregate
            if child.tag in ("Memo", "Notes", "ExternalGUID")
        }
        number = next(self._ids)
        record = Record(entity, ret_type, f"{number:X}-1700000000", key, 1, fields)
        self.records.append(record)
        self.posted[(entity, key)] += 1
        rs = self._rs(operation, request_id, 0, "Status OK")
        rs.append(self._ret(record))
        return rs

    def _mod(self, operation: str, request_id: str | None, rq: etree._Element) -> etree._Element:
        aggregate = rq.find(operation)
        assert aggregate is not None
        qb_id = aggregate.findtext("ListID") or aggregate.findtext("TxnID")
        record = next((r for r in self.records if r.qb_id == qb_id), None)
        if record is None:
            return self._rs(operation, request_id, 3120, f'Object "{qb_id}" cannot be found.')
        if aggregate.findtext("EditSequence") != str(record.edit_sequence):
            return self._rs(operation, request_id, 3200,
                            f'The provided edit sequence "{aggregate.findtext("EditSequence")}" '
                            "is out-of-date.")
        record.edit_sequence += 1
        self.posted[("Mod", record.key)] += 1
        rs = self._rs(operation, request_id, 0, "Status OK")
        rs.append(self._ret(record))
        return rs

    def _query(self, operation: str, request_id: str | None,
               rq: etree._Element) -> etree._Element:
        entity = operation[: -len("Query")]
        entity = "Item" if entity.startswith("Item") else entity
        matches = [r for r in self.records if r.entity == entity]
        for tag in ("FullName", "RefNumber"):
            value = rq.findtext(tag)
            if value is not None:
                matches = [r for r in matches if r.key == value]
        for tag in ("ListID", "TxnID"):
            value = rq.findtext(tag)
            if value is not None:
                matches = [r for r in matches if r.qb_id == value]
        iterator = rq.get("iterator")
        remaining: int | None = None
        iterator_id = rq.get("iteratorID") or ""
        if iterator == "Continue":
            if iterator_id not in self.iterators:
                return self._rs(operation, request_id, 3391,
                                f'The iteratorID "{iterator_id}" is not valid.')
            offset = self.iterators[iterator_id]
        elif iterator == "Start":
            iterator_id = f"{{it-{next(self._ids)}}}"
            offset = 0
        if iterator:
            remaining = max(0, len(matches) - offset - self.page_size)
            matches = matches[offset : offset + self.page_size]
            self.iterators[iterator_id] = offset + self.page_size
        if not matches:
            rs = self._rs(operation, request_id, 1,
                          "A query request did not find a matching object in QuickBooks")
        else:
            rs = self._rs(operation, request_id, 0, "Status OK")
            for record in matches:
                rs.append(self._ret(record))
        if iterator:
            rs.set("retCount", str(len(matches)))
            rs.set("iteratorRemainingCount", str(remaining))
            rs.set("iteratorID", iterator_id)
        return rs
