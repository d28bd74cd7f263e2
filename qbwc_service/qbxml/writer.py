"""The one-pass request writer behind ``render_request``: order, checks, escaping.

It walks a context dict against the compiled order table and a template, writes each
element in schema position with its value formatted by ``values`` and escaped, and
collects every problem (unknown, not templated, version- or edition-gated, required,
only-one-of, enumeration, length) with a message a bookkeeper can act on.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from qbwc_service.qbxml.exceptions import Problem
from qbwc_service.qbxml.schema import EDITION_BY_COUNTRY, ElementSpec, Particle, version_tuple
from qbwc_service.qbxml.templates import TemplateNode
from qbwc_service.qbxml.values import (
    clean_text,
    format_amount,
    format_bool,
    format_date,
    format_datetime,
    format_quantity,
    to_decimal,
)

__all__ = ["FREE_TEXT_FIELDS", "RequestWriter", "escape_attribute", "escape_text"]

# Descriptive text QuickBooks may receive shortened; everything else (names, reference
# numbers, IDs) identifies a record and is refused instead of cut.
FREE_TEXT_FIELDS = frozenset(
    {
        "Memo", "Desc", "SalesDesc", "PurchaseDesc", "Notes", "Note", "Addr1", "Addr2",
        "Addr3", "Addr4", "Addr5", "City", "State", "PostalCode", "Country", "CompanyName",
        "Salutation", "FirstName", "MiddleName", "LastName", "JobTitle", "Contact",
        "AltContact", "Phone", "AltPhone", "Fax", "Other", "Other1", "Other2", "FOB",
        "SiteDesc", "ItemDesc", "PrintAs",
    }
)  # fmt: skip
# Elements newer than the negotiated version that can be left out without changing
# what QuickBooks records in a way that matters.
_DROPPABLE = frozenset(
    {"ExternalGUID", "Other", "Other1", "Other2", "Note", "Addr4", "Addr5", "IsToBeEmailed",
     "IncludeRetElement", "BarCode", "ManufacturerPartNumber", "Notes"}
)  # fmt: skip
_GUID = re.compile(r"0|\{[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}\}\Z")
_NAME_NOUNS = {"Item": "Item", "Customer": "Customer", "Account": "Account", "Class": "Class"}


def escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def escape_attribute(text: str) -> str:
    return escape_text(text).replace('"', "&quot;")


@dataclass(frozen=True, slots=True)
class _Slot:
    """What rendering needs to know, once per aggregate, about one child it may hold."""

    position: int  # in schema order
    spec: ElementSpec
    template: TemplateNode
    open_tag: str
    close_tag: str
    gated: bool  # version- or edition-gated: ``admit`` must look at it first
    plain_limit: int  # plain text: the longest value needing no check beyond clean_text, or -1
    bit: int  # the child's bit in a set of schema positions
    name: str


_Plan = tuple[dict[str, _Slot], dict[int, _Slot]]
_PLAIN_TEXT_KINDS = ("STRTYPE", "ENUMTYPE", "UUIDTYPE", "")


def _plan(spec: ElementSpec, template: TemplateNode) -> _Plan:
    """The slots of every child both the schema and the template allow."""
    slots: dict[str, _Slot] = {}
    for key, child_template in template.children.items():
        child = spec.children.get(key)
        if child is None:
            continue
        gated = child.since is not None or bool(child.not_in)
        plain = -1
        if (
            child.content is None
            and child.kind in _PLAIN_TEXT_KINDS
            and child.enum is None
            and key != "Name"  # names are checked for the ':' separator
        ):
            plain = child.max_len if child.max_len is not None else sys.maxsize
        position = spec.order[key]
        slots[key] = _Slot(position, child, child_template, f"<{key}>", f"</{key}>", gated,
                           plain, 1 << position, key)
    return slots, {slot.bit: slot for slot in slots.values()}


def _preview(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class RequestWriter:
    __slots__ = ("edition", "operation", "out", "problems", "transliterate", "version")

    def __init__(self, operation: str, version: str, country: str, transliterate: bool) -> None:
        self.operation = operation
        self.version = version_tuple(version)
        self.edition = EDITION_BY_COUNTRY.get(country.upper(), "QBD")
        self.transliterate = transliterate
        self.problems: list[Problem] = []
        self.out: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def label(self, path: str, name: str) -> str:
        parent = path.rsplit("/", 2)[-2] if path.count("/") >= 1 else path
        if name == "Name":
            for prefix, noun in _NAME_NOUNS.items():
                if self.operation.startswith(prefix):
                    return f"{noun} name"
            return f"{self.operation.removesuffix('Add').removesuffix('Mod')} name"
        if name == "FullName" and parent.endswith("Ref"):
            return f"{parent.removesuffix('Ref')} name"
        if name == "RefNumber":
            return "Reference number"
        return name

    def aggregate(
        self,
        spec: ElementSpec,
        template: TemplateNode,
        context: Mapping[str, Any],
        path: str,
        *,
        check_content: bool = True,
    ) -> None:
        if template.defaults:
            merged = dict(context)
            exclusive = spec.exclusive
            for key, default in template.defaults.items():
                if merged.get(key) in (None, "") and not (
                    key in exclusive
                    and any(merged.get(n) not in (None, "") for n in exclusive[key])
                ):
                    merged[key] = default
            context = merged
        plan = template.plans.get(spec)
        if plan is None:
            plan = template.plans[spec] = _plan(spec, template)
        slots, by_bit = plan
        # The children present as one bit per schema position: the bits come out in
        # schema order and key the content-check cache, with no per-element tuples or
        # sets to allocate and collect.
        present = 0
        for key, value in context.items():
            if value is None:
                continue
            kind = type(value)
            if (kind is str or kind is list or kind is tuple) and not value:
                continue
            slot = slots.get(key)
            if slot is None or slot.gated:
                if not self.admit(spec, template.children, key, spec.children.get(key), path):
                    continue
                assert slot is not None
            present |= slot.bit
        if check_content and spec.content is not None:
            if spec.check_cache.get(present) != ():
                self.check_cached(spec, present, path)
        out = self.out
        while present:
            bit = present & -present
            present ^= bit
            slot = by_bit[bit]
            key = slot.name
            value = context[key]
            kind = type(value)
            limit = slot.plain_limit
            if (
                kind is str
                and limit >= 0
                and value.isprintable()
                and (value.isascii() or max(value) <= "\xff")
                and len(value) <= limit
            ):
                # Printable Latin-1 text that fits: exactly what ``scalar`` would return.
                out.append(slot.open_tag + escape_text(value) + slot.close_tag)
                continue
            child = slot.spec
            if kind is list or kind is tuple:
                if len(value) > 1 and key not in spec.repeatable:
                    self.problem(f"{path}/{key}", f"only one {key} may be given")
                    continue
                for index, item in enumerate(value):
                    if child.content is not None and type(item) is dict:
                        out.append(slot.open_tag)
                        self.aggregate(child, slot.template, item, f"{path}/{key}[{index}]")
                        out.append(slot.close_tag)
                    else:
                        self.element(child, slot.template, item, f"{path}/{key}[{index}]")
            elif child.content is not None:
                if not (kind is dict or isinstance(value, Mapping)):
                    self.problem(f"{path}/{key}", f"{key} must hold elements, not a single value")
                    continue
                out.append(slot.open_tag)
                self.aggregate(child, slot.template, value, f"{path}/{key}")
                out.append(slot.close_tag)
            else:
                text = self.scalar(child, value, path)
                if text is not None:
                    out.append(slot.open_tag + escape_text(text) + slot.close_tag)

    def admit(
        self,
        spec: ElementSpec,
        allowed: Mapping[str, TemplateNode],
        key: str,
        child: ElementSpec | None,
        path: str,
    ) -> bool:
        """The slow path: unknown, not templated, version- or edition-gated elements."""
        if child is None:
            self.problem(f"{path}/{key}", f"{key} is not a qbXML element of {spec.name}")
            return False
        if key not in allowed:
            self.problem(f"{path}/{key}", f"{key} is not in the {self.operation} template")
            return False
        if child.since is not None and child.since > self.version:
            if key not in _DROPPABLE:
                needed = ".".join(map(str, child.since))
                have = ".".join(map(str, self.version))
                self.problem(
                    f"{path}/{key}",
                    f"{key} needs qbXML {needed}, but this QuickBooks speaks only {have}",
                )
            return False
        if child.not_in and self.edition in child.not_in:
            self.problem(
                f"{path}/{key}",
                f"{key} is not available in this edition of QuickBooks ({self.edition})",
            )
            return False
        return True

    def check_cached(self, spec: ElementSpec, present: int, path: str) -> None:
        """Content-model checks, memoised per aggregate and set of present elements.

        ``present`` has bit ``1 << position`` set for each child present.
        """
        cache = spec.check_cache
        messages = cache.get(present)
        if messages is None:
            probe = RequestWriter(self.operation, "0", "US", True)
            assert spec.content is not None
            names = {name for name, position in spec.order.items() if present >> position & 1}
            probe.check_content(spec.content, names, "\0")
            messages = tuple((p.path, p.message) for p in probe.problems)
            if len(cache) < 4096:
                cache[present] = messages
        for where, message in messages:
            self.problem(where.replace("\0", path), message.replace("\0", spec.name))

    def element(self, spec: ElementSpec, template: TemplateNode, value: Any, path: str) -> None:
        name = spec.name
        if spec.content is not None:
            if not isinstance(value, Mapping):
                self.problem(path, f"{name} must hold elements, not a single value")
                return
            self.out.append(f"<{name}>")
            self.aggregate(spec, template, value, path)
            self.out.append(f"</{name}>")
            return
        text = self.scalar(spec, value, path.rsplit("[", 1)[0].rsplit("/", 1)[0])
        if text is not None:
            self.out.append(f"<{name}>{escape_text(text)}</{name}>")

    def check_content(self, particle: Particle, present: set[str], path: str) -> None:
        kind = particle.kind
        if kind == "element":
            if particle.min >= 1 and particle.names.isdisjoint(present):
                self.problem(
                    path, f"{next(iter(particle.names))} is required in {path.rsplit('/', 1)[-1]}"
                )
            return
        if kind == "seq":
            if particle.min == 0 and particle.names.isdisjoint(present):
                return
            for item in particle.items:
                self.check_content(item, present, path)
            return
        chosen = [item for item in particle.items if not item.names.isdisjoint(present)]
        if not chosen:
            if particle.min >= 1 and not any(_optional(item) for item in particle.items):
                options = " or ".join(_first_name(item) for item in particle.items)
                self.problem(path, f"one of {options} is required in {path.rsplit('/', 1)[-1]}")
            return
        if len(chosen) > 1 and particle.max == 1:
            names = " and ".join(_first_name(item) for item in chosen)
            self.problem(path, f"{names} cannot be given together; choose one")
            return
        for item in chosen:
            self.check_content(item, present, path)

    def scalar(self, spec: ElementSpec, value: Any, path: str) -> str | None:
        kind = spec.kind
        name = spec.name
        path = f"{path}/{name}"
        try:
            if kind in ("STRTYPE", "ENUMTYPE", "UUIDTYPE", ""):
                text = clean_text(value, transliterate=self.transliterate)
            elif kind == "AMTTYPE":
                text = format_amount(value)
                if len(text.lstrip("-").split(".")[0]) > 13:
                    self.problem(path, f"{name} {text} is larger than QuickBooks can store")
                    return None
                return text
            elif kind in ("QUANTYPE", "PRICETYPE", "PERCENTTYPE"):
                text = format_quantity(value)
                if len(text.lstrip("-").split(".")[0]) > 10:
                    self.problem(path, f"{name} {text} is larger than QuickBooks can store")
                    return None
                return text
            elif kind == "DATETYPE":
                return format_date(value)
            elif kind == "DATETIMETYPE":
                return format_datetime(value)
            elif kind == "BOOLTYPE":
                return format_bool(value)
            elif kind == "INTTYPE":
                if isinstance(value, bool) or int(value) != to_decimal(value):
                    raise ValueError(f"{value!r} is not a whole number")
                return str(int(value))
            elif kind == "FLOATTYPE":
                return format(to_decimal(value).normalize(), "f")
            elif kind == "IDTYPE":
                text = str(value).strip()
                if len(text) > 36:
                    self.problem(path, f"{name} '{_preview(text, 36)}' is not a QuickBooks ID")
                    return None
                return text
            elif kind == "GUIDTYPE":
                text = str(value).strip()
                if not _GUID.match(text):
                    self.problem(
                        path,
                        f"{name} '{_preview(text, 40)}' is not a GUID like {{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}}",
                    )
                    return None
                return text
            else:
                text = clean_text(value, transliterate=self.transliterate)
        except (ValueError, TypeError, ArithmeticError) as exc:
            self.problem(path, f"{name}: {exc}")
            return None
        if spec.enum is not None and text not in spec.enum:
            allowed = ", ".join(sorted(spec.enum))
            self.problem(path, f"{name} '{_preview(text, 40)}' is not one of: {allowed}")
            return None
        limit = spec.max_len
        if limit is not None and len(text) > limit:
            if name in FREE_TEXT_FIELDS:
                return text[:limit]
            label = self.label(path, name)
            self.problem(
                path,
                f"{label} '{_preview(text, limit)}' is {len(text)} characters; QuickBooks allows {limit}",
            )
            return None
        if name == "Name" and ":" in text:
            self.problem(
                path,
                f"{self.label(path, name)} '{_preview(text, 40)}' contains ':', which QuickBooks reads as a parent:child separator",
            )
            return None
        return text


def _optional(particle: Particle) -> bool:
    if particle.min == 0:
        return True
    if particle.kind == "seq":
        return all(_optional(item) for item in particle.items)
    return False


def _first_name(particle: Particle) -> str:
    if particle.element is not None:
        return particle.element.name
    return _first_name(particle.items[0]) if particle.items else "?"
