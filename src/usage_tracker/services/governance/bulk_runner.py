"""Bulk operations run in the background, so a web request answers at once and the operation's
page shows the progress:

    runner = BulkRunner(session_factory, settings)  # one per process (the web's app.state)
    runner.start(op.id)            # its pending and failed items, in a worker thread
    runner.is_alive(op.id)         # False for an operation a stopped process left running
    runner.wait(op.id, timeout=30) # until it is done (shutdown, tests)

The worker opens its own session and its own Admin API client from the organization's stored
key, as the pages do, then calls `bulk.run_operation`: every item is committed and audited as
it finishes, with the operation's actor, and a fully successful operation settles what it
settles in the foreground. At most `limit` operations run at once in a process (`RunnerBusy`);
an operation is never run twice at once (`bulk.AlreadyRunning`). An exception outside the
items' own calls is recorded: the items not done fail with its message (`bulk.fail_unfinished`).
"""

from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.models import BulkOperation, Organization
from usage_tracker.services.governance import bulk
from usage_tracker.services.orgs.connections import open_client
from usage_tracker.services.orgs.credentials import connection_for
from usage_tracker.settings import Settings

log = logging.getLogger(__name__)

MAX_RUNNING = 4  # operations at once per process; each makes up to bulk.DEFAULT_WORKERS calls


class RunnerBusy(RuntimeError):
    def __init__(self, limit: int, operation_id: int) -> None:
        super().__init__(
            f"{limit} bulk operations are running now: operation {operation_id} is stored but "
            "not started — resume it from its page when one of them has finished"
        )


class BulkRunner:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        settings: Settings,
        *,
        limit: int = MAX_RUNNING,
    ) -> None:
        self._factory = session_factory
        self._settings = settings
        self.limit = limit
        self._lock = threading.Lock()
        self._threads: dict[int, threading.Thread] = {}

    def is_alive(self, operation_id: int) -> bool:
        """Whether this process runs the operation now (in the background or in a request)."""
        with self._lock:
            if operation_id in self._threads:
                return True
        return bulk.is_running(operation_id)

    def start(self, operation_id: int) -> None:
        """Run the operation's pending and failed items in a new worker thread; returns at once."""
        with self._lock:
            if operation_id in self._threads or bulk.is_running(operation_id):
                raise bulk.AlreadyRunning(operation_id)
            if len(self._threads) >= self.limit:
                raise RunnerBusy(self.limit, operation_id)
            thread = threading.Thread(
                target=self._work, args=(operation_id,), name=f"bulk-{operation_id}", daemon=True
            )
            self._threads[operation_id] = thread
            thread.start()

    def wait(self, operation_id: int, timeout: float) -> bool:
        """Wait until the operation's worker is done; False when it still runs after `timeout`."""
        with self._lock:
            thread = self._threads.get(operation_id)
        if thread is not None:
            thread.join(timeout)
        return not self.is_alive(operation_id)

    def wait_all(self, timeout: float) -> bool:
        """Wait until every worker is done; False when some still run after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads.values())
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        with self._lock:
            return not self._threads

    def _work(self, operation_id: int) -> None:
        try:
            error = self._run(operation_id)
            if error is not None:
                self._record_failure(operation_id, error)
        finally:
            with self._lock:
                self._threads.pop(operation_id, None)

    def _run(self, operation_id: int) -> str | None:
        """Run the operation; the error when it stopped on an exception, else None."""
        try:
            with self._factory() as session:
                op = session.get(BulkOperation, operation_id)
                if op is None:  # deleted with its organization meanwhile
                    return None
                org = session.get(Organization, op.organization_id)
                assert org is not None
                conn = connection_for(session, self._settings, org.slug)
                with open_client(conn, self._settings) as client:
                    bulk.run_operation(session, client, op, resume=True)
            return None
        except bulk.AlreadyRunning:  # a request of this process started it a moment ago
            return None
        except Exception as exc:
            log.exception("bulk operation %s stopped", operation_id)
            return f"{type(exc).__name__}: {exc}"

    def _record_failure(self, operation_id: int, error: str) -> None:
        try:
            with self._factory() as session:
                op = session.get(BulkOperation, operation_id)
                if op is not None:
                    bulk.fail_unfinished(session, op, error)
        except Exception:  # the database itself failed: the page shows the operation interrupted
            log.exception("could not record why bulk operation %s stopped", operation_id)
