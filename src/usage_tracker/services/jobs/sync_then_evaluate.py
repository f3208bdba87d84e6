"""A sync, then budget evaluation: budgets see new data at once (alerts, enforcement).

    result = sync_organization(session_factory, settings, "acme")   # sync.run + evaluate_all

What `usage-tracker sync`, the web app's "Sync now" and the scheduler call. The sync itself
(`services.sync.run`) knows nothing of budgets.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

import httpx2
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.services.governance.keys_inventory import refresh_key_inventory
from usage_tracker.services.members.invites import refresh_invites
from usage_tracker.services.members.roster import refresh_access
from usage_tracker.services.spend.evaluation import evaluate_all
from usage_tracker.services.sync import run
from usage_tracker.services.sync.metadata import Report
from usage_tracker.services.sync.run import Progress, SyncError, SyncResult, stream_error
from usage_tracker.services.views.people import refresh_directory
from usage_tracker.settings import Settings

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient

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
        after_metadata=refresh_inventories,
    )
    evaluate_budgets_after_sync(factory, settings, now)
    return result


def refresh_inventories(
    factory: sessionmaker[Session],
    client: AdminClient,
    org_id: int,
    report: Report,
    skip: str | None = None,
) -> None:
    """What the members, projects and keys pages read, filled by the sync itself (no separate
    refresh): the member roster with project access, the project memberships, the API-key
    inventory and the pending invites. Each part is its own transaction; a failure is reported
    as `metadata:<part>` and the others still run. With `skip` (the projects or members could
    not be read: they would fail alike) each part is reported skipped, with no call."""
    parts: list[tuple[str, Callable[[Session], int]]] = [
        ("member_roster", lambda s: len(refresh_access(s, client, org_id).members)),
        ("project_members", lambda s: refresh_directory(s, client, org_id)),
        ("key_inventory", lambda s: len(refresh_key_inventory(s, client, org_id).keys)),
        ("invites", lambda s: len(refresh_invites(s, client, org_id))),
    ]
    for name, refresh in parts:
        if skip:
            report(name, 0, skip)
            continue
        try:
            with factory() as session:
                rows = refresh(session)
                session.commit()
        except Exception as exc:  # one part failing never stops the others or the sync
            report(name, 0, stream_error(f"metadata:{name}", exc))
            continue
        report(name, rows, None)


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
