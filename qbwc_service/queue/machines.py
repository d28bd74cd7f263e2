"""The two smaller state machines beside the request lifecycle: message sets and runs.

A message set is persisted as SENT before it leaves and ends ANSWERED, RECOVERED,
REQUEUED or FAILED; RECOVERING means an ``oldMessageSetID`` status check is out for it
(and may be sent again by a later run). A Web Connector run (one ticket) moves between
the callbacks it expects next until it is CLOSED or EXPIRED. Each state changes only
through ``move_message_set``/``move_run``, which refuse moves the tables do not list.
"""

from __future__ import annotations

from qbwc_service.db.models import MessageSet, MessageSetState, RunState, WcRun
from qbwc_service.db.records import MessageSetRecord, RunRecord
from qbwc_service.queue.errors import InvalidStateMove

__all__ = ["MESSAGE_SET_MOVES", "RUN_MOVES", "move_message_set", "move_run"]

M = MessageSetState
R = RunState

MESSAGE_SET_MOVES: dict[MessageSetState, frozenset[MessageSetState]] = {
    M.SENT: frozenset({M.ANSWERED, M.RECOVERING, M.REQUEUED, M.FAILED}),
    # RECOVERING -> RECOVERING: a later run sends the status check again.
    M.RECOVERING: frozenset({M.RECOVERING, M.RECOVERED, M.REQUEUED}),
    M.ANSWERED: frozenset(),
    M.RECOVERED: frozenset(),
    M.REQUEUED: frozenset(),
    M.FAILED: frozenset(),
}

_OPEN_RUN = frozenset({R.AUTHENTICATED, R.AWAITING_RESPONSE, R.AWAITING_LAST_ERROR,
                       R.CONNECTION_ERROR, R.CLOSED, R.EXPIRED})
RUN_MOVES: dict[RunState, frozenset[RunState]] = {
    # An open run may be told anything next (the Web Connector can skip straight to
    # closeConnection or connectionError at any point), but nothing reopens a closed one.
    R.AUTHENTICATED: _OPEN_RUN,
    R.AWAITING_RESPONSE: _OPEN_RUN,
    R.AWAITING_LAST_ERROR: _OPEN_RUN,
    R.CONNECTION_ERROR: frozenset({R.CONNECTION_ERROR, R.CLOSED, R.EXPIRED}),
    R.CLOSED: frozenset(),
    R.EXPIRED: frozenset(),
}


def move_message_set(message_set: MessageSet | MessageSetRecord, to: MessageSetState) -> None:
    """Change ``message_set``'s state if its machine allows the move."""
    current = MessageSetState(message_set.state)
    if to not in MESSAGE_SET_MOVES[current]:
        raise InvalidStateMove("message set", message_set.message_set_id, current.value,
                               to.value)
    message_set.state = to.value


def move_run(run: WcRun | RunRecord, to: RunState) -> None:
    """Change a Web Connector run's state if its machine allows the move."""
    current = RunState(run.state)
    if to not in RUN_MOVES[current]:
        raise InvalidStateMove("Web Connector run", f"of company #{run.company_id}",
                               current.value, to.value)
    run.state = to.value
