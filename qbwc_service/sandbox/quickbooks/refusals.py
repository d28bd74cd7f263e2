"""How the simulated QuickBooks words a refused request: one builder per kind of refusal.

QuickBooks' own wording where a capture of it was found (``qb_error``'s shape, 3171's and
3250's texts); elsewhere the status code of QuickBooks' family and our own reason. Handlers
``raise`` what these return; the simulator answers it as the request's status.
"""

from __future__ import annotations

from qbwc_service.sandbox.quickbooks.exceptions import QbRequestRefused

__all__ = [
    "CLOSED_PERIOD",
    "NOT_ENABLED_MESSAGE",
    "SAVE_REFUSED",
    "closed_period",
    "invalid_value",
    "not_enabled",
    "not_modelled",
    "not_supported",
    "qb_error",
    "save_refused",
]

SAVE_REFUSED = 3180
CLOSED_PERIOD = 3171
NOT_ENABLED_MESSAGE = ("This feature is not enabled or not available in this version of "
                       "QuickBooks.")


def qb_error(first: str, reason: str) -> str:
    """A status message in QuickBooks' shape: two spaces after each full stop, e.g.
    'There is an invalid reference to QuickBooks Item "X" in the SalesOrder line.  QuickBooks
    error message: Invalid argument.  The specified record does not exist in the list.'
    (a real 3140 quoted in flowlink's spec/support; real 3120 and 3210 have the same shape)."""
    return f"{first}  QuickBooks error message: {reason}"


def save_refused(what: str, reason: str) -> QbRequestRefused:
    """3180: QuickBooks' save logic refused ``what`` (e.g. "Invoice") for ``reason``, in the
    shape of a real 3180: "There was an error when saving a Invoice.  QuickBooks error
    message: The credit limit for the name on this transaction has been exceeded."
    (ayssoftware.com/aysguide/resolvingquickbooksexporterrors.htm)."""
    return QbRequestRefused(SAVE_REFUSED, qb_error(f"There was an error when saving a {what}.",
                                                   reason))


def closed_period(what: str) -> QbRequestRefused:
    """3171: ``what`` (e.g. "Invoice") is dated on or before the company's closing date.

    QuickBooks' words, as At Your Service's guide quotes a real 3171 for an invoice
    (ayssoftware.com/aysguide/resolvingquickbooksexporterrors.htm), its "a Invoice" and
    "before to closing date" included; two spaces after the full stop, as in every captured
    statusMessage (the guide's HTML shows one). The capture is of a modification: an Add
    or a void dated in the closed period is answered the same (no capture of those found).
    The message names no date: the closing date is read from the preferences."""
    return QbRequestRefused(CLOSED_PERIOD, (
        f"An attempt was made to modify a {what} with a date that is on or before the closing "
        "date of the company.  If you are sure you really want to do this, please ask a user "
        "with Admin privileges to remove the password for editing transactions on or before "
        "to closing date (this setting is in the Accounting Company Preferences), then try "
        "again."))


def invalid_value(field: str, value: str, reason: str) -> QbRequestRefused:
    """3210: ``field`` holds a value QuickBooks does not accept."""
    return QbRequestRefused(3210, qb_error(f'The "{field}" field has an invalid value '
                                           f'"{value}".', reason))


def not_enabled() -> QbRequestRefused:
    """3250: the request needs a preference or edition the company file does not have
    (multicurrency, multi-location inventory)."""
    return QbRequestRefused(3250, NOT_ENABLED_MESSAGE)


def not_modelled(what: str) -> QbRequestRefused:
    """1030 for valid qbXML the simulator cannot carry out; real QuickBooks would. 1030 is
    the status QuickBooks gives a request it does not support, so the service treats it as
    permanent, and the message says why."""
    return QbRequestRefused(1030, f"{what} is valid qbXML that this simulated QuickBooks does "
                                  "not model; real QuickBooks would process it.")


def not_supported(what: str) -> QbRequestRefused:
    """1030 for a filter, option or report type the simulator does not carry out."""
    return QbRequestRefused(1030, f"{what} is not supported by this simulated QuickBooks.")
