"""The forced-status test hook: a chosen request refused with a chosen error, nothing run."""

from __future__ import annotations

import pytest

from qbwc_service.qbxml.xmlsafe import parse_xml
from qbwc_service.sandbox.quickbooks import QuickBooksSimulator
from tests.sandbox.conftest import message, responses, status

_THREE = "".join(f'<CustomerAddRq requestID="{n}"><CustomerAdd><Name>Customer {n}</Name>'
                 "</CustomerAdd></CustomerAddRq>" for n in (1, 2, 3))
_DENIED = "Insufficient permission level to perform this action."


def _names(simulator: QuickBooksSimulator) -> set[str]:
    rs = responses(simulator.process(message("<CustomerQueryRq />")))[0]
    return {ret.findtext("Name") or "" for ret in rs}


def test_forced_request_is_refused_and_the_rest_runs(simulator: QuickBooksSimulator) -> None:
    """The forced request gets the status, Error severity and no record; the others run."""
    simulator.force_status(2, 3260, _DENIED)
    rs = responses(simulator.process(message(_THREE, on_error="continueOnError")))
    assert [(r.get("requestID"), status(r)) for r in rs] == [("1", 0), ("2", 3260), ("3", 0)]
    assert (rs[1].get("statusSeverity"), rs[1].get("statusMessage"), len(rs[1])) == (
        "Error", _DENIED, 0)
    assert _names(simulator) == {"Customer 1", "Customer 3"}


def test_forced_statuses_are_used_once_in_order(simulator: QuickBooksSimulator) -> None:
    """Two forced statuses answer the next two requests of that id; the third runs."""
    simulator.force_status("1", 3170, "first")
    simulator.force_status(1, 3175, "second")
    one = ('<CustomerAddRq requestID="1"><CustomerAdd><Name>Busy</Name></CustomerAdd>'
           "</CustomerAddRq>")
    codes = [status(responses(simulator.process(message(one)))[0]) for _ in range(3)]
    assert codes == [3170, 3175, 0]
    assert simulator.forced.pending() == 0 and _names(simulator) == {"Busy"}


def test_forced_error_stops_a_stop_on_error_set(simulator: QuickBooksSimulator) -> None:
    """A forced error is an error like any other: stopOnError answers nothing after it."""
    simulator.force_status(1, 3260, _DENIED)
    rs = responses(simulator.process(message(_THREE, on_error="stopOnError")))
    assert [status(r) for r in rs] == [3260]
    assert _names(simulator) == set()


def test_forced_answer_is_saved_for_error_recovery(simulator: QuickBooksSimulator) -> None:
    """The status check of a set with a forced refusal returns that refusal."""
    simulator.force_status(3, 3260, _DENIED)
    sent = message(_THREE, on_error="continueOnError", attributes=' newMessageSetID="ms-9"')
    simulator.process(sent)
    check = simulator.process(message(
        "", attributes=' oldMessageSetID="ms-9" newMessageSetID="ms-9"'))
    assert [status(r) for r in parse_xml(check).find("QBXMLMsgsRs")] == [0, 0, 3260]


@pytest.mark.parametrize("code", [0, 1, 500, 999])
def test_only_errors_can_be_forced(simulator: QuickBooksSimulator, code: int) -> None:
    """Info and Warn statuses say the request ran, which a forced answer never does."""
    with pytest.raises(ValueError, match="only error statuses"):
        simulator.force_status(1, code, "no")
    assert simulator.forced.pending() == 0
