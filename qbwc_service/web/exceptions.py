"""Errors the web console shows: the use cases' own, re-exported for the views.

``ActionRefused`` (a bookkeeper action was not carried out) and ``WebUserError`` (a console
account cannot be created or changed) live in ``services.exceptions``; the console raises
none of its own beyond HTTP errors.
"""

from __future__ import annotations

from qbwc_service.services.exceptions import ActionRefused, ServiceError, WebUserError

__all__ = ["ActionRefused", "WebConsoleError", "WebUserError"]

WebConsoleError = ServiceError
