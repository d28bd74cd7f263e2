"""Message sets and Web Connector runs change state only along their machines' tables."""

from __future__ import annotations

import itertools
from types import SimpleNamespace
from typing import Any, cast

import pytest

from qbwc_service.db.models import MessageSetState, RunState
from qbwc_service.queue.errors import InvalidStateMove
from qbwc_service.queue.machines import (
    MESSAGE_SET_MOVES,
    RUN_MOVES,
    move_message_set,
    move_run,
)

_SETTLED = {MessageSetState.ANSWERED, MessageSetState.RECOVERED, MessageSetState.REQUEUED,
            MessageSetState.FAILED}


def test_every_state_has_a_row() -> None:
    """No state is left out of either table, so a new state cannot slip past the guard."""
    assert set(MESSAGE_SET_MOVES) == set(MessageSetState)
    assert set(RUN_MOVES) == set(RunState)


@pytest.mark.parametrize(("current", "to"),
                         list(itertools.product(MessageSetState, MessageSetState)))
def test_message_set_moves(current: MessageSetState, to: MessageSetState) -> None:
    """Each pair is allowed exactly when the table lists it; a refused move changes nothing."""
    message_set = SimpleNamespace(state=current.value, message_set_id="ms-1")
    if to in MESSAGE_SET_MOVES[current]:
        move_message_set(cast(Any, message_set), to)
        assert message_set.state == to.value
    else:
        with pytest.raises(InvalidStateMove, match=f"is {current.value} and cannot become"):
            move_message_set(cast(Any, message_set), to)
        assert message_set.state == current.value


def test_a_settled_message_set_never_moves_again() -> None:
    """An answered, recovered, requeued or failed set is history: no move leaves it."""
    for state in _SETTLED:
        assert MESSAGE_SET_MOVES[state] == frozenset()
    assert MessageSetState.SENT not in set().union(*MESSAGE_SET_MOVES.values())


@pytest.mark.parametrize(("current", "to"), list(itertools.product(RunState, RunState)))
def test_run_moves(current: RunState, to: RunState) -> None:
    """A run moves freely while open, and nothing reopens a closed or expired run."""
    run = SimpleNamespace(state=current.value, company_id=7)
    allowed = to in RUN_MOVES[current]
    if current in (RunState.CLOSED, RunState.EXPIRED):
        assert not allowed
    if allowed:
        move_run(cast(Any, run), to)
        assert run.state == to.value
    else:
        with pytest.raises(InvalidStateMove, match="Web Connector run of company #7"):
            move_run(cast(Any, run), to)
        assert run.state == current.value
