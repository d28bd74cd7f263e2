"""Explanations say what QuickBooks said: one case per code the simulated QuickBooks returns."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from qbwc_service.qbxml.status import classify
from qbwc_service.sandbox.quickbooks import CLOSED_PERIOD_STATUS
from qbwc_service.sandbox.quickbooks.refusals import closed_period
from qbwc_service.sandbox.quickbooks.simulator import _BUSY_MESSAGES

SIMULATOR = Path(__file__).resolve().parents[2] / "qbwc_service" / "sandbox" / "quickbooks"

# (code, the simulated QuickBooks' message, expected kind, words the explanation must hold,
#  words it must not hold)
CASES: list[tuple[int, str, str, str, str | None]] = [
    (0, "Status OK", "success", "processed", None),
    (1, "A query request did not find a matching object in QuickBooks", "success",
     "no matching records", None),
    (500, "The query request has not been fully completed.", "warning", "only part", None),
    (1030, "The request CheckAdd is not supported by this simulated QuickBooks.", "permanent",
     "does not support", None),
    (1060, 'The request ID "x" is invalid, possibly too long.', "permanent", "request ID", None),
    (3100, 'The name "Smith & Sons" of the list element is already in use.', "permanent",
     "already used", None),
    (3120, 'Object "80000001-1" specified in the request cannot be found.', "permanent",
     "cannot be found", None),
    (3140, 'There is an invalid reference to QuickBooks Item "WIDGET" in the Invoice line. '
     "QuickBooks error message: Invalid argument. The specified record does not exist in the "
     "list.", "permanent", "does not exist", None),
    (3180, 'There was an error when saving a ItemInventory list, element "W". QuickBooks '
     "error message: IncomeAccountRef is required for this item type.", "permanent",
     "requires is missing", "tried again"),
    (3200, 'The provided edit sequence "1" is out-of-date.', "retryable", "changed", None),
    (3210, 'The "Payment amount" field has an invalid value "9.00". QuickBooks error message: '
     "You cannot pay more than the amount due.", "permanent", "larger than what is still due",
     None),
    (3250, "This feature is not enabled or not available in this version of QuickBooks.",
     "permanent", "not enabled", "closing date"),
    (CLOSED_PERIOD_STATUS, closed_period("Invoice").status_message, "permanent",
     "closing date", "not enabled"),
    (3391, 'The iteratorID "{abc}" is not valid.', "retryable", "iterator", None),
    *[(code, message, "retryable", "tried again", "required") for code, message in
      _BUSY_MESSAGES.items()],
]


@pytest.mark.parametrize(("code", "message", "kind", "says", "never"), CASES)
def test_explanation_follows_quickbooks_message(code: int, message: str, kind: str, says: str,
                                                never: str | None) -> None:
    """The explanation names the cause QuickBooks' message names, and nothing contradicting it."""
    info = classify(code, message)
    assert info.kind == kind
    assert info.explanation.startswith(f"{code}:")
    assert says.lower() in info.explanation.lower()
    if never:
        assert never.lower() not in info.explanation.lower()


def _codes_the_simulator_returns() -> set[int]:
    codes: set[int] = {CLOSED_PERIOD_STATUS, *_BUSY_MESSAGES}
    for path in SIMULATOR.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= {int(c) for c in re.findall(r"QbRequestRefused\(\s*(\d+)", text)}
        codes |= {int(c) for c in re.findall(r"status_code=(\d+)", text)}
    return codes


def test_every_code_the_simulator_returns_has_a_case() -> None:
    """A new refusal in the simulated QuickBooks needs its explanation case here."""
    covered = {case[0] for case in CASES}
    missing = _codes_the_simulator_returns() - covered
    assert not missing, f"no explanation case for simulated status codes {sorted(missing)}"


def test_closed_period_explanation_for_any_code() -> None:
    """Whatever code carries it, a closing-date refusal is explained as a closed period."""
    info = classify(3170, "The transaction date is on or before the closing date.")
    assert info.kind == "permanent" and "closing date" in info.explanation
