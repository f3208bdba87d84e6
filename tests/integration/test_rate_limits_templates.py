"""Rate-limit templates: formats, apply with preview, partial failure and retry, drift."""

from __future__ import annotations

import json

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import limits_by_id
from tests.fakes.harness import Connected, connect
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.governance import bulk, bulk_operations
from usage_tracker.services.governance.drift import template_drift
from usage_tracker.services.governance.project_disable import disable_project, restore_project
from usage_tracker.services.governance.rate_limits import refresh_rate_limits
from usage_tracker.services.governance.templates import (
    TemplateFormatError,
    apply_template,
    assign_template,
    delete_template,
    export_template,
    get_template,
    import_template,
    list_templates,
    save_template,
    template_from_project,
)
from usage_tracker.services.orgs.organizations import ensure_organization

OLD_FORMAT = [
    {
        "id": "rl-gpt-4o-2024-08-06",
        "model": "gpt-4o-2024-08-06",
        "max_requests_per_1_minute": 800,
        "max_tokens_per_1_minute": 400_000,
    },
    {
        "id": "rl-o1",
        "model": "o1",
        "max_requests_per_1_minute": 50,
        "max_tokens_per_1_minute": 90_000,
    },
]


@pytest.fixture
def world() -> Connected:
    return connect(build_org(seed=9, days=3, projects=6, users=8, archived=0), max_retries=0)


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Session:
    with session_factory() as s:
        yield s  # type: ignore[misc]


@pytest.fixture
def org_id(session: Session) -> int:
    org = ensure_organization(session, "acme")
    session.commit()
    return org.id


def test_old_format_round_trips_and_the_tracker_format_keeps_every_field(
    world: Connected, session: Session, org_id: int
) -> None:
    imported = import_template(
        session, org_id, "legacy", json.loads(json.dumps(OLD_FORMAT)), actor="ann"
    )
    assert imported.limits["o1"] == {
        "max_requests_per_1_minute": 50,
        "max_tokens_per_1_minute": 90_000,
    }
    assert export_template(imported, "legacy") == sorted(OLD_FORMAT, key=lambda e: e["model"])

    p0 = world.org.projects[0].id
    world.org.rate_limits[0].limits["max_requests_per_1_day"] = 77
    made = template_from_project(session, world.client, org_id, "base", p0, actor="ann")
    assert len(made.limits) == 11
    again = import_template(session, org_id, "copy", export_template(made), actor="ann")
    assert again.limits == made.limits
    assert again.limits[world.org.rate_limits[0].model]["max_requests_per_1_day"] == 77
    via_old = import_template(
        session, org_id, "via-old", export_template(made, "legacy"), actor="ann"
    )
    assert export_template(via_old, "legacy") == export_template(made, "legacy")
    assert [t.name for t in list_templates(session, org_id)] == [
        "base",
        "copy",
        "legacy",
        "via-old",
    ]

    save_template(session, org_id, "copy", {"o1": {"max_tokens_per_1_minute": 5}}, actor="bob")
    delete_template(session, org_id, "via-old", actor="bob")
    actions = [e.action for e in list_audit(session, AuditFilter(org_id, target_type="template"))]
    assert actions[:2] == ["template.delete", "template.update"]
    assert actions.count("template.create") == 4


@pytest.mark.parametrize(
    "bad",
    [
        {},
        [],
        [{"id": "x"}],
        {"limits": {"gpt-4o": {"max_requests_per_1_minute": -1}}},
        {"limits": {"gpt-4o": {"requests": 5}}},
        {"format": "other", "limits": {"gpt-4o": {}}},
        "text",
    ],
)
def test_bad_template_files_are_refused_with_a_reason(
    session: Session, org_id: int, bad: object
) -> None:
    with pytest.raises(TemplateFormatError):
        import_template(session, org_id, "bad", bad, actor="ann")
    assert list_templates(session, org_id) == []


def test_apply_previews_fails_partly_retries_only_failed_and_drift_follows(
    world: Connected, session: Session, org_id: int
) -> None:
    import_template(session, org_id, "std", OLD_FORMAT, actor="ann")
    projects = [p.id for p in world.org.projects[:4]]
    before = limits_by_id(world.org)

    preview = apply_template(
        session, world.client, org_id, "std", projects, actor="ann", dry_run=True
    )
    assert len(preview.plan.items) == 8 and limits_by_id(world.org) == before
    change = preview.plan.to_json()["changes"][0]
    assert change["current"]["max_requests_per_1_minute"] == 5000
    assert change["new"]["max_requests_per_1_minute"] in (800, 50)

    failing = [
        f"/organization/projects/{pid}/rate_limits/rl-o1-{pid[-6:]}" for pid in projects[1:3]
    ]
    for path in failing:
        world.fake.inject(path, Fault.server_error())
    result = apply_template(session, world.client, org_id, "std", projects, actor="ann")
    op = result.operation
    assert op is not None and op.status == "partial"
    failed = [i for i in bulk_operations.operation_items(session, op) if i.status == "failed"]
    assert sorted(
        f"/organization/projects/{i.project_id}/rate_limits/{i.target_id}" for i in failed
    ) == sorted(failing)
    assert template_drift(session, org_id) == []  # not assigned until every item went through

    posts = len(world.fake.calls(method="POST"))
    bulk.retry_failed(session, world.client, op)
    assert sorted(c.path for c in world.fake.calls(method="POST")[posts:]) == sorted(failing)
    assert op.status == "succeeded"
    for pid in projects:
        o1 = next(r for r in world.org.rate_limits if r.project_id == pid and r.model == "o1")
        assert o1.limits == {"max_requests_per_1_minute": 50, "max_tokens_per_1_minute": 90_000}
    assert template_drift(session, org_id) == []

    other = next(
        r for r in world.org.rate_limits if r.project_id == projects[0] and r.model == "whisper-1"
    )
    other.limits["max_tokens_per_1_minute"] = 1
    refresh_rate_limits(session, world.client, org_id)
    assert template_drift(session, org_id) == []  # that model is not in the template
    o1 = next(r for r in world.org.rate_limits if r.project_id == projects[0] and r.model == "o1")
    o1.limits["max_tokens_per_1_minute"] = 1
    refresh_rate_limits(session, world.client, org_id)
    drift = template_drift(session, org_id)
    assert [(d.project_id, d.model, d.field, d.expected, d.actual) for d in drift] == [
        (projects[0], "o1", "max_tokens_per_1_minute", 90_000, 1)
    ]

    p0 = projects[0]
    applied = limits_by_id(world.org)
    disable_project(session, world.client, org_id, p0, actor="ann")
    restore_project(session, world.client, org_id, p0, actor="ann")
    assert limits_by_id(world.org) == applied


def test_assign_records_the_template_for_drift(
    world: Connected, session: Session, org_id: int
) -> None:
    import_template(session, org_id, "std", OLD_FORMAT, actor="ann")
    p5 = world.org.projects[5].id
    assign_template(session, org_id, "std", [p5], actor="ann")
    refresh_rate_limits(session, world.client, org_id)
    assert {(d.model, d.field) for d in template_drift(session, org_id)} == {
        ("gpt-4o-2024-08-06", "max_requests_per_1_minute"),
        ("gpt-4o-2024-08-06", "max_tokens_per_1_minute"),
        ("o1", "max_requests_per_1_minute"),
        ("o1", "max_tokens_per_1_minute"),
    }
    assert get_template(session, org_id, "std").name == "std"
    entry = list_audit(session, AuditFilter(org_id, action="template.assign"))[0]
    assert entry.target_id == p5 and entry.after == {"template": "std"}
