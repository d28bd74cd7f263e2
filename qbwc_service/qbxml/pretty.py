"""qbXML as people read it: re-indented two spaces per level, for the console and the
command line alike.

Parsing goes through the hardened parser; text that does not parse (a purged or
truncated body) comes back as it is.
"""

from __future__ import annotations

from lxml import etree

from qbwc_service.qbxml.xmlsafe import XMLSyntaxError, parse_xml

__all__ = ["pretty_xml"]


def pretty_xml(text: str) -> str:
    """``text`` re-indented two spaces per level, processing instructions kept."""
    try:
        root = parse_xml(text)
    except XMLSyntaxError:
        return text
    etree.indent(root, space="  ")
    # Top-level processing instructions (<?qbxml version?>) matter to QuickBooks: keep them.
    preamble = [etree.tostring(node, encoding="unicode").strip()
                for node in reversed(list(root.itersiblings(preceding=True)))]
    return "\n".join([*preamble, etree.tostring(root, encoding="unicode")])
