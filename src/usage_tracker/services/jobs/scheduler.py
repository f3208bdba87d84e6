"""Scheduled syncs inside `usage-tracker serve`: a daemon thread, every N minutes.

    stop = start_scheduler(settings, session_factory)
    ...
    stop()

Each round syncs every organization that has a key. An organization another process is
syncing (the lease) is skipped until the next round; failures are logged, never raised.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.services.jobs.sync_then_evaluate import sync_organization
from usage_tracker.services.orgs.credentials import syncable_organizations
from usage_tracker.services.sync.lease import LeaseHeld
from usage_tracker.settings import Settings

log = logging.getLogger(__name__)


def sync_round(settings: Settings, factory: sessionmaker[Session]) -> dict[str, str]:
    """Sync every organization with a key once; returns each one's outcome message."""
    with factory() as session:
        orgs = syncable_organizations(session, settings)
    outcomes = {}
    for slug in orgs:
        try:
            result = sync_organization(factory, settings, slug, trigger="scheduler")
            outcomes[slug] = result.message
            (log.info if result.ok else log.warning)("scheduled sync: %s", result.message)
        except LeaseHeld as exc:
            outcomes[slug] = str(exc)
            log.info("scheduled sync skipped: %s", exc)
        except Exception as exc:  # one organization's failure must not stop the others
            outcomes[slug] = f"failed: {exc}"
            log.exception("scheduled sync of %s failed", slug)
    return outcomes


def _every(
    name: str, minutes: int, first_delay: float, task: Callable[[], object]
) -> Callable[[], None]:
    """Run `task` every `minutes` in a daemon thread until the returned `stop()` is called."""
    stopping = threading.Event()
    if minutes <= 0:
        return stopping.set

    def loop() -> None:
        delay = first_delay
        while not stopping.wait(delay):
            try:
                task()
            except Exception:  # a scheduler must outlive any one failure
                log.exception("scheduled %s failed", name)
            delay = minutes * 60.0

    thread = threading.Thread(target=loop, name=f"usage-tracker-{name}", daemon=True)
    thread.start()
    log.info("%s scheduler started: every %d minutes", name, minutes)

    def stop() -> None:
        stopping.set()
        thread.join(timeout=30)

    return stop


def start_scheduler(
    settings: Settings, factory: sessionmaker[Session], *, first_delay: float = 5.0
) -> Callable[[], None]:
    """Start the background work of `serve`; returns `stop()`.

    Syncs every `sync_interval_minutes` (each sync also evaluates budgets) and evaluates budgets
    every `budget_check_interval_minutes`; 0 turns either off.
    """
    from usage_tracker.services.spend.evaluation import evaluate_all

    stops = [
        _every(
            "sync",
            settings.sync_interval_minutes,
            first_delay,
            lambda: sync_round(settings, factory),
        ),
        _every(
            "budgets",
            settings.budget_check_interval_minutes,
            first_delay,
            lambda: evaluate_all(factory, settings),
        ),
    ]

    def stop() -> None:
        for each in stops:
            each()

    return stop
