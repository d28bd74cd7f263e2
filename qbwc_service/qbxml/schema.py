"""The committed qbXML order table (``qbxml_templates/schema.json``) as Python objects.

Each request aggregate becomes an ``ElementSpec`` whose children are flattened by name
(qbXML groups are transparent in the XML) with their schema position, so a context dict
in any order can be written in schema order; the content model (sequences and choices)
is kept for the required/only-one-of checks.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from qbwc_service.qbxml.exceptions import UnknownOperationError

__all__ = [
    "EDITION_BY_COUNTRY",
    "ElementSpec",
    "OperationSpec",
    "Particle",
    "load_operations",
    "operation_spec",
    "templates_root",
    "version_tuple",
]

EDITION_BY_COUNTRY = {"US": "QBD", "CA": "QBCA", "UK": "QBUK", "GB": "QBUK", "AU": "QBAU"}


@lru_cache(maxsize=256)
def version_tuple(version: str) -> tuple[int, ...]:
    """``"13.0"`` → ``(13, 0)`` for comparisons."""
    return tuple(int(part) for part in str(version).strip().split(".") if part.isdigit())


@dataclass(slots=True)
class Particle:
    """A sequence or choice in a content model; ``names`` are all element names inside."""

    kind: str  # "seq" | "choice" | "element"
    min: int
    max: int
    items: list[Particle] = field(default_factory=list)
    element: ElementSpec | None = None
    names: frozenset[str] = frozenset()


@dataclass(slots=True, eq=False)
class ElementSpec:
    """One element: occurrence, simple type facets or children, and version notes."""

    name: str
    min: int
    max: int
    kind: str = ""  # simple base type (AMTTYPE, STRTYPE, …); "" for aggregates
    max_len: int | None = None
    enum: frozenset[str] | None = None
    since: tuple[int, ...] | None = None
    not_in: tuple[str, ...] = ()
    content: Particle | None = None
    children: dict[str, ElementSpec] = field(default_factory=dict)
    order: dict[str, int] = field(default_factory=dict)
    # For each child, the names in other branches of the same choice.
    exclusive: dict[str, frozenset[str]] = field(default_factory=dict)
    repeatable: frozenset[str] = frozenset()  # children that may occur more than once
    # Content-model verdicts by the set of children present (they repeat across lines),
    # as a bit set: bit ``1 << order[name]`` for each child present.
    check_cache: dict[int, tuple[tuple[str, str], ...]] = field(default_factory=dict)

    @property
    def is_aggregate(self) -> bool:
        return self.content is not None


@dataclass(slots=True)
class OperationSpec:
    """One request type: its ``…Rq`` element, the wrapped aggregate (Add/Mod) if any."""

    name: str
    rq: ElementSpec
    body: ElementSpec  # the aggregate whose children the context dict names
    attributes: frozenset[str]
    since: tuple[int, ...] | None
    not_in: tuple[str, ...]

    @property
    def wrapped(self) -> bool:
        return self.body is not self.rq


def _build_particle(raw: dict[str, Any]) -> Particle:
    if "n" in raw:
        spec = _build_element(raw)
        return Particle("element", spec.min, spec.max, element=spec, names=frozenset({spec.name}))
    kind = "seq" if "seq" in raw else "choice"
    items = [_build_particle(item) for item in raw[kind]]
    names = frozenset().union(*(item.names for item in items)) if items else frozenset()
    return Particle(kind, raw.get("min", 1), raw.get("max", 1), items, names=names)


def _collect(particle: Particle, spec: ElementSpec, repeated: bool = False) -> None:
    repeated = repeated or particle.max != 1
    if particle.element is not None:
        child = particle.element
        if child.name not in spec.children:
            spec.order[child.name] = len(spec.order)
            spec.children[child.name] = child
        if repeated:
            spec.repeatable = spec.repeatable | {child.name}
        return
    if particle.kind == "choice" and particle.max == 1:
        for branch in particle.items:
            others = particle.names - branch.names
            for name in branch.names:
                spec.exclusive[name] = spec.exclusive.get(name, frozenset()) | others
    for item in particle.items:
        _collect(item, spec, repeated)


def _build_element(raw: dict[str, Any]) -> ElementSpec:
    spec = ElementSpec(
        name=raw["n"],
        min=raw.get("min", 1),
        max=raw.get("max", 1),
        kind=raw.get("t", ""),
        max_len=raw.get("len"),
        enum=frozenset(raw["enum"]) if "enum" in raw else None,
        since=version_tuple(raw["v"]) if "v" in raw else None,
        not_in=tuple(raw.get("not_in", ())),
    )
    if "c" in raw:
        spec.content = _build_particle(raw["c"])
        _collect(spec.content, spec)
    return spec


@lru_cache(maxsize=1)
def templates_root() -> Traversable:
    """The packaged ``qbxml_templates`` folder, installed or beside this source tree."""
    try:
        return resources.files("qbxml_templates")
    except ModuleNotFoundError:
        # An editable install maps only the service packages; the templates sit beside them.
        return Path(__file__).resolve().parents[2] / "qbxml_templates"


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = templates_root().joinpath("schema.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


@lru_cache(maxsize=1)
def load_operations() -> dict[str, OperationSpec]:
    """Every request type in the committed table, compiled once per process."""
    operations: dict[str, OperationSpec] = {}
    for name, entry in _table()["operations"].items():
        rq = _build_element({"n": f"{name}Rq", "min": 1, "max": 1, "c": entry["rq"]})
        first = next(iter(rq.children.values()), None)
        body = first if first is not None and first.name == name and first.is_aggregate else rq
        operations[name] = OperationSpec(
            name=name,
            rq=rq,
            body=body,
            attributes=frozenset(entry.get("attributes", ())),
            since=version_tuple(entry["v"]) if "v" in entry else None,
            not_in=tuple(entry.get("not_in", ())),
        )
    return operations


def operation_spec(operation: str) -> OperationSpec:
    """The spec for ``operation`` (e.g. ``"InvoiceAdd"``), or ``UnknownOperationError``."""
    try:
        return load_operations()[operation]
    except KeyError:
        raise UnknownOperationError(operation) from None
