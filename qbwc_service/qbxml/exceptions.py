"""Errors of the qbXML package.

    QbxmlError
    ├── UnknownOperationError       the request type has no template
    ├── QbxmlValidationError        built-in checks refused a request (``problems``)
    ├── TemplateError               a user template cannot be used (``path``)
    └── ResponseParseError          a QuickBooks answer is not a qbXML response (``content``)

Unsafe or malformed XML raises ``xmlsafe.XMLSyntaxError``/``UnsafeXMLError`` (ValueError).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "Problem",
    "QbxmlError",
    "QbxmlValidationError",
    "ResponseParseError",
    "TemplateError",
    "UnknownOperationError",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a request cannot be sent; ``message`` is written for a bookkeeper."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class QbxmlError(Exception):
    """Base of every qbXML error."""


class UnknownOperationError(QbxmlError):
    def __init__(self, operation: str) -> None:
        super().__init__(f"there is no qbXML template for the request type {operation!r}")
        self.operation = operation


class QbxmlValidationError(QbxmlError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        summary = "; ".join(problem.message for problem in self.problems[:5])
        more = len(self.problems) - 5
        super().__init__(summary + (f" (and {more} more)" if more > 0 else ""))


class TemplateError(QbxmlError):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path


class ResponseParseError(QbxmlError):
    def __init__(self, message: str, content: str = "") -> None:
        super().__init__(message)
        self.content = content
