"""Fix actions: change what QuickBooks refused, the way its message says, then send again.

* ``post_on_open_date``: a transaction dated on or before the closing date moves to the
  first open date (the day after the closing date); the Magento date stays on record in
  the memo, the status history and the audit trail. Dependents dated in the closed period
  (the invoice's payment) move with it.
* ``link_existing``: the name is used by a QuickBooks record that is in fact this
  customer or item; the next run looks it up by name, links it (the mapping) and the
  requests waiting for it go ahead; dependents that failed for want of it are retried.
* ``rename``: give the new record another name; dependents that refer to it by name are
  changed with it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from qbwc_service import queue
from qbwc_service.db.models import Company, Request, RequestStatus
from qbwc_service.queue.lifecycle import note
from qbwc_service.queue.lookups import LINK_BY_NAME, lookup_possible, request_field
from qbwc_service.services import audit
from qbwc_service.services.exceptions import FixRefused
from qbwc_service.services.log import failures_of
from qbwc_service.services.requests import actor_name, dependents_of

__all__ = ["FIX_LABELS", "fixes_for", "link_existing", "post_on_open_date", "rename"]

FIX_LABELS = {
    "post_on_open_date": "Post on the first open date",
    "link_existing": "Use the existing QuickBooks record",
    "rename": "Rename and retry",
}
NAME_IN_USE = 3100
_CLOSED = re.compile(r"closing date", re.I)
_MEMO_MAX = 4095
# qbXML Name maxLength: 41 for customers, 31 for items (qbXML 13.0 XSD).
_NAME_MAX = {"CustomerAdd": 41}
_REF_OF = {"CustomerAdd": "CustomerRef"}


def _ref_key(operation: str) -> str:
    return _REF_OF.get(operation, "ItemRef")


@dataclass(frozen=True)
class _Failure:
    closed_period: bool
    name_in_use: bool


def _failure(session: Session, request: Request) -> _Failure:
    if request.status != RequestStatus.FAILED.value:
        return _Failure(False, False)
    failure = failures_of(session, [request]).get(request.id)
    words = " ".join(filter(None, (request.status_message, request.explanation)))
    name_in_use = failure is not None and failure.code == NAME_IN_USE and (
        request.operation.endswith("Add") and lookup_possible(request, "name_in_use"))
    return _Failure(bool(_CLOSED.search(words)), name_in_use)


def fixes_for(session: Session, request: Request) -> list[str]:
    """The fix actions that apply to the request's failure, in display order."""
    failure = _failure(session, request)
    found = []
    if failure.closed_period and "TxnDate" in (request.payload or {}):
        found.append("post_on_open_date")
    if failure.name_in_use and request_field(request, "Name"):
        found += ["link_existing", "rename"]
    return found


def _require(session: Session, request_id: int, fix: str) -> Request:
    request = session.get(Request, request_id)
    if request is None:
        raise FixRefused(f"request {request_id} does not exist", action=fix,
                         request_id=request_id)
    if fix not in fixes_for(session, request):
        raise FixRefused(f"{FIX_LABELS[fix]} does not apply to request {request_id} "
                         f"({request.status}, {request.status_code}).", action=fix,
                         request_id=request_id)
    return request


def _closing_date(session: Session, request: Request) -> date | None:
    """The company's closing date, read from QuickBooks' preferences (QuickBooks' refusal
    names no date)."""
    company = session.get(Company, request.company_id)
    return company.closing_date if company is not None else None


def _move_date(session: Session, request: Request, open_date: date, actor: str) -> str | None:
    payload = dict(request.payload or {})
    original = str(payload.get("TxnDate") or "")
    if not original or date.fromisoformat(original) >= open_date:
        return None
    payload["TxnDate"] = open_date.isoformat()
    memo = f"Magento date {original}, posted on first open date"
    payload["Memo"] = "; ".join(filter(None, (str(payload.get("Memo") or ""), memo)))[:_MEMO_MAX]
    request.payload = payload
    flag_modified(request, "payload")
    request.document_date = open_date
    note(session, request, actor=actor, reason=f"date moved from {original} to the first open "
         f"date {open_date.isoformat()} (QuickBooks closing date)")
    audit.record(session, actor=actor, action="post_on_open_date", target_type="request",
                 target_id=request.id, before={"TxnDate": original},
                 after={"TxnDate": open_date.isoformat()})
    return original


