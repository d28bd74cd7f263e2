"""QuickBooks status codes and Web Connector HRESULTs in plain language.

``classify`` decides what the queue does with a response: ``success`` (done),
``warning`` (done, but tell the bookkeeper), ``retryable`` (try again later, as is) or
``permanent`` (a person must change data or settings first).

Some codes cover several causes (3180 is a lock, a missing required account or a
duplicate value), so ``classify`` also reads QuickBooks' own message and explains the
cause it names, never a neighbouring one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

__all__ = ["StatusInfo", "StatusKind", "classify", "explain_hresult", "is_ok", "status_kind"]

StatusKind = Literal["success", "warning", "retryable", "permanent"]


@dataclass(frozen=True, slots=True)
class StatusInfo:
    kind: StatusKind
    explanation: str


CLOSED_PERIOD_TEXT = (
    "The transaction is dated on or before the company's closing date, so QuickBooks will not "
    "post it. Post it on the first open date (the original date stays on record), or ask the "
    "QuickBooks administrator to move the closing date."
)

_TABLE: dict[int, tuple[StatusKind, str]] = {
    0: ("success", "QuickBooks processed the request."),
    1: ("success", "The query found no matching records; this is an empty result, not an error."),
    500: (
        "warning",
        "QuickBooks returned only part of the data: an element it needed could not be found.",
    ),
    501: ("warning", "QuickBooks does not know this object at the qbXML version in use."),
    510: ("warning", "QuickBooks could not return the object."),
    530: (
        "warning",
        "QuickBooks ignored a field this edition or version does not support; the rest was saved.",
    ),
    531: ("warning", "QuickBooks ignored an enumeration value it does not support."),
    550: ("warning", "The record was saved but its notes were not."),
    560: ("warning", "The request used a field QuickBooks has deprecated."),
    570: (
        "warning",
        "A link to an already closed transaction was not made; check the payment or credit.",
    ),
    600: (
        "success",
        "No saved message-set state to return or clear (error recovery); nothing is pending.",
    ),
    1000: (
        "retryable",
        "QuickBooks reported an internal error; it usually passes when tried again.",
    ),
    1010: ("retryable", "QuickBooks was not available; the request will be tried again."),
    1030: ("permanent", "This edition of QuickBooks does not support this request."),
    1060: (
        "permanent",
        "The request ID is invalid (longer than 50 characters); this is a connector bug.",
    ),
    3000: (
        "permanent",
        "A QuickBooks ID in the request is not valid; the record may have been deleted or merged.",
    ),
    3010: ("permanent", "A true/false value in the request is not valid."),
    3020: ("permanent", "A date in the request is not valid."),
    3030: ("permanent", "A date range in the request is not valid."),
    3031: ("permanent", "A text range in the request is not valid."),
    3100: (
        "permanent",
        "The name is already used by another record; names are unique across customers, vendors, employees and other names. Link to the existing record or rename.",
    ),
    3120: (
        "permanent",
        "A record the request refers to cannot be found in QuickBooks; it may have been deleted. The mapping will need to be rebuilt.",
    ),
    3140: (
        "permanent",
        "The request refers to a customer, item, account, tax item or site that does not exist in QuickBooks. Create it in QuickBooks (or correct the mapping settings), then retry the request.",
    ),
    3170: (
        "retryable",
        "Another QuickBooks user changed this list at the same moment; trying again normally succeeds.",
    ),
    3171: ("permanent", CLOSED_PERIOD_TEXT),
    3175: (
        "retryable",
        "QuickBooks could not lock the record because someone is editing it; it will be tried again.",
    ),
    3176: (
        "retryable",
        "QuickBooks could not acquire a lock on the record; it will be tried again.",
    ),
    3180: (
        "retryable",
        "QuickBooks refused to save the record; its message after \"QuickBooks error message:\" says why. A record in use by another user passes when tried again.",
    ),
    3200: (
        "retryable",
        "The record changed in QuickBooks since it was read (edit sequence out of date); it will be read again and the change re-applied.",
    ),
    3210: (
        "permanent",
        "QuickBooks refused a field value, for example a payment larger than the amount due; correct the data.",
    ),
    3250: (
        "permanent",
        "QuickBooks says this feature is not enabled or not available in this edition or version.",
    ),
    3260: (
        "permanent",
        "The QuickBooks user this connector logs in as lacks permission; give it the needed rights in QuickBooks.",
    ),
    3261: (
        "permanent",
        "The connector is not allowed to access personal data; allow it under Integrated Applications in QuickBooks.",
    ),
    3391: (
        "retryable",
        "The query iterator expired; the query will be restarted from the beginning.",
    ),
}


# (codes it applies to or None for any code, pattern in QuickBooks' message, kind, text).
# The first match wins; the patterns follow the message texts quoted in the qbXML notes
# (consolibyte QuickBooks/Callbacks/SQL/Errors.php) and the simulated QuickBooks.
_CAUSES: tuple[tuple[frozenset[int] | None, re.Pattern[str], StatusKind, str], ...] = (
    (None, re.compile(r"closing date|closed (?:accounting )?period", re.I), "permanent",
     CLOSED_PERIOD_TEXT),
    (frozenset({3180}), re.compile(r"\bis required\b", re.I), "permanent",
     "QuickBooks could not save the record because a value it requires is missing (for "
     "example an income, cost or asset account for an inventory item). Correct the mapping "
     "settings, then retry."),
    (frozenset({3180}), re.compile(r"duplicate|already (?:exists|in use)", re.I), "permanent",
     "QuickBooks could not save the record because a value duplicates another record "
     "(for example a sales rep's initials). Change the value, then retry."),
    (frozenset({3180}), re.compile(r"\bin use\b|lock|another user", re.I), "retryable",
     "QuickBooks could not save the record because someone is using it; it will be tried "
     "again."),
    (frozenset({3210}), re.compile(r"more than the amount due", re.I), "permanent",
     "The payment is larger than what is still due on the invoice in QuickBooks (it may "
     "already be partly paid or credited). Check the invoice's balance, then retry or cancel."),
)


def _cause(code: int, message: str) -> tuple[StatusKind, str] | None:
    for codes, pattern, kind, text in _CAUSES:
        if (codes is None or code in codes) and pattern.search(message):
            return kind, text
    return None


def classify(code: int, message: str = "") -> StatusInfo:
    """What status ``code`` means for the queue, with an explanation for the request log.

    ``message`` is QuickBooks' statusMessage; where a code covers several causes it
    decides which one is explained.
    """
    if code >= 1000 and message:
        cause = _cause(code, message)
        if cause is not None:
            return StatusInfo(cause[0], f"{code}: {cause[1]}")
    if code in _TABLE:
        kind, text = _TABLE[code]
        return StatusInfo(kind, f"{code}: {text}")
    if 0 <= code < 500:
        return StatusInfo("success", f"{code}: QuickBooks reported information code {code}.")
    if 500 <= code < 1000:
        return StatusInfo("warning", f"{code}: QuickBooks saved the request with warning {code}.")
    return StatusInfo(
        "permanent",
        f"{code}: QuickBooks refused the request with status {code}; see the status message.",
    )


def status_kind(code: int | None, message: str | None = None) -> tuple[str, str]:
    """(success|warning|retryable|permanent, plain-language explanation) for a status code.

    ``message`` is QuickBooks' statusMessage: it picks the cause where a code has several.
    """
    if code is None:
        return "permanent", "QuickBooks returned no status for this request."
    info = classify(int(code), message or "")
    return str(info.kind), str(info.explanation)


def is_ok(code: int | None) -> bool:
    """True when the request took effect (success or warning)."""
    if code is None:
        return False
    return classify(code).kind in ("success", "warning")


_HRESULTS: dict[int, str] = {
    0x80040400: "QuickBooks could not read the request (XML parse error). Usually an element out of order, an element this QuickBooks version does not know, or characters outside Latin-1.",
    0x80040401: "The Web Connector could not access QuickBooks. Make sure QuickBooks is installed and can be opened by the Windows user running the Web Connector.",
    0x80040402: "QuickBooks reported an unexpected error. Check qbsdklog.txt in the Intuit folder on the QuickBooks machine; the run will be retried.",
    0x80040408: "QuickBooks could not be started. Open QuickBooks by hand once to clear any pop-up, then run the Web Connector again.",
    0x8004040A: "A different company file is open in QuickBooks. Open the company file this connector was set up for, or close QuickBooks so the Web Connector can open it.",
    0x80040410: "The company file is open in a different mode (single-user vs multi-user). Switch the mode in QuickBooks' File menu, or close the file.",
    0x80040414: "A dialog box is open in QuickBooks and blocks the connector. Close it on the QuickBooks machine and run again.",
    0x80040416: "QuickBooks is not running and no company file was named. Open QuickBooks with the company file, or set the company file in the Web Connector.",
    0x80040418: "This connector has not been authorised for this company file. Log in to QuickBooks as the Admin in single-user mode and accept the connector's certificate prompt.",
    0x8004041A: "This connector does not have permission to access the company file. In QuickBooks go to Edit > Preferences > Integrated Applications > Company Preferences and allow it.",
    0x8004041D: "This connector is not allowed to log in automatically. In Integrated Applications preferences, allow it to log in automatically and choose the user it logs in as.",
    0x80040420: "The QuickBooks user denied the connector access. Grant access under Edit > Preferences > Integrated Applications.",
    0x80040422: "This action needs QuickBooks in single-user mode, or another application holds the file in single-user mode. Switch modes or close the other application.",
    0x80040423: "This QuickBooks does not support the qbXML version the connector asked for. Update QuickBooks, or the connector will fall back to an older version on the next run.",
    0x80040424: "QuickBooks had not finished starting up. Wait until QuickBooks is fully open and run the Web Connector again.",
}


def explain_hresult(hresult: str, message: str) -> str:
    """Advice for a bookkeeper or IT person about a Web Connector/QuickBooks HRESULT."""
    text = (hresult or "").strip()
    try:
        code = int(text, 16) if text.lower().startswith("0x") else int(text) & 0xFFFFFFFF
    except ValueError:
        code = None
    advice = _HRESULTS.get(code) if code is not None else None
    label = f"0x{code:08X}" if code is not None else (text or "unknown HRESULT")
    detail = f' QuickBooks said: "{message.strip()}"' if message and message.strip() else ""
    if advice is None:
        advice = "QuickBooks or the Web Connector reported an error the connector does not recognise; check the Web Connector log (QWCLog.txt) and qbsdklog.txt."
    return f"{label}: {advice}{detail}"
