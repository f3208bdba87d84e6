"""Costs, usage and metadata through the SDK against the fake Admin API."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fakes import build_org
from tests.fakes.harness import connect
from usage_tracker.domain.endpoints import USAGE_ENDPOINTS
from usage_tracker.domain.money import to_nanos
from usage_tracker.domain.records import utc_day
from usage_tracker.openai_admin import (
    AdminApiError,
    get_organization_spend_limit,
    get_project_spend_limit,
    iter_cost_buckets,
    iter_usage_buckets,
    list_admin_api_keys,
    list_members,
    list_project_api_keys,
    list_project_members,
    list_projects,
    list_rate_limits,
    list_service_accounts,
    list_spend_alerts,
)
from usage_tracker.openai_admin.actions import delete_project_api_key, update_rate_limit


def test_costs_follow_next_page_across_many_pages_and_match_the_org_to_the_nano() -> None:
    c = connect()
    start, end = c.days_ago(30), c.today
    buckets = list(
        iter_cost_buckets(c.client, start, end, ("project_id", "line_item"), page_limit=4)
    )
    calls = c.fake.calls("/organization/costs")
    assert len(calls) == 8  # 30 days / 4 per page
    assert calls[0].query["limit"] == ["4"] and "page" not in calls[0].query
    assert all("page" in call.query for call in calls[1:])
    assert [b.start for b in buckets] == list(range(start, end, 86_400))
    assert all(b.kind == "costs" and b.width_seconds == 86_400 for b in buckets)
    total = sum(r.amount_nanos for b in buckets for r in b.costs)
    assert total == to_nanos(c.org.total_cost(start, end))
    record = buckets[0].costs[0]
    assert record.project_id and record.line_item and record.currency == "usd"
    assert record.quantity is not None and record.quantity_unit is not None


def test_costs_default_to_the_largest_page() -> None:
    c = connect()
    list(iter_cost_buckets(c.client, c.days_ago(30), c.today, ("api_key_id",)))
    assert [call.query["limit"] for call in c.fake.calls()] == [["180"]]


@pytest.mark.parametrize("endpoint", sorted(USAGE_ENDPOINTS))
def test_every_usage_endpoint_pages_and_maps_by_its_object(endpoint: str) -> None:
    c = connect()
    spec = USAGE_ENDPOINTS[endpoint]
    start, end = c.days_ago(20), c.today
    buckets = list(
        iter_usage_buckets(c.client, endpoint, start, end, "1d", spec.group_by, page_limit=7)
    )
    assert len(c.fake.calls(f"/organization/usage/{endpoint}")) == 3
    assert len(buckets) == 20
    records = [r for b in buckets for r in b.usage]
    assert records and all(r.endpoint == endpoint for r in records)
    metric = spec.metrics[0]
    assert sum(r.metrics[metric] for r in records) == c.org.total_usage(
        endpoint, metric, start, end
    )
    assert set(records[0].metrics) == set(spec.metrics)
    assert set(records[0].dims) <= set(spec.group_by)


def test_usage_without_group_by_has_no_dimensions() -> None:
    c = connect()
    buckets = list(iter_usage_buckets(c.client, "completions", c.days_ago(3), c.today, "1d"))
    assert [len(b.usage) for b in buckets] == [1, 1, 1]
    assert buckets[0].usage[0].dims == {}
    assert "group_by[]" not in c.fake.calls()[0].query


def test_hourly_and_minute_buckets_use_their_page_limits() -> None:
    c = connect()
    hourly = list(
        iter_usage_buckets(c.client, "completions", c.days_ago(8), c.today, "1h", ("model",))
    )
    assert len(hourly) == 8 * 24
    assert [q.query["limit"] for q in c.fake.calls()] == [["168"], ["168"]]
    minutes = list(iter_usage_buckets(c.client, "embeddings", c.days_ago(1), c.today, "1m"))
    assert len(minutes) == 1440
    assert c.fake.calls()[-1].query["limit"] == ["1440"]
    day_total = c.org.total_usage("embeddings", "input_tokens", c.days_ago(1), c.today)
    assert sum(r.metrics["input_tokens"] for b in minutes for r in b.usage) == day_total


def test_late_arriving_data_is_seen_on_the_next_pull() -> None:
    c = connect()
    day = c.days_ago(1)
    (bucket,) = iter_cost_buckets(c.client, day, c.today, ())
    before = bucket.costs[0].amount_nanos
    c.org.change_day(utc_day(day), "1.5")
    (bucket,) = iter_cost_buckets(c.client, day, c.today, ())
    after = bucket.costs[0].amount_nanos
    assert after == to_nanos(c.org.total_cost(day, c.today))
    assert after > before


def test_bad_arguments_are_refused_before_any_call() -> None:
    c = connect()
    with pytest.raises(ValueError, match="cannot be grouped"):
        list(iter_usage_buckets(c.client, "vector_stores", 0, 86_400, "1d", ("model",)))
    with pytest.raises(ValueError, match="unknown usage endpoint"):
        list(iter_usage_buckets(c.client, "telepathy", 0, 86_400))
    with pytest.raises(ValueError, match="after start"):
        list(iter_cost_buckets(c.client, 86_400, 0))
    assert c.fake.requests == []


def test_the_server_refusing_a_grouping_names_the_endpoint() -> None:
    c = connect()
    with pytest.raises(AdminApiError) as caught:
        list(iter_cost_buckets(c.client, c.days_ago(2), c.today, ("user_id",)))
    assert caught.value.status == 400
    assert "GET /organization/costs" in str(caught.value)


def test_lists_past_one_hundred_items_auto_paginate() -> None:
    c = connect(build_org(2, users=250, keys_per_project=130, projects=2, days=1))
    members = list_members(c.client)
    assert len(members) == 250 and len({m.user_id for m in members}) == 250
    assert len(c.fake.calls("/organization/users")) == 3
    assert members[0].role == "owner" and members[0].added_at.tzinfo is not None
    project = c.org.projects[0].id
    keys = list_project_api_keys(c.client, project)
    assert len(keys) == 130
    owners = {k.owner.kind for k in keys}
    assert owners == {"user", "service_account"}
    user_owned = next(k for k in keys if k.owner.kind == "user")
    assert user_owned.owner.email and user_owned.owner.name
    assert any(k.last_used_at is None for k in keys)
    assert all(k.redacted_value.startswith("sk-proj-") for k in keys)


def test_metadata_maps_to_plain_records() -> None:
    c = connect()
    projects = list_projects(c.client)
    assert len(projects) == 6 and sum(p.archived for p in projects) == 1
    assert len(list_projects(c.client, include_archived=False)) == 5
    active = next(p for p in projects if not p.archived)
    assert len(list_rate_limits(c.client, active.id)) == 11
    assert list_service_accounts(c.client, active.id)[0].project_id == active.id
    assert list_project_members(c.client, active.id)
    assert get_organization_spend_limit(c.client).threshold_cents == 500_000  # type: ignore[union-attr]
    assert get_project_spend_limit(c.client, active.id) is not None
    without = next(p for p in projects if p.id not in c.org.project_spend_limits)
    assert get_project_spend_limit(c.client, without.id) is None
    assert len(list_spend_alerts(c.client)) == 1
    assert list_spend_alerts(c.client, active.id)[0].project_id == active.id
    admin_key = list_admin_api_keys(c.client)[0]
    assert c.org.admin_key not in admin_key.redacted_value


def test_rate_limit_updates_persist_and_key_deletion_sticks() -> None:
    c = connect()
    project = c.org.projects[0].id
    limit = list_rate_limits(c.client, project)[0]
    changed = update_rate_limit(c.client, project, limit.id, max_requests_per_1_minute=0)
    assert changed.max_requests_per_1_minute == 0
    assert list_rate_limits(c.client, project)[0].max_requests_per_1_minute == 0
    with pytest.raises(AdminApiError, match="exceeds the organization's limit"):
        update_rate_limit(c.client, project, limit.id, max_requests_per_1_minute=10**9)
    key = list_project_api_keys(c.client, project)[0]
    assert delete_project_api_key(c.client, project, key.id) is True
    assert key.id not in {k.id for k in list_project_api_keys(c.client, project)}
    assert Decimal(0) < c.org.total_cost(0, c.org.now + 86_400)
