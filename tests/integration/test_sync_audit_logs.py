"""The `audit_logs` sync stream against the fake: import, incremental re-reads, pages, refusals."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault
from tests.fakes.audit_logs import add_events
from tests.fakes.faults import error_body
from tests.fakes.harness import Connected
from tests.fakes.serialize import audit_log
from tests.integration.test_sync import fake_org, run, sync_settings
from usage_tracker.db.models import OpenAIAuditEvent
from usage_tracker.services.audit.openai_log import OpenAIAuditFilter, list_openai_audit
from usage_tracker.services.sync.audit_logs import OVERLAP
from usage_tracker.services.sync.status import sync_history
from usage_tracker.settings import Settings

DAY = 86_400
PATH = "/organization/audit_logs"


@pytest.fixture
def c() -> Connected:
    return fake_org()


def stored(factory: sessionmaker[Session]) -> dict[str, OpenAIAuditEvent]:
    with factory() as session:
        return {e.id: e for e in session.scalars(select(OpenAIAuditEvent))}


def queries(c: Connected) -> list[dict[str, list[str]]]:
    return [r.query for r in c.fake.calls(PATH)]


def test_a_sync_imports_every_event_with_its_actor_project_and_json(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.validate = True  # what the stream reads is checked against the spec
    result = run(session_factory, sync_settings(settings, c), c)
    assert result.ok, result.message
    stream = next(s for s in result.streams if s.name == "audit_logs")
    assert stream.rows == len(c.org.audit_logs) > 10
    first = c.today - 39 * DAY  # the backfill span, as the other streams read it
    (query,) = queries(c)
    assert query["effective_at[gte]"] == [str(first)] and query["limit"] == ["100"]
    rows = stored(session_factory)
    assert set(rows) == {e.id for e in c.org.audit_logs}
    for fake in c.org.audit_logs:
        row = rows[fake.id]
        assert row.event == audit_log(fake)
        assert row.type == fake.type and int(row.effective_at.timestamp()) == fake.effective_at
        assert row.actor_type == fake.actor_type and row.actor_email == fake.actor_email
        assert row.actor_id == fake.actor_id and row.api_key_id == fake.api_key_id
        assert row.ip_address == fake.ip_address
        assert row.project_id == (fake.project_id or None)
        assert row.resource_id == fake.details.get("id")
    assert {r.actor_type for r in rows.values()} == {"session", "api_key"}
    assert any(r.project_name for r in rows.values())
    with session_factory() as session:
        (recorded,) = sync_history(session)
    assert recorded.streams["audit_logs"]["rows"] == len(rows)


def test_a_second_sync_reads_only_after_the_newest_event_and_duplicates_nothing(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c)
    assert run(session_factory, s, c).ok
    newest = max(e.effective_at for e in c.org.audit_logs)
    before = stored(session_factory)
    # One event inside the overlap (re-read), one new; an old one changed after the fact.
    (late,) = add_events(c.org, 1, start=newest - 60, seed=1)
    (new,) = add_events(c.org, 1, start=newest + 600, seed=2)
    changed = next(e for e in c.org.audit_logs if e.effective_at == newest)
    changed.actor_email = "renamed@example.com"
    result = run(session_factory, s, c)
    assert result.ok, result.message
    second = queries(c)[-1]
    assert second["effective_at[gt]"] == [str(newest - int(OVERLAP.total_seconds()))]
    assert "effective_at[gte]" not in second and "after" not in second
    read = [e for e in c.org.audit_logs if e.effective_at > newest - OVERLAP.total_seconds()]
    assert next(s for s in result.streams if s.name == "audit_logs").rows == len(read)
    after = stored(session_factory)
    assert set(after) == set(before) | {late.id, new.id}
    assert after[changed.id].actor_email == "renamed@example.com"
    assert after[changed.id].event == audit_log(changed)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(OpenAIAuditEvent)) == len(after)
    # A third run with nothing new re-reads only the overlap and changes nothing.
    assert run(session_factory, s, c).ok
    assert queries(c)[-1]["effective_at[gt]"] == [str(new.effective_at - 3600)]
    assert set(stored(session_factory)) == set(after)


def test_since_and_full_re_read_their_window(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c)
    assert run(session_factory, s, c).ok
    assert run(session_factory, s, c, since=date(2025, 2, 20)).ok
    day = datetime(2025, 2, 20, tzinfo=UTC)
    assert queries(c)[-1]["effective_at[gte]"] == [str(int(day.timestamp()))]
    assert run(session_factory, s, c, full=True).ok
    assert queries(c)[-1]["effective_at[gte]"] == [str(c.today - 39 * DAY)]
    assert set(stored(session_factory)) == {e.id for e in c.org.audit_logs}


def test_more_than_a_page_is_followed_with_after(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    added = add_events(c.org, 250, start=c.org.now - 2 * DAY, step=30, project_index=1)
    result = run(session_factory, sync_settings(settings, c), c)
    assert result.ok, result.message
    calls = queries(c)
    assert len(calls) == 3  # 100 + 100 + the rest
    assert "after" not in calls[0]
    assert [q["after"] for q in calls[1:]] == [
        [sorted(c.org.audit_logs, key=lambda e: (e.effective_at, e.id), reverse=True)[n].id]
        for n in (99, 199)
    ]
    assert all(q["effective_at[gte]"] == calls[0]["effective_at[gte]"] for q in calls)
    rows = stored(session_factory)
    assert len(rows) == len(c.org.audit_logs) > 250
    assert {e.id for e in added} <= set(rows)
    project = c.org.projects[1].id
    with session_factory() as session:
        found = list_openai_audit(session, OpenAIAuditFilter(project_id=project), limit=None)
    assert {e.id for e in added} <= {e.id for e in found}


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        (
            Fault.audit_logging_disabled(403, times=None),
            ["audit logging is not enabled", "Data controls → Data retention"],
        ),
        (
            Fault.audit_logging_disabled(400, times=None),
            ["audit logging is not enabled", "Data controls → Data retention"],
        ),
        (
            Fault.forbidden("api.audit_logs.read", times=None),
            ["lacks the api.audit_logs.read scope", "read access to Audit logs"],
        ),
        (
            Fault(status=403, body=error_body("You are not allowed to do that."), times=None),
            ["not enabled for this organization, or the admin key lacks the api.audit_logs.read"],
        ),
    ],
    ids=["disabled-403", "disabled-400", "missing-scope", "forbidden-unexplained"],
)
def test_a_refused_audit_log_says_what_to_do_and_the_rest_syncs(
    session_factory: sessionmaker[Session],
    settings: Settings,
    c: Connected,
    fault: Fault,
    expected: list[str],
) -> None:
    c.fake.inject(PATH, fault)
    result = run(session_factory, sync_settings(settings, c), c)
    assert result.status == "partial" and not result.ok
    (failed,) = result.errors
    assert failed.name == "audit_logs" and failed.rows == 0
    assert f"on GET {PATH}" in (failed.error or "")
    for text in expected:
        assert text in (failed.error or ""), failed.error
    assert all(s.rows > 0 for s in result.streams if s.name.startswith("costs"))
    assert stored(session_factory) == {}
    with session_factory() as session:
        (recorded,) = sync_history(session)
    assert recorded.status == "partial" and set(recorded.errors) == {"audit_logs"}


def test_the_stream_can_be_turned_off(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c, sync_audit_logs=False)
    result = run(session_factory, s, c)
    assert result.ok and "audit_logs" not in {x.name for x in result.streams}
    assert queries(c) == [] and stored(session_factory) == {}
