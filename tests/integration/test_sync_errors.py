"""Sync failures are reported, never swallowed: scopes, retries, timeouts, bounds, unknown kinds."""

from __future__ import annotations

import logging
from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault
from tests.fakes.harness import Connected
from tests.integration.test_sync import fake_org, run, sync_settings
from usage_tracker.db.models import SpendAlert
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.reports.totals import ReportQuery, summary
from usage_tracker.services.sync.status import sync_history
from usage_tracker.settings import Settings

DAY = 86_400
QUERY = ReportQuery(date(2025, 1, 1), date(2025, 3, 1), org="default")


@pytest.fixture
def c() -> Connected:
    return fake_org()


def test_a_missing_scope_names_endpoint_and_scope_and_others_still_sync(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.inject("/organization/usage/images", Fault.forbidden("api.usage.read", times=None))
    result = run(session_factory, sync_settings(settings, c), c)
    assert result.status == "partial" and not result.ok
    (failed,) = result.errors
    assert failed.name == "usage:images:1d"
    assert "403 on GET /organization/usage/images" in failed.error
    assert "api.usage.read" in failed.error
    with session_factory() as session:
        (recorded,) = sync_history(session)
        assert summary(session, QUERY).cost_nanos == to_nanos(
            c.org.total_cost(c.days_ago(40), c.today + DAY)
        )
    assert recorded.status == "partial"
    assert "api.usage.read" in recorded.errors["usage:images:1d"]


def test_a_wrong_key_fails_every_stream_and_says_so(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c)
    c.fake.inject("/organization/*", Fault.unauthorized(times=None))
    result = run(session_factory, s, c)
    assert result.status == "failed" and len(result.errors) == len(result.streams)
    called = [e for e in result.errors if not (e.error or "").startswith("skipped")]
    assert len(called) == 2 + 10 + 2 + 1  # costs ×2, usage ×10, projects, members, audit_logs
    assert all("401" in (e.error or "") and "rejected" in (e.error or "") for e in called)


def test_429_with_retry_after_and_500_are_retried(
    session_factory: sessionmaker[Session],
    settings: Settings,
    c: Connected,
    sdk_sleeps: list[float],
) -> None:
    c.fake.inject("/organization/costs", Fault.rate_limited(retry_after=1))
    c.fake.inject("/organization/usage/embeddings", Fault.server_error(retry_after_ms=10))
    result = run(session_factory, sync_settings(settings, c), c)
    assert result.ok, result.message
    assert [r.status for r in c.fake.calls("/organization/costs")][:2] == [429, 200]
    assert [r.status for r in c.fake.calls("/organization/usage/embeddings")][:2] == [500, 200]
    assert sorted(sdk_sleeps) == [0.01, 1.0]  # as each answer said (recorded, not slept)


def test_a_timeout_is_surfaced_as_the_streams_error(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c, sync_timeout_seconds=0.2, sync_max_retries=0)
    c.fake.inject("/organization/usage/moderations", Fault.slow(1.0, times=None))
    result = run(session_factory, s, c)
    (failed,) = result.errors
    assert failed.name == "usage:moderations:1d" and "timed out" in (failed.error or "")


def test_endless_has_more_ends_in_an_error_not_a_hang(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    s = sync_settings(settings, c, sync_max_pages=3)
    c.fake.inject("/organization/usage/vector_stores", Fault.endless_has_more())
    result = run(session_factory, s, c)
    (failed,) = result.errors
    assert "has_more=true after 3 pages" in (failed.error or "")


def test_a_repeating_cursor_stops_that_stream_at_once_with_a_clear_message(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    c.fake.inject("/organization/usage/embeddings", Fault.repeating_cursor())
    result = run(session_factory, sync_settings(settings, c), c)
    (failed,) = result.errors
    assert failed.name == "usage:embeddings:1d"
    assert "same page cursor twice" in (failed.error or "")
    # Stopped at the first repeat (page 1, then the same cursor again), not after max_pages.
    assert len(c.fake.calls("/organization/usage/embeddings")) <= 3
    assert result.status == "partial"


def test_a_duplicate_id_across_metadata_lists_is_upserted_not_a_traceback(
    session_factory: sessionmaker[Session], settings: Settings, c: Connected
) -> None:
    org_alert = next(a for a in c.org.spend_alerts if a.project_id is None)
    project_alert = next(a for a in c.org.spend_alerts if a.project_id is not None)
    project_alert.id = org_alert.id  # the same id listed for the organization and a project
    result = run(session_factory, sync_settings(settings, c), c)
    assert result.ok, result.message
    with session_factory() as session:
        ids = session.scalars(select(SpendAlert.alert_id)).all()
        assert ids.count(org_alert.id) == 1
        assert session.scalar(select(func.count()).select_from(SpendAlert)) == len(
            {a.id for a in c.org.spend_alerts}
        )


def test_unknown_result_kinds_are_skipped_with_a_warning(
    session_factory: sessionmaker[Session],
    settings: Settings,
    c: Connected,
    caplog: pytest.LogCaptureFixture,
) -> None:
    odd = {"object": "organization.costs.future_thing", "amount": {"value": 99, "currency": "usd"}}
    c.fake.inject("/organization/costs", Fault.with_results(odd, times=None))
    with caplog.at_level(logging.WARNING):
        result = run(session_factory, sync_settings(settings, c), c)
    assert result.ok
    assert "organization.costs.future_thing" in caplog.text
    with session_factory() as session:
        total = summary(session, QUERY).cost_nanos
    assert total == to_nanos(c.org.total_cost(c.days_ago(40), c.today + DAY))


def test_the_admin_key_is_in_no_log_record_even_at_debug(
    session_factory: sessionmaker[Session],
    settings: Settings,
    caplog: pytest.LogCaptureFixture,
) -> None:
    c = fake_org()
    key = c.org.admin_key
    s = sync_settings(settings, c).model_copy(update={"openai_admin_key": None})
    with session_factory.begin() as session:
        add_organization(session, s, "default", key, base_url=c.fake.base_url)
    c.fake.inject("/organization/usage/images", Fault.forbidden(times=None))
    c.fake.inject("/organization/projects", Fault.unauthorized())
    with caplog.at_level(logging.DEBUG):
        logging.getLogger().setLevel(logging.DEBUG)
        result = run(session_factory, s, c)
    assert not result.ok and len(caplog.records) > 50
    for record in caplog.records:
        text = record.getMessage() + repr(record.args) + str(record.exc_text or "")
        assert key not in text and key[9:] not in text, record.name
    assert key not in repr(result) and key not in result.message
