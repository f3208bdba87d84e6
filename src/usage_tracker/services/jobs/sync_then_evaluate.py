"""A sync, then budget evaluation: budgets see new data at once (alerts, enforcement).

    result = sync_organization(session_factory, settings, "acme")   # sync.run + evaluate_all

What `usage-tracker sync`, the web app's "Sync now" and the scheduler call. The sync itself
(`services.sync.run`) knows nothing of budgets.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import httpx2
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.engine import busy_message, is_busy
from usage_tracker.services.orgs.credentials import CredentialError
from usage_tracker.services.spend.evaluation import evaluate_all
from usage_tracker.services.sync import run
from usage_tracker.services.sync.lease import LeaseHeld
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
    """Run a sync and return its message (the web hook). Raises SyncRefused, whose message
    says what to do, when it could not run or any stream failed."""
    try:
        result = sync_organization(factory, settings, org, trigger=trigger)
    except CredentialError as exc:
        raise SyncRefused(409, str(exc)) from exc
    except LeaseHeld as exc:
        raise SyncRefused(409, f"{exc}; the running sync will bring the data") from exc
    except SyncError as exc:
        raise SyncRefused(502, str(exc)) from exc
    except OperationalError as exc:
        if not is_busy(exc):
            raise
        raise SyncRefused(503, busy_message()) from exc
    if not result.ok:
        raise SyncRefused(502, _failed(result, org))
    return result.message


def _failed(result: SyncResult, org: str) -> str:
    """One line: the first failure in full, how many streams failed, what to do."""
    first = result.errors[0] if result.errors else None
    said = f"{first.name}: {first.error}" if first else result.message
    count = f"{len(result.errors)} of {len(result.streams)} streams failed"
    if "admin key was rejected" in said:
        return (
            f"OpenAI rejected the admin key of {org!r} ({count}; {said}). Store a working key "
            f"with `usage-tracker orgs add {org} --key-stdin`, then sync again."
        )
    return f"the sync of {org!r} did not finish ({count}; first: {said})"


class SyncRefused(Exception):
    """A "Sync now" that could not run or failed; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
