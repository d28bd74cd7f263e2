"""Web Connector runs: one run per ticket, each callback one method. No SOAP in here.

Each public method is one Web Connector callback. Every method answers; none raises:
a SOAP fault makes the Web Connector retry forever, and a stack trace in the body
breaks its XML parser. An unknown or expired ticket gets the protocol's benign
answer for that call ("" / -1 / "done").
"""

from __future__ import annotations

import logging
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from qbwc_service import __version__, queue
from qbwc_service.context import AppContext
from qbwc_service.db.models import Company, RunState, WcRun, utcnow
from qbwc_service.db.records import RunRecord, save
from qbwc_service.failpoints import failpoint
from qbwc_service.qbwc.auth import (
    AuthOutcome,
    LoginPolicy,
    RecentLogins,
    check_credentials,
    new_ticket,
    ticket_key,
)
from qbwc_service.qbwc.hcp import apply_hcp
from qbwc_service.qbxml import explain_hresult, version_ceiling
from qbwc_service.queue.machines import move_run
from qbwc_service.queue.recovery import unsettled_sets
from qbwc_service.refusals import refused_requests_report
from qbwc_service.security import LoginThrottle, address_allowed

__all__ = ["BUSY", "INVALID_USER", "NOOP", "NO_WORK", "Runs", "version_tuple"]

log = logging.getLogger(__name__)

# authenticate() vocabulary (qbwc-protocol.md §4.1): lowercase is what working servers send.
INVALID_USER = "nvu"
NO_WORK = "none"
BUSY = "busy"
NOOP = "NoOp"
DONE = "done"

# A second login for a company whose run made a call this recently is a concurrent
# Web Connector, not the same one coming back after losing its session.
BUSY_WINDOW = timedelta(seconds=90)
BUSY_POSTPONE_SECONDS = 120
# Work that becomes ready this soon is worth a NoOp pause rather than ending the run.
NOOP_HORIZON = timedelta(seconds=30)
# Runs the service has ended: no callback but one closeConnection may use their ticket.
ENDED = frozenset({RunState.CLOSED.value, RunState.EXPIRED.value,
                   RunState.CONNECTION_ERROR.value})
UNREADABLE_ANSWER = (
    "QuickBooks' answer to the last message set could not be read. Its requests are "
    "checked with QuickBooks before anything is sent again; see the request log."
)
# connectionError hresults worth one retry with the configured company file path.
RETRY_WITH_PATH = {"0x80040416", "0x8004040a", "0x80040410", "0x80040414"}

T = TypeVar("T")
# session.info key: the run a callback read, written back when its work is done.
_RUN = "qbwc_run"


def version_tuple(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.strip().split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits) if digits else 0)
    return tuple(parts)


