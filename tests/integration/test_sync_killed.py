"""A `sync` process killed outright (SIGKILL) mid-run: what it committed stays consistent, its
lease keeps every other process out until it expires, and the next run completes the ledger to
exactly what an uninterrupted sync writes (the promise two `serve` processes on one database
rely on: see docs/deploying.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault
from tests.integration.test_sync import ledger
from tests.integration.test_sync_cli import LoopbackFake, api, cli  # noqa: F401  (the fixture)
from usage_tracker.db.base import utcnow
from usage_tracker.db.models import Organization, SyncLease
from usage_tracker.services.sync.status import sync_cursors

HELD = "/organization/usage/images"  # a stream after costs, completions and embeddings


class Reached(threading.Event):
    """A fault's gate that also tells the test when a request started waiting on it."""

    def __init__(self) -> None:
        super().__init__()
        self.reached = threading.Event()

    def wait(self, timeout: float | None = None) -> bool:
        self.reached.set()
        return super().wait(timeout)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_sync_killed_mid_run_leaves_a_ledger_the_next_run_completes(
    cli_env: dict[str, str],
    api: LoopbackFake,  # noqa: F811
    session_factory: sessionmaker[Session],
) -> None:
    env = {
        **cli_env,
        "OPENAI_ADMIN_KEY": api.org.admin_key,
        "OPENAI_BASE_URL": api.fake.base_url,
        "USAGE_TRACKER_SYNC_BACKFILL_DAYS": "5",
    }
    code, out = cli(env, "sync")
    assert code == 0, out
    uninterrupted = ledger(session_factory)
    with session_factory.begin() as session:  # start again from nothing, same database
        session.delete(session.scalars(select(Organization)).one())

    gate = Reached()
    api.fake.inject(HELD, Fault.held(gate))
    proc = subprocess.Popen(
        [sys.executable, "-c", "from usage_tracker.cli.main import app; app()", "sync"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert gate.reached.wait(60), "the sync never reached the held request"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        gate.set()
        if proc.poll() is None:
            proc.kill()
    api.fake.faults.clear()

    with session_factory() as session:
        lease = session.scalars(select(SyncLease)).one()
        cursors = sync_cursors(session, "default")
    assert f"pid {proc.pid}" in lease.holder  # the dead process still holds the lease
    assert "costs" in cursors and not any("images" in name for name in cursors)
    assert ledger(session_factory) != uninterrupted  # part of the run was committed

    code, out = cli(env, "sync")  # another process (or `serve`) meanwhile: refused, not doubled
    assert code == 1 and "being synced by" in out and f"pid {proc.pid}" in out, out

    with session_factory.begin() as session:  # the lease's time runs out (DEFAULT_TTL)
        session.execute(update(SyncLease).values(expires_at=utcnow() - timedelta(seconds=1)))
    code, out = cli(env, "sync")
    assert code == 0, out
    assert ledger(session_factory) == uninterrupted
    with session_factory() as session:
        assert session.scalars(select(SyncLease)).all() == []  # released at the end
