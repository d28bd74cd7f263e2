"""qbXML as the bookkeeper reads it: indented (``qbxml.pretty``), then highlighted on the
server. Text that does not parse (a purged or truncated body) is still shown, escaped and
highlighted as far as it goes.
"""

from __future__ import annotations

from markupsafe import Markup, escape
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import XmlLexer

from qbwc_service.qbxml.pretty import pretty_xml

__all__ = ["highlight_xml"]

_FORMATTER = HtmlFormatter(nowrap=True)
_LEXER = XmlLexer()


def highlight_xml(text: str | None) -> Markup:
    """Pretty, escaped and highlighted HTML (spans with Pygments' short classes)."""
    if not text:
        return Markup("")
    try:
        return Markup(highlight(pretty_xml(text), _LEXER, _FORMATTER))  # noqa: S704
    except Exception:
        # Highlighting is a nicety; the escaped text is what matters.
        return escape(text)
