"""Governance pages: rate limits, templates, disable/restore and bulk results, against the
stateful fake Admin API served on loopback (the org's stored base_url points at it)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_rate_limits, limits_by_id, not_editable
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.web.conftest import audit_trail, csrf_of
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.settings import Settings

pytestmark = pytest.mark.usefixtures("accounts")


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=7, days=2, projects=3, users=6)
    add_rate_limits(org, org.projects[0].id, 3)
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield c


def post(client: TestClient, url: str, data: dict[str, object] | None = None) -> Any:
    """POST with the CSRF token; a bulk operation it starts is waited for (it runs in the
    background: the answer comes at once)."""
    token = csrf_of(client, "/governance/rate-limits")
    response = client.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False)
    assert client.app.state.bulk_runner.wait_all(30), "a bulk operation did not finish"
    return response


def refresh(client: TestClient) -> None:
    r = post(client, "/governance/rate-limits/refresh?org=acme")
    assert r.status_code == 303, r.text


def test_pages_need_sign_in_and_viewers_read_but_cannot_act(
    world: Connected,
    anon: TestClient,
    viewer: TestClient,
    admin: TestClient,
    session_factory: sessionmaker[Session],
) -> None:
    assert anon.get("/governance/rate-limits", follow_redirects=False).status_code == 303
    refresh(admin)
    p0 = world.org.projects[0].id
    page = viewer.get("/governance/rate-limits?org=acme")
    assert page.status_code == 200 and "ft:gpt-4o-mini:acme:m002" in page.text
    assert "data-refresh" not in page.text and "Edit" not in page.text
    trail, before, calls = (
        audit_trail(session_factory),
        limits_by_id(world.org),
        len(world.fake.requests),
    )
    for url in (
        "/governance/rate-limits/refresh?org=acme",
        f"/governance/projects/{p0}/disable/preview?org=acme",
        f"/governance/projects/{p0}/disable?org=acme",
        "/governance/templates/import?org=acme",
        "/governance/keys/refresh?org=acme",
        "/governance/keys/revoke?org=acme",
        "/governance/directory/refresh?org=acme",
    ):
        r = post(viewer, url)
        assert r.status_code == 403, url
    no_csrf = admin.post(f"/governance/projects/{p0}/disable?org=acme", follow_redirects=False)
    assert no_csrf.status_code == 403 and "CSRF" in no_csrf.text
    assert limits_by_id(world.org) == before
    assert len(world.fake.requests) == calls  # not even a read was sent to OpenAI
    assert audit_trail(session_factory) == trail


def test_matrix_filters_and_json_twin(world: Connected, admin: TestClient) -> None:
    refresh(admin)
    p1 = world.org.projects[1].id
    page = admin.get(f"/governance/rate-limits?org=acme&project={p1}")
    assert page.status_code == 200 and "Read from the Admin API at" in page.text
    assert "ft:gpt-4o-mini" not in page.text.split("limits-table")[1]
    data = admin.get("/api/v1/rate-limits?org=acme").json()
    assert data["organization"] == "acme" and data["fetched_at"]
    active = {p.id for p in world.org.projects if not p.archived_at}
    expected = [r for r in world.org.rate_limits if r.project_id in active]
    assert len(data["rows"]) == len(expected)
    assert "max_requests_per_1_minute" in data["fields"]
    only = admin.get("/api/v1/rate-limits?org=acme&model=dall-e-3").json()["rows"]
    assert only and {r["model"] for r in only} == {"dall-e-3"}


def test_edit_one_limit_goes_to_openai_and_the_result_page(
    world: Connected, admin: TestClient
) -> None:
    refresh(admin)
    p1 = world.org.projects[1].id
    limit = next(r for r in world.org.rate_limits if r.project_id == p1)
    form = admin.get(f"/governance/rate-limits/{p1}/{limit.id}?org=acme")
    assert form.status_code == 200 and 'name="max_tokens_per_1_minute"' in form.text
    r = post(
        admin,
        f"/governance/rate-limits/{p1}/{limit.id}?org=acme",
        {"max_tokens_per_1_minute": "4321"},
    )
    assert r.status_code == 303
    assert limit.limits["max_tokens_per_1_minute"] == 4321
    result = admin.get(r.headers["location"])
    assert 'data-op-status="succeeded"' in result.text and "req_fake" in result.text


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("lots", "is not a whole number"),
        ("-5", "cannot be negative"),
        ("1e9", "is not a whole number"),
        ("99999999999999999999999", "larger than the largest limit"),
        ("١٢٣", "is not a whole number"),
    ],
)
def test_a_limit_that_is_not_a_limit_is_named_and_nothing_is_sent(
    world: Connected, admin: TestClient, typed: str, message: str
) -> None:
    refresh(admin)
    p1 = world.org.projects[1].id
    limit = next(r for r in world.org.rate_limits if r.project_id == p1)
    before = dict(limit.limits)
    sent = len(world.fake.calls(method="POST"))
    url = f"/governance/rate-limits/{p1}/{limit.id}?org=acme"
    r = post(admin, url, {"max_tokens_per_1_minute": typed, "max_requests_per_1_minute": "7"})
    assert r.status_code == 422 and message in r.text and "Nothing was sent to OpenAI" in r.text
    assert f'value="{typed}"' in r.text  # what was typed is kept for correction
    assert len(world.fake.calls(method="POST")) == sent and limit.limits == before


def test_disable_preview_confirm_restore_and_audit(
    world: Connected, admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    p0 = world.org.projects[0].id
    before = limits_by_id(world.org, p0)
    locked = f"rl-tts-1-{p0[-6:]}"
    world.fake.inject(f"/organization/projects/{p0}/rate_limits/{locked}", not_editable())
    preview = post(admin, f"/governance/projects/{p0}/disable/preview?org=acme", {"reason": "x"})
    assert preview.status_code == 200
    text = preview.text
    editable = [v for v in before.values() if v.get("max_requests_per_1_minute")]
    assert text.count("data-plan-item") == len(editable)
    assert f"Change {len(editable)} limits of project {p0}?" in text
    assert limits_by_id(world.org, p0) == before  # the preview changed nothing

    done = post(admin, f"/governance/projects/{p0}/disable?org=acme", {"reason": "x"})
    assert done.status_code == 303
    result = admin.get(done.headers["location"]).text
    assert 'data-status="skipped"' in result and "cannot be edited" in result
    after = limits_by_id(world.org, p0)
    assert all(v["max_requests_per_1_minute"] == 0 for k, v in after.items() if k != locked)
    project = admin.get(f"/governance/projects/{p0}?org=acme").text
    assert "data-disabled" in project and "data-restore" in project

    restore = post(admin, f"/governance/projects/{p0}/restore/preview?org=acme")
    assert restore.status_code == 200 and "data-plan-item" in restore.text
    done = post(admin, f"/governance/projects/{p0}/restore?org=acme")
    assert done.status_code == 303
    assert limits_by_id(world.org, p0) == before
    again = post(admin, f"/governance/projects/{p0}/restore/preview?org=acme")
    assert again.status_code == 409

    with session_factory() as session:
        actions = {e.action for e in list_audit(session, AuditFilter(actor="web:ada"))}
    assert {"project.disable", "project.restore", "rate_limit.update"} <= actions
    audit = admin.get("/governance/audit?org=acme&action=project.").text
    assert audit.count('data-action="project.disable"') == 1
    assert audit.count('data-action="project.restore"') == 1
    assert 'data-action="project.disable"' in project  # the project page lists its entries


def test_failed_items_are_reported_and_retried_alone(world: Connected, admin: TestClient) -> None:
    p1 = world.org.projects[1].id
    limit = next(r for r in world.org.rate_limits if r.project_id == p1)
    path = f"/organization/projects/{p1}/rate_limits/{limit.id}"
    world.fake.inject(path, replace(Fault.forbidden("api.management.write"), method="POST"))
    done = post(admin, f"/governance/projects/{p1}/disable?org=acme")
    location = done.headers["location"]
    page = admin.get(location).text
    assert 'data-op-status="partial"' in page and "data-retry" in page
    op_id = re.search(r"/operations/(\d+)", location).group(1)  # type: ignore[union-attr]
    calls_before = len(world.fake.calls(path, "POST"))
    retried = post(admin, f"/governance/operations/{op_id}/retry?org=acme")
    assert retried.status_code == 303
    assert 'data-op-status="succeeded"' in admin.get(location).text
    assert len(world.fake.calls(path, "POST")) == calls_before + 1
    ops = admin.get("/governance/operations?org=acme").text
    assert f">{op_id}</a>" in ops


def test_templates_create_apply_preview_confirm_drift_export_import(
    world: Connected, admin: TestClient
) -> None:
    refresh(admin)
    p0, p1 = world.org.projects[0].id, world.org.projects[1].id
    r = post(
        admin, "/governance/templates/from-project?org=acme", {"name": "std", "project_id": p1}
    )
    assert r.status_code == 303
    detail = r.headers["location"]
    tid = re.search(r"/templates/(\d+)", detail).group(1)  # type: ignore[union-attr]
    assert "gpt-4o" in admin.get(detail).text
    limits = json.loads(admin.get(f"/governance/templates/{tid}/export.json?org=acme").text)
    limits["limits"]["o1"]["max_requests_per_1_minute"] = 777
    edited = post(
        admin,
        f"/governance/templates/{tid}/edit?org=acme",
        {"limits": json.dumps(limits["limits"]), "description": "edited"},
    )
    assert edited.status_code == 303
    bad = post(admin, f"/governance/templates/{tid}/edit?org=acme", {"limits": '{"m": {"x": 1}}'})
    assert bad.status_code == 422 and "unknown limit field" in bad.text

    preview = post(
        admin, f"/governance/templates/{tid}/apply/preview?org=acme", {"project_id": [p0, p1]}
    )
    text = preview.text
    assert preview.status_code == 200 and "<ins>777</ins>" in text
    gpt4o = next(r for r in world.org.rate_limits if r.project_id == p1 and r.model == "o1")
    assert gpt4o.limits["max_requests_per_1_minute"] != 777
    done = post(admin, f"/governance/templates/{tid}/apply?org=acme", {"project_id": [p0, p1]})
    assert done.status_code == 303
    assert gpt4o.limits["max_requests_per_1_minute"] == 777
    assert "Every assigned project matches" in admin.get("/governance/drift?org=acme").text
    world.fake.inject(
        f"/organization/projects/{p1}/rate_limits/{gpt4o.id}", Fault(status=500, method="POST")
    )
    gpt4o.limits["max_requests_per_1_minute"] = 5
    refresh(admin)
    drift = admin.get("/governance/drift?org=acme").text
    assert drift.count("data-row") == 1 and ">777<" in drift
    differs = admin.get("/api/v1/rate-limits?org=acme&differs=true").json()["rows"]
    assert [(r["project_id"], r["model"]) for r in differs] == [(p1, "o1")]

    legacy = admin.get(f"/governance/templates/{tid}/export.json?org=acme&format=legacy").json()
    assert isinstance(legacy, list) and {"id", "model"} <= set(legacy[0])
    token = csrf_of(admin, "/governance/templates?org=acme")
    imported = admin.post(
        "/governance/templates/import?org=acme",
        data={"csrf_token": token, "name": "old"},
        files={"file": ("old.json", json.dumps(legacy), "application/json")},
        follow_redirects=False,
    )
    assert imported.status_code == 303
    broken = admin.post(
        "/governance/templates/import?org=acme",
        data={"csrf_token": token},
        files={"file": ("bad.json", b"{nope", "application/json")},
    )
    assert broken.status_code == 422 and "bad.json" in broken.text
    listing = admin.get("/governance/templates?org=acme").text
    assert ">std</a>" in listing and ">old</a>" in listing
    assert post(admin, f"/governance/templates/{tid}/delete?org=acme").status_code == 303
    assert ">std</a>" not in admin.get("/governance/templates?org=acme").text
