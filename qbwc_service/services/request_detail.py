"""One request as both faces show it: what it is, why it stands where it stands, its
attempts, history and dependencies, and what a bookkeeper can do next."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from qbwc_service.db.models import Attempt, Company, Request, RequestDependency, RequestTransition
from qbwc_service.qbxml.status import classify
from qbwc_service.services.exceptions import NotFound
from qbwc_service.services.log import Failure, blockers_of, failures_of

__all__ = ["DEPENDENTS_PER_PAGE", "RequestDetail", "explain", "request_detail", "what_next"]

DEPENDENTS_PER_PAGE = 20


def explain(request: Request) -> str | None:
    """The plain-language reading of the request's status code and QuickBooks' message."""
    if request.explanation:
        return request.explanation
    if request.status_code is None:
        return None
    return classify(request.status_code, request.status_message or "").explanation


def what_next(request: Request) -> str | None:
    """"Retry later" versus "needs a fix", in the words of the request's situation."""
    if request.status != "failed" or request.status_code is None:
        return None
    kind = classify(request.status_code, request.status_message or "").kind
    if kind == "retryable":
        return ("Retry later: QuickBooks was busy or locked. Sending it again as it is "
                "normally works.")
    return ("Needs a fix: sending it again unchanged will fail the same way. Change what "
            "the explanation names (or use a fix below), then retry.")


@dataclass(frozen=True)
class RequestDetail:
    request: Request
    company: Company | None
    attempts: list[Attempt]
    transitions: list[RequestTransition]
    depends_on: list[Request]
    dependents: list[Request]  # one page of the requests waiting for this one
    dependents_total: int
    dependents_page: int
    dependents_pages: int
    explanation: str | None
    what_next: str | None
    failure: Failure | None
    blocker: int | None

    @property
    def first_open_date(self) -> date | None:
        closing = self.company.closing_date if self.company else None
        return closing + timedelta(days=1) if closing else None


def request_detail(session: Session, request_id: int, *, dependents_page: int = 1
                   ) -> RequestDetail:
    """Everything about request ``request_id``; :class:`NotFound` when there is none."""
    request = session.get(Request, request_id)
    if request is None:
        raise NotFound(f"there is no request #{request_id}")
    attempts = list(session.scalars(
        select(Attempt).where(Attempt.request_id == request_id)
        .order_by(Attempt.sent_at, Attempt.id)))
    transitions = list(session.scalars(
        select(RequestTransition).where(RequestTransition.request_id == request_id)
        .order_by(RequestTransition.at, RequestTransition.id)))
    depends_on = list(session.scalars(
        select(Request).join(RequestDependency, RequestDependency.depends_on_id == Request.id)
        .where(RequestDependency.request_id == request_id).order_by(Request.id)))
    needed_by = (select(Request)
                 .join(RequestDependency, RequestDependency.request_id == Request.id)
                 .where(RequestDependency.depends_on_id == request_id))
    total = session.scalar(select(func.count()).select_from(needed_by.subquery())) or 0
    page = max(dependents_page, 1)
    dependents = list(session.scalars(
        needed_by.order_by(Request.id).limit(DEPENDENTS_PER_PAGE)
        .offset((page - 1) * DEPENDENTS_PER_PAGE)))
    return RequestDetail(
        request=request, company=session.get(Company, request.company_id), attempts=attempts,
        transitions=transitions, depends_on=depends_on, dependents=dependents,
        dependents_total=total, dependents_page=page,
        dependents_pages=max(-(-total // DEPENDENTS_PER_PAGE), 1),
        explanation=explain(request), what_next=what_next(request),
        failure=failures_of(session, [request]).get(request.id),
        blocker=blockers_of(session, [request]).get(request.id),
    )
