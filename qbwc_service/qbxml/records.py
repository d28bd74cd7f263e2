"""``RetRecord``: one ``…Ret`` element as the identifiers handlers need plus its leaves.

``ret_record`` flattens an element at once; ``streamed_record`` (for ``iter_rets``)
reads only the identifiers and keeps the element, flattening it into ``fields`` when
someone asks, because large query pages are mostly read for a few identifiers.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from lxml import etree

__all__ = ["RetRecord", "flatten", "ret_record", "streamed_record"]

_IDENTIFIERS = (
    "type", "list_id", "txn_id", "edit_sequence", "name", "full_name", "ref_number",
    "txn_date", "total", "time_modified", "item_name", "site_name", "quantity_on_hand",
)  # fmt: skip


class RetRecord:
    """One ``…Ret`` element: the identifiers every handler needs, the rest in ``fields``.

    A streamed record (``iter_rets``) keeps its detached element and flattens it into
    ``fields`` on first access: most large query pages are read for a few identifiers.
    """

    __slots__ = (*_IDENTIFIERS, "_fields", "_element")
    __match_args__ = (
        "type", "list_id", "txn_id", "edit_sequence", "name", "full_name", "ref_number",
        "txn_date", "total", "time_modified", "item_name", "site_name", "quantity_on_hand",
        "fields",
    )  # fmt: skip

    def __init__(
        self,
        type: str,
        list_id: str | None = None,
        txn_id: str | None = None,
        edit_sequence: str | None = None,
        name: str | None = None,
        full_name: str | None = None,
        ref_number: str | None = None,
        txn_date: str | None = None,
        total: Decimal | None = None,
        time_modified: str | None = None,
        item_name: str | None = None,
        site_name: str | None = None,
        quantity_on_hand: Decimal | None = None,
        fields: dict[str, Any] | None = None,
    ) -> None:
        self.type = type
        self.list_id = list_id
        self.txn_id = txn_id
        self.edit_sequence = edit_sequence
        self.name = name
        self.full_name = full_name
        self.ref_number = ref_number
        self.txn_date = txn_date
        self.total = total
        self.time_modified = time_modified
        self.item_name = item_name
        self.site_name = site_name
        self.quantity_on_hand = quantity_on_hand
        self._fields: dict[str, Any] | None = {} if fields is None else fields
        self._element: etree._Element | None = None

    @property
    def fields(self) -> dict[str, Any]:
        """Every leaf under the Ret by its path (``"ItemRef/FullName"``); repeats as lists."""
        fields = self._fields
        if fields is None:
            fields = {}
            if self._element is not None:
                flatten(self._element, "", fields)
            self._fields = fields
            self._element = None
        return fields

    @fields.setter
    def fields(self, value: dict[str, Any]) -> None:
        self._fields = value
        self._element = None

    def _values(self) -> tuple[Any, ...]:
        return (*(getattr(self, name) for name in _IDENTIFIERS), self.fields)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        assert isinstance(other, RetRecord)
        return self._values() == other._values()

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        names = (*_IDENTIFIERS, "fields")
        shown = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._values(), strict=True))
        return f"{self.__class__.__qualname__}({shown})"

    def __getstate__(self) -> tuple[Any, ...]:
        return self._values()

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        self.__init__(*state)  # type: ignore[misc]


def _decimal(text: str | None) -> Decimal | None:
    if text is None or not text.strip():
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return None


def flatten(element: etree._Element, prefix: str, into: dict[str, Any]) -> None:
    """Every leaf under ``element`` into ``into`` by path; a repeated path holds a list."""
    for child in element:
        tag = child.tag
        if tag.__class__ is not str:
            continue  # comments and processing instructions
        if len(child):
            flatten(child, prefix + tag + "/", into)
            continue
        path = prefix + tag
        text = child.text
        value = text.strip() if text else ""
        if path not in into:
            into[path] = value
        else:
            existing = into[path]
            if isinstance(existing, list):
                existing.append(value)
            else:
                into[path] = [existing, value]


def _first(value: Any) -> str | None:
    if value is None or type(value) is str:
        return value
    return str(value[0])


# The leaves ``_identified`` reads: direct children, and FullName inside these Refs.
_IDENTITY_LEAVES = frozenset(
    {"ListID", "TxnID", "EditSequence", "Name", "FullName", "RefNumber", "TxnDate",
     "TotalAmount", "Subtotal", "SalesTaxTotal", "Amount", "TimeModified", "QuantityOnHand"}
)  # fmt: skip
_IDENTITY_REFS = {
    ref: f"{ref}/FullName"
    for ref in ("ItemInventoryRef", "ItemInventoryAssemblyRef", "InventorySiteRef")
}
_IDENTITY_TAGS = (*sorted(_IDENTITY_LEAVES), *_IDENTITY_REFS)
_IDENTITY_PATHS = (*sorted(_IDENTITY_LEAVES), *_IDENTITY_REFS.values())


def _identified(tag: str, first: dict[str, str], inventory_ref_repeated: bool) -> RetRecord:
    """The record's identifiers from the first value of each identity path.

    ``inventory_ref_repeated`` says ItemInventoryRef/FullName occurs more than once:
    then it names the item even when its first value is empty.
    """
    get = first.get
    total = _decimal(get("TotalAmount"))
    if total is None and "Subtotal" in first:
        subtotal = _decimal(get("Subtotal")) or Decimal(0)
        total = subtotal + (_decimal(get("SalesTaxTotal")) or Decimal(0))
    if total is None and "Amount" in first:
        total = _decimal(get("Amount"))
    item_name = get("ItemInventoryRef/FullName")
    if not (item_name or inventory_ref_repeated):
        item_name = get("ItemInventoryAssemblyRef/FullName")
    return RetRecord(
        tag,
        get("ListID"),
        get("TxnID"),
        get("EditSequence"),
        get("Name"),
        get("FullName"),
        get("RefNumber"),
        get("TxnDate"),
        total,
        get("TimeModified"),
        item_name,
        get("InventorySiteRef/FullName"),
        _decimal(get("QuantityOnHand")),
    )


def ret_record(element: etree._Element) -> RetRecord:
    """A ``RetRecord`` from one ``…Ret`` element."""
    fields: dict[str, Any] = {}
    flatten(element, "", fields)
    first = {path: _first(fields[path]) or "" for path in _IDENTITY_PATHS if path in fields}
    repeated = isinstance(fields.get("ItemInventoryRef/FullName"), list)
    record = _identified(str(element.tag), first, repeated)
    record._fields = fields
    return record


def streamed_record(element: etree._Element) -> RetRecord:
    """A ``RetRecord`` whose ``fields`` wait in ``element`` until asked for.

    Only the leaves ``_identified`` reads are looked at now, with ``flatten``'s rules
    (leaves only, first value wins), so both kinds of record carry the same identifiers.
    """
    first: dict[str, str] = {}
    repeated = False
    for child in element.iterchildren(*_IDENTITY_TAGS):
        tag = child.tag
        if not len(child):
            # An empty Ref is a leaf under its own name, not a FullName.
            if tag not in first and tag in _IDENTITY_LEAVES:
                text = child.text
                first[tag] = text.strip() if text else ""
            continue
        path = _IDENTITY_REFS.get(tag)
        if path is None:
            continue
        for name in child.iterchildren("FullName"):
            if not len(name):
                if path not in first:
                    text = name.text
                    first[path] = text.strip() if text else ""
                elif tag == "ItemInventoryRef":
                    repeated = True
    record = _identified(str(element.tag), first, repeated)
    record._fields = None
    record._element = element
    return record
