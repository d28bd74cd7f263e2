"""What became of the requests in message sets QuickBooks refused during one run.

A refused set (``receiveResponseXML`` with an hresult such as 0x80040400) posts none of
its requests. The queue then sends them again one at a time, fails the unreadable one,
or retries them later. ``getLastError`` and ``closeConnection`` tell the user which, from
the request rows themselves, so the text is never a guess made at refusal time.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Attempt, Request, RequestStatus

__all__ = ["refused_requests_report"]

_REFUSED = "refused"
_LISTED = 5

_FATES = {
    RequestStatus.SUCCEEDED.value: "posted when sent again",
    RequestStatus.FAILED.value: "failed (correct and retry in the request log)",
    RequestStatus.QUEUED.value: "back in the queue for a later run",
    RequestStatus.HELD.value: "held for review",
    RequestStatus.SENT.value: "sent again, answer not yet received",
    RequestStatus.CANCELED.value: "canceled",
}


def refused_requests_report(session: Session, ticket: str, base_url: str) -> str | None:
    """One paragraph on the refused sets of run ``ticket``; None when none was refused."""
    rows = session.execute(
        select(Attempt.request_id, Attempt.message_set_id, Attempt.hresult)
        .where(Attempt.ticket == ticket, Attempt.outcome == _REFUSED)
    ).all()
    if not rows:
        return None
    request_ids = sorted({row.request_id for row in rows})
    sets = {row.message_set_id for row in rows}
    hresults = sorted({row.hresult for row in rows if row.hresult})
    requests = session.scalars(select(Request).where(Request.id.in_(request_ids))).all()
    by_status: dict[str, list[Request]] = {}
    for request in requests:
        by_status.setdefault(request.status, []).append(request)
    parts = []
    for status, fate in _FATES.items():
        group = by_status.get(status, [])
        if not group:
            continue
        text = f"{len(group)} {fate}"
        if status == RequestStatus.FAILED.value:
            named = ", ".join(f"{r.operation} {r.magento_ref or ''} ({base_url}/requests/{r.id})"
                              .replace("  ", " ") for r in group[:_LISTED])
            text += f": {named}" + (" and more" if len(group) > _LISTED else "")
        parts.append(text)
    set_noun = "a message set" if len(sets) == 1 else f"{len(sets)} message sets"
    request_noun = "request" if len(request_ids) == 1 else "requests"
    return (
        f"QuickBooks refused {set_noun} of this run ({', '.join(hresults)}); none of the "
        f"{len(request_ids)} {request_noun} in it was posted then. Now: {'; '.join(parts)}."
    )