def post_on_open_date(session: Session, request_id: int, *, username: str) -> list[int]:
    """Move the request (and dependents dated in the closed period) to the first open
    date and send it again; returns the ids whose date moved."""
    request = _require(session, request_id, "post_on_open_date")
    closing = _closing_date(session, request)
    if closing is None:
        raise FixRefused("The QuickBooks closing date is not known yet; it is read when the "
                         "Web Connector next connects.", action="post_on_open_date",
                         request_id=request_id)
    actor, open_date = actor_name(username), closing + timedelta(days=1)
    moved = [request.id] if _move_date(session, request, open_date, actor) else []
    for dependent in dependents_of(session, [request.id]):
        if _move_date(session, dependent, open_date, actor):
            moved.append(dependent.id)
    queue.retry(session, request.id, actor=actor)
    _retry_failed_dependents(session, request, actor)
    return moved


def _retry_failed_dependents(session: Session, request: Request, actor: str) -> None:
    for dependent in dependents_of(session, [request.id]):
        if dependent.status == RequestStatus.FAILED.value:
            queue.retry(session, dependent.id, actor=actor)


def link_existing(session: Session, request_id: int, *, username: str) -> Request:
    """Link the QuickBooks record that has this name instead of adding another."""
    request = _require(session, request_id, "link_existing")
    actor = actor_name(username)
    name = request_field(request, "Name") or ""
    queue.retry(session, request.id, actor=actor)
    request.lookup_reason = LINK_BY_NAME
    note(session, request, actor=actor, reason=f'link to the QuickBooks record named "{name}" '
         "on the next run instead of adding another")
    audit.record(session, actor=actor, action="link_existing", target_type="request",
                 target_id=request.id, before={"status": "failed"},
                 after={"status": request.status, "link_to_name": name})
    _retry_failed_dependents(session, request, actor)
    return request


def _renamed_refs(value: Any, ref_key: str, old: str, new: str) -> Iterator[None]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == ref_key and isinstance(item, dict) and item.get("FullName") == old:
                item["FullName"] = new
                yield None
            else:
                yield from _renamed_refs(item, ref_key, old, new)
    elif isinstance(value, list):
        for item in value:
            yield from _renamed_refs(item, ref_key, old, new)


def rename(session: Session, request_id: int, new_name: str, *, username: str) -> Request:
    """Add the record under ``new_name``; dependents' references follow; send again."""
    request = _require(session, request_id, "rename")
    new_name = " ".join(new_name.split())
    limit = _NAME_MAX.get(request.operation, 31)
    old = request_field(request, "Name") or ""
    if not new_name or len(new_name) > limit or ":" in new_name:
        raise FixRefused(f"The new name must be 1 to {limit} characters, without a colon.",
                         action="rename", request_id=request_id)
    if new_name == old:
        raise FixRefused("The new name is the one QuickBooks already uses.", action="rename",
                         request_id=request_id)
    actor = actor_name(username)
    payload = dict(request.payload or {})
    payload["Name"] = new_name
    request.payload = payload
    flag_modified(request, "payload")
    if request.operation == "CustomerAdd":
        request.customer_name = new_name
    ref_key = _ref_key(request.operation)
    for dependent in dependents_of(session, [request.id]):
        changed = dict(dependent.payload or {})
        if any(True for _ in _renamed_refs(changed, ref_key, old, new_name)):
            dependent.payload = changed
            flag_modified(dependent, "payload")
            if ref_key == "CustomerRef":
                dependent.customer_name = new_name
            note(session, dependent, actor=actor, reason=f'refers to "{new_name}" (renamed from '
                 f'"{old}", which QuickBooks already used)')
    note(session, request, actor=actor, reason=f'renamed from "{old}" to "{new_name}"')
    queue.retry(session, request.id, actor=actor)
    audit.record(session, actor=actor, action="rename", target_type="request",
                 target_id=request.id, before={"Name": old}, after={"Name": new_name})
    _retry_failed_dependents(session, request, actor)
    return request
