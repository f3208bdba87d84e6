"""Hook for Admin API sync on the Data page.

The web app does not import a sync service itself: whoever builds the app passes a `SyncHook`
(``create_app(settings, sync=...)``) (`services.jobs.sync_then_evaluate.sync_now`). Without one the
Data page says that sync is not available; it never pretends to sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker


@dataclass(frozen=True)
class SyncHook:
    # Rows to show (each a mapping of column → value), newest first, for an org or all orgs.
    status: Callable[[Session, str | None], list[dict[str, Any]]]
    # Runs a sync of one organization now; returns the message to show, raises on failure.
    run: Callable[[sessionmaker[Session], str], str]
