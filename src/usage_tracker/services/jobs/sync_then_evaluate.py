"""A sync, then budget evaluation: budgets see new data at once (alerts, enforcement).

    result = sync_organization(session_factory, settings, "acme")   # sync.run + evaluate_all

What `usage-tracker sync`, the web app's "Sync now" and the scheduler call. The sync itself
(`services.sync.run`) knows nothing of budgets.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import httpx2
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.services.spend.evaluation import evaluate_all
from usage_tracker.services.sync import run
from usage_tracker.services.sync.run import Progress, SyncError, SyncResult
from usage_tracker.settings import Settings

log = logging.getLogger(__name__)


def sync_organization(
    factory: sessionmaker[Session],
    settings: Settings,
    org: str,
    *,
    since: date | None = None,
    full: bool = False,
    trigger: str = "cli",
    progress: Progress | None = None,
    http_client: httpx2.Client | None = None,
    now: datetime | None = None,
) -> SyncResult:
    """`services.sync.run.sync_organization`, then every budget evaluated with the new data."""
    result = run.sync_organization(
        factory,
        settings,
        org,
        since=since,
        full=full,
        trigger=trigger,
        progress=progress,
        http_client=http_client,
        now=now,
    )
    evaluate_budgets_after_sync(factory, settings, now)
    return result


def evaluate_budgets_after_sync(
    factory: sessionmaker[Session], settings: Settings, now: datetime | None
) -> None:
    """A failure here is logged and leaves the sync's own result alone: the data did arrive."""
    try:
        evaluation = evaluate_all(factory, settings, now)
    except Exception:
        log.exception("budget evaluation after sync failed")
        return
    for error in evaluation.errors:
        log.warning("budget evaluation after sync: %s", error)


def sync_now(
    factory: sessionmaker[Session], settings: Settings, org: str, trigger: str = "web"
) -> str:
    """Run a sync and return its message; raise SyncError when any stream failed (web hook)."""
    result = sync_organization(factory, settings, org, trigger=trigger)
    if not result.ok:
        raise SyncError(result.message)
    return result.message
