"""qbXML as the bookkeeper reads it: indented, then highlighted on the server.

Parsing goes through the project's hardened parser; text that does not parse (a purged
or truncated body) is still shown, escaped and highlighted as far as it goes.
"""

from __future__ import annotations

from lxml import etree
from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import XmlLexer

from qbwc_service.qbxml.xmlsafe import XMLSyntaxError, parse_xml

__all__ = ["highlight_xml", "pretty_xml"]

_FORMATTER = HtmlFormatter(nowrap=True)
_LEXER = XmlLexer()


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


def highlight_xml(text: str | None) -> Markup:
    """Pretty, escaped and highlighted HTML (spans with Pygments' short classes)."""
    if not text:
        return Markup("")
    try:
        return Markup(highlight(pretty_xml(text), _LEXER, _FORMATTER))  # noqa: S704
    except Exception:
        # Highlighting is a nicety; the escaped text is what matters.
        return escape(text)
