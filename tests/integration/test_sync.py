"""Sync against the fake Admin API: backfill, trailing window, resume, late data, the lease."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import build_org
from tests.fakes.harness import Connected, connect
from usage_tracker.db.base import Base
from usage_tracker.db.models import (
    ApiKey,
    Organization,
    Project,
    RateLimit,
    RecordSet,
    ServiceAccount,
    SpendAlert,
    SpendLimit,
)
from usage_tracker.domain.endpoints import USAGE_ENDPOINTS
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.governance.keys_inventory import key_inventory
from usage_tracker.services.jobs.sync_then_evaluate import sync_organization
from usage_tracker.services.members.roster import roster
from usage_tracker.services.reports.totals import ReportQuery, breakdown, summary
from usage_tracker.services.sync.lease import LeaseHeld, acquire_lease
from usage_tracker.services.sync.status import sync_cursors, sync_history
from usage_tracker.services.views.people import directory
from usage_tracker.settings import Settings

DAY = 86_400
# Ledger columns that differ between equal ledgers written at different moments.
VOLATILE = {
    "id", "bucket_id", "organization_id", "updated_at", "created_at", "fetched_at", "import_id"
}  # fmt: skip
LEDGER_TABLES = (
    "record_sets",
    "buckets",
    "cost_records",
    "usage_records",
    "cost_rollups",
    "usage_rollups",
    "record_set_days",
    "sync_cursors",
    "projects",
    "members",
    "api_keys",
    "service_accounts",
    "rate_limits",
    "spend_limits",
    "spend_alerts",
    "prices",
)


def sync_settings(settings: Settings, c: Connected, **extra: Any) -> Settings:
    update = {
        "openai_admin_key": SecretStr(c.org.admin_key),
        "openai_base_url": c.fake.base_url,
        "sync_backfill_days": 40,
        **extra,
    }
    return settings.model_copy(update=update)


def now_of(c: Connected) -> datetime:
    return datetime.fromtimestamp(c.org.now, UTC)


def run(factory: sessionmaker[Session], s: Settings, c: Connected, **kw: Any) -> Any:
    return sync_organization(
        factory, s, s.default_org, http_client=c.fake.http_client(), now=now_of(c), **kw
    )


def ledger(factory: sessionmaker[Session]) -> dict[str, list[tuple[Any, ...]]]:
    """Every ledger table's rows, sorted, without surrogate ids and timestamps (a record set is
    named by kind/width/grouping): comparable across runs and backends."""
    out = {}
    with factory() as session:
        sets = {
            rs.id: rs.kind + "/" + rs.width + "/" + rs.grouping
            for rs in session.scalars(select(RecordSet))
        }
        for name in LEDGER_TABLES:
            table = Base.metadata.tables[name]
            columns = [col for col in table.columns if col.name not in VOLATILE]
            rows = []
            for row in session.execute(select(*columns)).mappings():
                values = dict(row)
                if "record_set_id" in values:
                    values["record_set_id"] = sets[values["record_set_id"]]
                rows.append(tuple(sorted(values.items())))
            out[name] = sorted(rows, key=repr)
    return out


def fake_org() -> Connected:
    c = connect(build_org(3, days=35, projects=3, users=8, keys_per_project=2), max_retries=2)
    # Schema validation of every answer is what makes the fake slow; the first-sync test keeps
    # it on (what a sync consumes is checked against the spec), the others repeat the same calls.
    c.fake.validate = False
    return c


@pytest.fixture
def c() -> Connected:
    return fake_org()


def test_first_sync_backfills_and_matches_the_org(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.validate = True
    s = sync_settings(settings, c)
    result = run(session_factory, s, c)
    assert result.ok, result.message
    first = c.today - 39 * DAY
    assert all(
        call.query["start_time"] == [str(first)] for call in c.fake.calls("/organization/costs")[:1]
    )
    start, end = c.days_ago(35), c.today + DAY
    q = ReportQuery(date(2025, 1, 1), date(2025, 3, 1), org=s.default_org)
    with session_factory() as session:
        total = summary(session, q)
        endpoints = {r.key: r for r in breakdown(session, q, "endpoint")}
        keys = session.scalars(select(ApiKey)).all()
        assert session.scalar(select(Project).where(Project.status == "archived"))
        assert session.scalars(select(RateLimit)).all()
        assert session.scalars(select(ServiceAccount)).all()
        assert session.scalars(select(SpendLimit)).all()
        assert session.scalars(select(SpendAlert)).all()
    assert total.cost_nanos == to_nanos(c.org.total_cost(start, end))
    for name in ("completions", "embeddings", "images", "audio_speeches"):
        expected = c.org.total_usage(name, "num_model_requests", start, end)
        assert endpoints[name].requests == expected
    assert len(keys) == len(c.org.api_keys)
    assert {k.owner_type for k in keys} == {"user", "service_account"}
    assert all(k.redacted_value and k.redacted_value.startswith("sk-proj-") for k in keys)
    inventories = 4  # member roster, project memberships, key inventory, invites
    assert result.rows > 0
    assert len(result.streams) == 2 + len(USAGE_ENDPOINTS) + 7 + inventories + 1  # audit


def test_a_sync_fills_members_memberships_and_the_key_inventory(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    """The members, projects and keys pages have data after `sync`, with no separate refresh."""
    result = run(session_factory, sync_settings(settings, c), c)
    assert result.ok, result.message
    parts = {st.name: st.rows for st in result.streams if st.name.startswith("metadata:")}
    active = {p.id for p in c.org.projects if not p.archived_at}
    memberships = [u for u in c.org.project_users if u.project_id in active]
    assert parts["metadata:member_roster"] == len(c.org.users)
    assert parts["metadata:project_members"] == len(memberships)
    assert parts["metadata:key_inventory"] == len(c.org.api_keys)
    with session_factory() as session:
        org = session.scalars(select(Organization)).one()
        r = roster(session, org.id)
        assert set(r.members) == {u.id for u in c.org.users}
        stored = {(pid, uid) for pid, users in r.memberships.items() for uid in users}
        assert stored == {(u.project_id, u.user_id) for u in memberships}
        listed = directory(session, org)
        by_project = {p.project_id: {m.user_id for m in p.members} for p in listed.projects}
        for pid in active:
            assert by_project[pid] == {u.user_id for u in memberships if u.project_id == pid}
        keys = key_inventory(session, org.id).keys
        assert {k.id for k in keys} == {k.id for k in c.org.api_keys}


def test_second_sync_pulls_only_the_trailing_window(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c)
    run(session_factory, s, c)
    c.fake.requests.clear()
    result = run(session_factory, s, c)
    assert result.ok
    trailing_start = str(c.today - 2 * DAY)  # three days: today and the two before
    bucket_calls = [
        r
        for r in c.fake.requests
        if r.path.startswith(("/organization/usage/", "/organization/costs"))
    ]
    assert len(bucket_calls) == 2 + len(USAGE_ENDPOINTS)
    assert {r.query["start_time"][0] for r in bucket_calls} == {trailing_start}
    assert {r.query["end_time"][0] for r in bucket_calls} == {str(c.today + DAY)}


def test_late_changing_buckets_are_picked_up(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c)
    run(session_factory, s, c)
    day = (now_of(c) - timedelta(days=2)).date()
    c.org.change_day(day, "1.5")
    run(session_factory, s, c)
    q = ReportQuery(date(2025, 1, 1), date(2025, 3, 1), org=s.default_org)
    with session_factory() as session:
        total = summary(session, q).cost_nanos
    assert total == to_nanos(c.org.total_cost(c.days_ago(40), c.today + DAY))


def test_interrupted_run_resumes_to_the_ledger_of_an_uninterrupted_one(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c)
    run(session_factory, s, c)
    uninterrupted = ledger(session_factory)
    with session_factory.begin() as session:  # start again from nothing, same database
        session.delete(session.scalars(select(Organization)).one())

    def kill_midway(stream: str, done: int, total: int) -> None:
        if stream == "usage:embeddings:1d" and 0 < done < total:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run(session_factory, s, c, progress=kill_midway)
    with session_factory() as session:
        (interrupted,) = sync_history(session)
        cursors = sync_cursors(session, s.default_org)
    assert interrupted.status == "failed" and "KeyboardInterrupt" in (interrupted.message or "")
    assert "usage:embeddings:1d" in cursors and "usage:images:1d" not in cursors
    assert ledger(session_factory) != uninterrupted
    run(session_factory, s, c)
    assert ledger(session_factory) == uninterrupted


def test_a_second_sync_of_the_same_org_is_refused_by_the_lease(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c)
    started, release = threading.Event(), threading.Event()

    def hold(stream: str, done: int, total: int) -> None:
        started.set()
        release.wait(10)

    first: dict[str, Any] = {}
    thread = threading.Thread(
        target=lambda: first.setdefault("result", run(session_factory, s, c, progress=hold))
    )
    thread.start()
    assert started.wait(10)
    with pytest.raises(LeaseHeld) as caught:
        run(session_factory, s, c)
    release.set()
    thread.join(30)
    assert "cli on" in str(caught.value) and "being synced by" in str(caught.value)
    assert first["result"].ok
    with session_factory() as session:
        org_id = session.scalar(select(Project.organization_id))
    assert org_id is not None
    acquire_lease(session_factory, org_id, "default", "someone else")
    with pytest.raises(LeaseHeld, match="someone else"):
        run(session_factory, s, c)