class Runs:
    """Answers the Web Connector's callbacks against the database-backed session state."""

    def __init__(self, ctx: AppContext, *, handlers: queue.HandlerRegistry,
                 clock: Callable[[], datetime] = utcnow) -> None:
        self.ctx = ctx
        self.handlers = handlers  # apply QuickBooks' answers locally, after the queue
        self.settings = ctx.settings
        self.clock = clock
        self.throttle = LoginThrottle(ctx.settings.address_login_limit,
                                      ctx.settings.address_login_window_seconds)
        self.login_policy = LoginPolicy.from_settings(ctx.settings)
        self.recent_logins = (RecentLogins(ctx.settings.login_cache_seconds)
                              if ctx.settings.login_cache_seconds > 0 else None)
        # Tickets handed to throttled logins, for the one closeConnection that follows:
        # its answer is what the Web Connector shows in its Status column.
        self._throttled: OrderedDict[str, str] = OrderedDict()
        self._throttled_lock = threading.Lock()

    # -- helpers ---------------------------------------------------------------
    def _guard(self, callback: str, fallback: T, work: Callable[[Session], T]) -> T:
        try:
            with self.ctx.db.session() as session:
                answer = work(session)
                run: RunRecord | None = session.info.pop(_RUN, None)
                if run is not None:
                    # One UPDATE of the row per call, with whatever the call changed on it.
                    save(session.connection(), run)
                return answer
        except Exception:
            # The details go to the server log only; the Web Connector gets a benign answer.
            log.exception("web connector callback %s failed", callback)
            return fallback

    def _live(self, session: Session, ticket: str | None,
              statement: Select[Any] | None = None) -> RunRecord | None:
        """The open run ``ticket`` names; None for unknown, ended or expired tickets.
        ``statement``: the run's read with more beside it (``_RUN_FOR_SEND``,
        ``_RUN_AND_AWAITED_SET``)."""
        if not ticket:
            return None
        run = _locked_run(session, ticket, statement)
        if run is None or run.state in ENDED or run.released_at is not None:
            return None
        now = self.clock()
        if run.expires_at <= now:
            self._end(session, run, RunState.EXPIRED, "the session expired")
            return None
        run.last_call_at = now  # written with the rest when the callback's work is done
        return run

    def _end(self, session: Session, run: WcRun | RunRecord, state: RunState,
             reason: str) -> None:
        queue.abandon_ticket(session, run.ticket, reason=reason)
        move_run(run, state)
        run.closed_at = self.clock()
        run.open_company_id = None

    def _expire_stale(self, session: Session, company_id: int, user_id: int) -> WcRun | None:
        """End open runs of the company nobody is talking to; return a live one if any.

        One Web Connector entry never runs twice at once, so a new login by the same user
        means its previous run died (qbwc-protocol.md §3: authenticate while a response was
        expected means data was lost): that run is ended and recovered, never "busy".
        """
        now = self.clock()
        idle = timedelta(seconds=self.settings.session_idle_seconds)
        open_runs = session.scalars(
            select(WcRun).where(WcRun.open_company_id == company_id).with_for_update()
        ).all()
        live = None
        for run in open_runs:
            if run.expires_at <= now or run.last_call_at + idle <= now:
                self._end(session, run, RunState.EXPIRED, "the Web Connector stopped calling")
            elif run.user_id != user_id and run.last_call_at + BUSY_WINDOW > now:
                live = run
            else:
                # The same Web Connector is back after losing its run: what it had in
                # flight goes through recovery before anything new is sent.
                self._end(session, run, RunState.EXPIRED, "superseded by a new login")
        session.flush()
        return live

    # -- callbacks ---------------------------------------------------------------
    def server_version(self) -> str:
        return f"qbwc-service {__version__}"

    def client_version(self, version: str | None) -> str:
        if not version:
            return ""
        minimum = self.settings.min_web_connector_version
        if version_tuple(version) >= version_tuple(minimum):
            return ""
        policy = self.settings.web_connector_version_policy
        if policy == "error":
            return f"E:This service needs QuickBooks Web Connector {minimum} or newer; you have {version}."
        if policy == "ok":
            return f"O:{minimum}"
        return (
            f"W:QuickBooks Web Connector {version} is older than {minimum}, the oldest version "
            "this service is tested with. Updating is recommended."
        )

    def authenticate(
        self, username: str | None, password: str | None, address: str = ""
    ) -> list[str]:
        """[ticket, company file | none | nvu | busy, postpone seconds, minimum run seconds].

        Plain strings only, "" for "not given": every captured reply from working servers
        does so, and the Web Connector reads the array by position (qbwc-protocol.md §4.1).
        """
        refused = [new_ticket(), INVALID_USER]
        if not address_allowed(address, self.settings.web_connector_addresses):
            log.warning("web connector login refused: address not in web_connector_addresses")
            return refused
        wait = self.throttle.retry_after(address) if address else 0.0
        if wait:
            # Too many failed logins from this address: refused before any password check.
            log.warning("web connector login refused: too many failures from one address")
            return self._throttled_answer(timedelta(seconds=wait))
        answer: list[str] = self._guard(
            "authenticate", [new_ticket(), BUSY], lambda s: self._authenticate(
            s, username or "", password or "", refused, address))
        if address and answer[1] == INVALID_USER:
            self.throttle.record_failure(address)
        return answer

    def _throttled_answer(self, wait: timedelta) -> list[str]:
        """``busy`` postponed until the wait is over, and a closeConnection that says so.

        A wrong password gets ``nvu`` ("Invalid password"); a throttled login must not,
        or the bookkeeper would retype a correct password that can only be refused.
        """
        seconds = max(1, math.ceil(wait.total_seconds()))
        minutes = math.ceil(seconds / 60)
        unit = "minute" if minutes == 1 else "minutes"
        message = (f"Too many failed logins for this user from this computer. "
                   f"Try again in {minutes} {unit}.")
        ticket = new_ticket()
        with self._throttled_lock:
            self._throttled[ticket_key(ticket)] = message
            while len(self._throttled) > 1000:
                self._throttled.popitem(last=False)
        return [ticket, BUSY, str(seconds)]

    def _authenticate(
        self, session: Session, username: str, password: str, refused: list[str],
        address: str,
    ) -> list[str]:
        result = check_credentials(session, username, password, address=address,
                                   policy=self.login_policy, now=self.clock(),
                                   recent=self.recent_logins)
        if result.outcome == AuthOutcome.THROTTLED and result.retry_after is not None:
            return self._throttled_answer(result.retry_after)
        if result.outcome != AuthOutcome.OK or result.user is None or result.company is None:
            return refused
        company = result.company
        every_seconds = company.every_seconds or company.every_minutes * 60
        min_run = str(max(every_seconds, 60)) if every_seconds else ""
        if self._expire_stale(session, company.id, result.user.id) is not None:
            return [new_ticket(), BUSY, str(BUSY_POSTPONE_SECONDS), min_run]
        now = self.clock()
        ticket = new_ticket()
        outstanding = queue.outstanding_count(session, company.id)
        has_work = outstanding > 0 or queue.needs_recovery(session, company.id)
        run = WcRun(
            ticket=ticket_key(ticket),
            company_id=company.id,
            user_id=result.user.id,
            # A run with nothing to send is born closed; any other starts authenticated.
            state=(RunState.AUTHENTICATED if has_work else RunState.CLOSED).value,
            created_at=now,
            last_call_at=now,
            expires_at=now + timedelta(seconds=self.settings.ticket_ttl_seconds),
            batch_size=self.settings.batch_start,
            initial_work=outstanding,
        )
        company.last_session_at = now
        if not has_work:
            run.closed_at = now
            run.summary = "Nothing to send to QuickBooks."
            session.add(run)
            return [ticket, NO_WORK, "", min_run]
        run.open_company_id = company.id
        session.add(run)
        try:
            session.flush()
        except IntegrityError:
            # Another process opened a run for this company a moment ago.
            session.rollback()
            return [new_ticket(), BUSY, str(BUSY_POSTPONE_SECONDS), min_run]
        log.info("web connector run opened for company %s", company.id)
        return [ticket, company.company_file or "", "", min_run]

    def send_request_xml(
        self,
        ticket: str | None,
        hcp_response: str | None,
        company_file_name: str | None,
        country: str | None,
        major: int | None,
        minor: int | None,
    ) -> str:
        def work(session: Session) -> str:
            run = self._live(session, ticket, _RUN_FOR_SEND)
            if run is None:
                return ""
            if company_file_name and run.company_file_name != company_file_name[:500]:
                run.company_file_name = company_file_name[:500]
            # The company row is read once per run: for the HCP answer or the version.
            if hcp_response and not run.hcp_parsed:
                problem = apply_hcp(session, self.settings, self._company(session, run), run,
                                    hcp_response)
                if problem:
                    run.last_error = problem
                    move_run(run, RunState.AWAITING_LAST_ERROR)
                    return ""
            if run.qbxml_version is None:
                run.qbxml_version = _fallback_version(
                    self._company(session, run).qbxml_version, major, minor)
            if run.state == RunState.AWAITING_RESPONSE.value:
                # The answer to our last message set never arrived: recover it first.
                queue.abandon_ticket(session, run.ticket, reason="response lost in transit")
            outbound = queue.next_message_set(
                session,
                company_id=run.company_id,
                unsettled_seen=run.unsettled_sets,
                ticket=run.ticket,
                qbxml_version=run.qbxml_version,
                max_requests=run.batch_size,
                max_bytes=self.settings.batch_max_bytes,
                now=self.clock(),
            )
            if outbound is None:
                move_run(run, RunState.AWAITING_LAST_ERROR)
                soonest = queue.soonest_ready_at(session, run.company_id)
                if soonest is not None and soonest <= self.clock() + NOOP_HORIZON and (
                    run.noop_count < self.settings.noop_limit
                ):
                    run.noop_count += 1
                    run.last_error = NOOP
                else:
                    run.last_error = _nothing_ready_message(session, run.company_id)
                return ""
            move_run(run, RunState.AWAITING_RESPONSE)
            run.sent_count += len(outbound.request_ids)
            run.noop_count = 0
            return outbound.xml

        outbound_xml = self._guard("sendRequestXML", "", work)
        failpoint("queue.after_persist")
        return outbound_xml

    def receive_response_xml(
        self, ticket: str | None, response: str | None, hresult: str | None, message: str | None
    ) -> int:
        failpoint("session.receive_start")

        def work(session: Session) -> int:
            run = self._live(session, ticket, _RUN_AND_AWAITED_SET)
            if run is None:
                return -1
            if hresult:
                refusal = queue.record_stream_failure(
                    session, ticket=run.ticket, hresult=hresult, message=message or "",
                    settings=self.settings,
                )
                run.failed_count += refusal.failed
                run.hresult = hresult
                run.last_error = explain_hresult(hresult, message or "")
                run.batch_size = 1  # isolate the request QuickBooks could not read
            else:
                summary = queue.apply_response(
                    session, ticket=run.ticket, response_xml=response or "",
                    handlers=self.handlers, now=self.clock(), settings=self.settings,
                    awaited=run.awaited_set,
                )
                run.succeeded_count += summary.succeeded
                run.failed_count += summary.failed
                self._adapt_batch(run, summary.elapsed_ms)
            move_run(run, RunState.AUTHENTICATED)
            return self._percent(session, run)

        percent: int | None = self._guard("receiveResponseXML", None, work)
        if percent is None:
            # Answered -1: the Web Connector asks getLastError next, which must say why.
            self._guard("receiveResponseXML", None,
                        lambda s: self._note_error(s, ticket, UNREADABLE_ANSWER))
            return -1
        return percent

    def _note_error(self, session: Session, ticket: str | None, message: str) -> None:
        run = self._live(session, ticket)
        if run is not None:
            run.last_error = message
            move_run(run, RunState.AWAITING_LAST_ERROR)

    @staticmethod
    def _company(session: Session, run: RunRecord) -> Company:
        company = session.get(Company, run.company_id)
        assert company is not None
        return company

    def _adapt_batch(self, run: RunRecord, elapsed_ms: int | None) -> None:
        """Keep each round trip well under the Web Connector's timeout.

        A set answered in under a fortieth of the target grows fourfold, under a tenth
        doubles, under a quarter grows by half (each time the next set should take under
        a tenth, a fifth, three eighths of the target); over the target it halves.
        """
        if elapsed_ms is None:
            return
        target_ms = self.settings.batch_target_seconds * 1000
        if elapsed_ms > target_ms:
            run.batch_size = max(1, run.batch_size // 2)
        elif elapsed_ms < target_ms / 4:
            if elapsed_ms < target_ms / 40:
                grown = run.batch_size * 4
            elif elapsed_ms < target_ms / 10:
                grown = run.batch_size * 2
            else:
                grown = run.batch_size * 3 // 2
            run.batch_size = min(self.settings.batch_max, max(run.batch_size + 1, grown))

    def _percent(self, session: Session, run: RunRecord) -> int:
        """100 when the run is over; otherwise its progress against the work it began with.

        Counted from the run's own tallies, not by counting the queue after every message
        set (a count's cost grows with the queue). Work queued during the run holds the
        figure at 99 until it is sent.
        """
        if not queue.work_waiting(session, run.company_id, now=self.clock()):
            soonest = queue.soonest_ready_at(session, run.company_id)
            if soonest is None or soonest > self.clock() + NOOP_HORIZON:
                return 100
        done = run.succeeded_count + run.failed_count
        total = max(run.initial_work, done + 1)
        return max(1, min(99, (100 * done) // total))

    def connection_error(self, ticket: str | None, hresult: str | None, message: str | None) -> str:
        def work(session: Session) -> str:
            run = self._live(session, ticket)
            if run is None:
                return DONE
            company = session.get(Company, run.company_id)
            run.hresult = hresult
            run.last_error = explain_hresult(hresult or "", message or "")
            log.warning("QuickBooks connection failed for company %s: %s", run.company_id, hresult)
            retry = (hresult or "").lower() in RETRY_WITH_PATH and run.connection_retries == 0
            if retry and company is not None and company.company_file:
                run.connection_retries += 1
                return company.company_file
            self._end(session, run, RunState.CONNECTION_ERROR, "QuickBooks could not be reached")
            run.summary = f"Could not connect to QuickBooks: {run.last_error}"
            return DONE

        return self._guard("connectionError", DONE, work)

    def get_last_error(self, ticket: str | None) -> str:
        def work(session: Session) -> str:
            run = self._live(session, ticket)
            if run is None:
                return "This Web Connector run is no longer known to the service; the next run starts afresh."
            if run.last_error == NOOP and run.state != RunState.CLOSED.value:
                run.last_error = None
                move_run(run, RunState.AUTHENTICATED)
                return NOOP
            return self._with_refusals(session, run, run.last_error or "No errors.")

        return self._guard("getLastError", "The service could not read its error log.", work)

    def close_connection(self, ticket: str | None) -> str:
        if ticket:
            with self._throttled_lock:
                throttled = self._throttled.pop(ticket_key(ticket), None)
            if throttled is not None:
                return throttled

        def work(session: Session) -> str:
            run = _locked_run(session, ticket) if ticket else None
            # Once per ticket; a run ended by the service (nothing to do, no connection)
            # still gets its one closeConnection, an expired one none.
            if (run is None or run.released_at is not None
                    or run.state == RunState.EXPIRED.value or run.expires_at <= self.clock()):
                return DONE
            if run.state not in ENDED:
                self._end(session, run, RunState.CLOSED, "the Web Connector closed the run")
            run.released_at = self.clock()
            if run.summary is None or run.sent_count:
                run.summary = self._with_refusals(session, run, self._summary(run))
            return run.summary

        return self._guard("closeConnection", DONE, work)

    def _with_refusals(self, session: Session, run: RunRecord, text: str) -> str:
        """``text`` and, when QuickBooks refused a message set, what became of its requests."""
        report = refused_requests_report(session, run.ticket, self.settings.base_url)
        return f"{text} {report}" if report else text

    def _summary(self, run: RunRecord) -> str:
        link = f"{self.settings.base_url}/requests?company={run.company_id}"
        if run.sent_count == 0:
            text = "No requests were sent to QuickBooks."
            if run.last_error and run.last_error != NOOP:
                text += f" {run.last_error}"
            return text
        noun = "request" if run.sent_count == 1 else "requests"
        text = f"Sent {run.sent_count} {noun}: {run.succeeded_count} succeeded, {run.failed_count} failed"
        return f"{text} — see {link}"

    def get_interactive_url(self, ticket: str | None, session_id: str | None) -> str:
        def work(session: Session) -> str:
            run = self._live(session, ticket)
            if run is None:
                return ""
            return f"{self.settings.base_url}/requests?company={run.company_id}"

        return self._guard("getInteractiveURL", "", work)

    def interactive_done(self, ticket: str | None) -> str:
        return "Done"

    def interactive_rejected(self, ticket: str | None, reason: str | None) -> str:
        def work(session: Session) -> str:
            run = self._live(session, ticket)
            if run is not None:
                run.last_error = f"Interactive session rejected: {(reason or 'no reason given')[:500]}"
            return "Interactive session rejected; the reason was recorded."

        return self._guard("interactiveRejected", "", work)


# Read at the start of every callback, with Core (no ORM object is loaded). Built once: a
# statement built per call costs SQLAlchemy more than the read itself.
_RUNS = RunRecord.table
_RUN_FOR_UPDATE = (
    select(_RUNS).where(_RUNS.c.ticket == bindparam("key")).with_for_update(of=_RUNS)
)
# sendRequestXML's read: the run and whether its company has a message set whose outcome
# is unknown (the claim need not look for one otherwise).
_RUN_FOR_SEND = _RUN_FOR_UPDATE.add_columns(
    unsettled_sets(_RUNS.c.company_id).label("unsettled_sets"))
# receiveResponseXML's read: the run and the message set it settles, in one statement.
_RUN_AND_AWAITED_SET = queue.with_awaited_set(_RUN_FOR_UPDATE, _RUNS, _RUNS.c.ticket)


def _locked_run(session: Session, ticket: str,
                statement: Select[Any] | None = None) -> RunRecord | None:
    """The run ``ticket`` names, its row locked for this transaction (None if unknown);
    whatever the callback changes on it is written when its work is done. What
    ``statement`` reads beside the run (``_RUN_FOR_SEND``, ``_RUN_AND_AWAITED_SET``) is
    kept on the record; the rest stays None."""
    row = session.connection().execute(statement if statement is not None else _RUN_FOR_UPDATE,
                                       {"key": ticket_key(ticket)}).first()
    if row is None:
        return None
    run = RunRecord.from_row(row)
    unsettled = row._mapping.get("unsettled_sets")
    run.unsettled_sets = None if unsettled is None else bool(unsettled)
    run.awaited_set = queue.awaited_set_of(row)
    session.info[_RUN] = run
    return run


def _fallback_version(target: str, major: int | None, minor: int | None) -> str:
    """Without an HCP response, trust the request processor's reported level."""
    target = version_ceiling(target)
    if not major:
        return target
    reported = f"{major}.{minor or 0}"
    return min(target, reported, key=version_tuple)


def _nothing_ready_message(session: Session, company_id: int) -> str:
    outstanding = queue.outstanding_count(session, company_id)
    if outstanding:
        return (
            f"{outstanding} requests are waiting (on failed requests they depend on, or to be "
            "retried later); see the request log."
        )
    return "Everything queued for QuickBooks has been sent."
