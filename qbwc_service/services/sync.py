"""A pull from Magento on demand (the ``sync`` command): which documents, from which day,
and a refusal said in one sentence.

The scheduled pulls run the same ``sync.runner.pull_and_enqueue`` from ``sync.scheduler``,
below the use cases, with their own entities per job.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from magento_client.exceptions import MagentoError, MagentoRateLimited
from qbwc_service.context import AppContext
from qbwc_service.services.exceptions import ServiceError
from qbwc_service.sync.config import magento_client_for
from qbwc_service.sync.enqueue import Progress, SyncReport
from qbwc_service.sync.exceptions import SyncError
from qbwc_service.sync.runner import DOCUMENTS, ENTITIES, INITIAL, pull_and_enqueue

__all__ = ["ENTITIES", "pull"]


def pull(ctx: AppContext, company_name: str, *, entity: str | None = None,
         since: date | None = None, dry_run: bool = False, initial: bool = False,
         progress: Progress | None = None) -> SyncReport:
    """Pull the company's orders, invoices and credit memos (or one ``entity``; with
    ``initial``, every product and Magento's opening quantities) changed since the
    watermark, or since the start of ``since`` (UTC), and queue their plan. A dry run
    reports what it would queue and queues nothing. ServiceError when the sync refuses (an
    unknown company, a config to fix, ``initial`` while QuickBooks keeps the stock) and
    when Magento stops answering."""
    entities = INITIAL if initial else (entity,) if entity else DOCUMENTS
    since_at = datetime.combine(since, time.min, tzinfo=UTC) if since else None
    try:
        client = magento_client_for(ctx.settings, company_name)
        return pull_and_enqueue(ctx, company_name, client=client, entities=entities,
                                since=since_at, dry_run=dry_run, progress=progress)
    except SyncError as exc:
        raise ServiceError(str(exc)) from exc
    except MagentoError as exc:
        # Retries (per Retry-After) ran out; the entity's watermark did not move.
        raise ServiceError(_magento_failure(exc)) from None


def _magento_failure(error: MagentoError) -> str:
    """One line for a Magento call that failed for good, with what to do about it."""
    attempts = f" after {error.attempts} attempts" if error.attempts > 1 else ""
    if isinstance(error, MagentoRateLimited):
        wait = (f"; it asked to wait {error.retry_after:.0f} s"
                if error.retry_after is not None else "")
        return (f"Magento refused further requests (429 Too Many Requests){attempts}{wait}. "
                "Nothing is lost: run sync again later; it resumes from its watermark.")
    return (f"Magento did not answer the sync{attempts}: {error}. Nothing is lost: run sync "
            "again later; it resumes from its watermark.")
