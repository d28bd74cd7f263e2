"""Full XSD validation of outgoing message sets, when Intuit's schemas are installed.

The QuickBooks SDK installs them under its validator folder; ``Settings.qbxml_xsd_dir``
names a folder holding ``13.0/``, ``16.0/`` … subfolders or the files directly. The XSD
is necessary, not sufficient: it does not know versions, editions, ``requestID`` length
or the character repertoire, which the built-in checks cover.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from lxml import etree

from qbwc_service.qbxml.schema import version_tuple
from qbwc_service.qbxml.xmlsafe import XMLSyntaxError, hardened_parser, parse_xml

__all__ = ["XsdValidator", "find_xsd_dir", "load_validator"]


def _entry_file(folder: Path, version: str) -> Path | None:
    major, minor = ((*version_tuple(version), 0, 0))[:2]
    candidate = folder / f"qbxmlops{major}{minor}.xsd"
    if candidate.is_file():
        return candidate
    found = sorted(folder.glob("qbxmlops*.xsd"))
    return found[0] if len(found) == 1 else None


def find_xsd_dir(base: Path, version: str) -> Path | None:
    """The folder with the entry schema for ``version`` (``base/13.0`` or ``base``)."""
    base = Path(base)
    for folder in (base / version, base / f"{version_tuple(version)[0]}.0", base):
        if folder.is_dir() and _entry_file(folder, version) is not None:
            return folder
    return None


class XsdValidator:
    """Validates complete ``QBXML`` documents against one compiled schema set."""

    def __init__(self, xsd_dir: str | Path, version: str) -> None:
        folder = find_xsd_dir(Path(xsd_dir), version)
        entry = _entry_file(folder, version) if folder is not None else None
        if entry is None:
            raise FileNotFoundError(f"no qbxmlops XSD for qbXML {version} under {xsd_dir}")
        self.version = version
        self.path = entry
        # Relative xsd:include resolves from the entry file's folder.
        self._schema = etree.XMLSchema(etree.parse(str(entry), hardened_parser()))

    def validate(self, document_xml: str) -> list[str]:
        """Readable schema errors; an empty list means the document is valid."""
        try:
            root = parse_xml(document_xml)
        except XMLSyntaxError as exc:
            return [str(exc)]
        if self._schema.validate(root):
            return []
        return [f"line {error.line}: {error.message}" for error in self._schema.error_log]


@lru_cache(maxsize=8)
def load_validator(xsd_dir: str, version: str) -> XsdValidator | None:
    """A cached validator, or None when no schema for ``version`` is configured."""
    if not xsd_dir or find_xsd_dir(Path(xsd_dir), version) is None:
        return None
    return XsdValidator(xsd_dir, version)
