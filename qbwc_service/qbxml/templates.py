"""Request templates: which elements may be sent, and values to use when none is given.

A template is ``<Operation>.xml``, a skeleton of the ``…Rq`` element (see any file in
``qbxml_templates/``). The order table decides the order; the template narrows what may
be sent and carries defaults: an element with text is used when the context does not
name it (nor a rival in the same choice). A folder of user templates overrides ours file
by file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from lxml import etree

from qbwc_service.qbxml.exceptions import TemplateError
from qbwc_service.qbxml.schema import ElementSpec, OperationSpec, operation_spec, templates_root
from qbwc_service.qbxml.xmlsafe import XMLSyntaxError, parse_xml

__all__ = ["TemplateNode", "TemplateSet", "load_templates", "template_for"]


@dataclass(slots=True)
class TemplateNode:
    """What an aggregate may hold (``children``) and its defaults (nested dict)."""

    children: dict[str, TemplateNode] = field(default_factory=dict)
    defaults: dict[str, Any] = field(default_factory=dict)
    # What the writer derives from this node and its aggregate's spec, built once.
    plans: dict[ElementSpec, Any] = field(default_factory=dict, compare=False, repr=False)


def _compile(element: etree._Element, spec: ElementSpec, source: str) -> TemplateNode:
    node = TemplateNode()
    for child in element:
        if not isinstance(child.tag, str):
            continue
        child_spec = spec.children.get(child.tag)
        if child_spec is None:
            raise TemplateError(source, f"{child.tag} is not a qbXML element of {spec.name}")
        if child_spec.is_aggregate:
            sub = _compile(child, child_spec, source)
            node.children[child.tag] = sub
            if sub.defaults and child_spec.max == 1:
                node.defaults[child.tag] = sub.defaults
        else:
            node.children[child.tag] = TemplateNode()
            text = (child.text or "").strip()
            if text:
                node.defaults[child.tag] = text
    return node


def _load(text: str | bytes, operation: OperationSpec, source: str) -> TemplateNode:
    try:
        root = parse_xml(text)
    except XMLSyntaxError as exc:
        raise TemplateError(source, str(exc)) from exc
    if root.tag != operation.rq.name:
        raise TemplateError(source, f"the root element must be {operation.rq.name}")
    node = _compile(root, operation.rq, source)
    if operation.wrapped:
        body = node.children.get(operation.name, TemplateNode())
        # Request-level siblings of the aggregate (IncludeRetElement) stay reachable.
        for name, child in node.children.items():
            if name != operation.name:
                body.children.setdefault(name, child)
        return body
    return node


class TemplateSet:
    """Templates by operation: the user's folder first, then the packaged ones."""

    def __init__(self, override_dir: str | Path | None = None) -> None:
        self.override_dir = Path(override_dir) if override_dir else None
        self._cache: dict[str, TemplateNode] = {}

    def get(self, operation: OperationSpec) -> TemplateNode:
        node = self._cache.get(operation.name)
        if node is None:
            node = self._read(operation)
            self._cache[operation.name] = node
        return node

    def source_of(self, operation: str) -> str:
        """Where the template for ``operation`` comes from (for diagnostics)."""
        if self.override_dir is not None and (self.override_dir / f"{operation}.xml").is_file():
            return str(self.override_dir / f"{operation}.xml")
        return f"qbxml_templates/{operation}.xml"

    def _read(self, operation: OperationSpec) -> TemplateNode:
        name = f"{operation.name}.xml"
        if self.override_dir is not None:
            path = self.override_dir / name
            if path.is_file():
                return _load(path.read_bytes(), operation, str(path))
        packaged = templates_root().joinpath(name)
        if not packaged.is_file():
            raise TemplateError(f"qbxml_templates/{name}", "the template file is missing")
        return _load(packaged.read_bytes(), operation, f"qbxml_templates/{name}")


@lru_cache(maxsize=16)
def load_templates(override_dir: str = "") -> TemplateSet:
    """A cached ``TemplateSet`` per override folder ("" = the packaged templates only)."""
    return TemplateSet(override_dir or None)


def template_for(operation: str, templates: TemplateSet | None = None) -> TemplateNode:
    """The compiled template of ``operation``."""
    return (templates or load_templates()).get(operation_spec(operation))
