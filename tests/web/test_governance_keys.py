"""Governance pages: key inventory and revocation, members and projects, the audit log and
its exports, and that each organization's own key is used (never another credential)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import build_org
from tests.fakes.governance import add_keys, remove_member
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.web.conftest import csrf_of, sign_in
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.settings import Settings
from usage_tracker.web import create_app

pytestmark = pytest.mark.usefixtures("accounts")


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=9, days=2, projects=3, users=8, archived=1)
    p0 = org.projects[0].id
    owner = next(m.user_id for m in org.project_users if m.project_id == p0)
    add_keys(org, p0, 4, owner)
    remove_member(org, owner)
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield c


def post(client: TestClient, url: str, data: dict[str, object] | None = None) -> Any:
    """POST with the CSRF token; a bulk operation it starts is waited for (it runs in the
    background: the answer comes at once)."""
    token = csrf_of(client, "/governance/keys")
    response = client.post(url, data={"csrf_token": token, **(data or {})}, follow_redirects=False)
    assert client.app.state.bulk_runner.wait_all(30), "a bulk operation did not finish"
    return response


def test_inventory_flags_and_revoke_preview_then_confirm(
    world: Connected, admin: TestClient, viewer: TestClient
) -> None:
    assert post(admin, "/governance/keys/refresh?org=acme").status_code == 303
    page = admin.get("/governance/keys?org=acme").text
    assert "bulk key 0" in page and "Admin API keys" in page and 'data-flag="stale"' in page
    departed = admin.get("/governance/keys?org=acme&flag=owner_departed").text
    shown = departed.count("<tr data-row data-key=")
    assert shown >= 4 and departed.count('data-key-flag="owner_departed"') == shown
    never = admin.get("/api/v1/api-keys?org=acme&flag=never_used").json()
    assert never["keys"] and all("never_used" in k["flags"] for k in never["keys"])
    assert never["admin_keys"] and "owner_email" in never["keys"][0]
    assert "data-revoke-preview" not in viewer.get("/governance/keys?org=acme").text

    ids = [k.id for k in world.org.api_keys if k.name and k.name.startswith("bulk key")][:3]
    preview = post(admin, "/governance/keys/revoke/preview?org=acme", {"key_id": ids})
    text = preview.text
    assert "Revoke 3 API keys? This cannot be undone." in text
    assert all(i in text for i in ids) and text.count("<tr data-row>") == 3
    assert len([k for k in world.org.api_keys if k.id in ids]) == 3  # nothing deleted yet
    wrong = post(admin, "/governance/keys/revoke?org=acme", {"key_id": ids, "count": 2})
    assert wrong.status_code == 422
    assert (
        post(viewer, "/governance/keys/revoke?org=acme", {"key_id": ids, "count": 3}).status_code
        == 403
    )
    done = post(admin, "/governance/keys/revoke?org=acme", {"key_id": ids, "count": 3})
    assert done.status_code == 303
    assert not [k for k in world.org.api_keys if k.id in ids]
    result = admin.get(done.headers["location"]).text
    assert 'data-op-status="succeeded"' in result and result.count('data-status="succeeded"') == 3
    audit = admin.get("/api/v1/audit?org=acme&action=api_key.delete").json()["entries"]
    assert len(audit) == 3 and all(e["request_id"] and e["actor"] == "web:ada" for e in audit)


def test_members_and_projects_show_names_memberships_and_archived(
    world: Connected, admin: TestClient, viewer: TestClient
) -> None:
    r = post(admin, "/governance/directory/refresh?org=acme&back=projects")
    assert r.status_code == 303 and r.headers["location"].startswith("/governance/projects")
    # The older read-only members page is now the members administration page (its own refresh).
    assert post(admin, "/members/refresh?org=acme").status_code == 303
    moved = viewer.get("/governance/members?org=acme", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/members?org=acme"
    members = viewer.get("/governance/members?org=acme").text
    user = world.org.users[0]
    assert user.email in members and (user.name or user.email) in members
    names = {p.id: p.name for p in world.org.projects}
    memberships = [m for m in world.org.project_users if m.user_id == user.id]
    for m in memberships:
        assert (names.get(m.project_id) or m.project_id) in members
    projects = viewer.get("/governance/projects?org=acme").text
    archived = next(p for p in world.org.projects if p.archived_at)
    assert 'id="projects-archived"' in projects
    assert archived.id in projects.split('id="projects-archived"')[1]
    active_member = next(m for m in world.org.project_users)
    person = next(u for u in world.org.users if u.id == active_member.user_id)
    page = viewer.get(f"/governance/projects/{active_member.project_id}?org=acme").text
    assert (person.name or person.email) in page
    assert viewer.get("/governance/projects/proj_nope?org=acme").status_code == 404


def test_audit_filters_and_exports(world: Connected, admin: TestClient) -> None:
    p1 = world.org.projects[1].id
    post(admin, f"/governance/projects/{p1}/disable?org=acme")
    page = admin.get("/governance/audit?org=acme&result=ok&action=project.").text
    assert page.count('data-action="project.disable"') == 1 and "rate_limit.update" not in page
    assert "No audit entries." in admin.get("/governance/audit?org=acme&actor=nobody").text
    assert admin.get("/governance/audit?org=acme&result=bad").status_code == 422
    assert admin.get("/governance/audit?org=acme&since=nope").status_code == 422
    every = admin.get("/governance/audit?org=all").text
    assert 'data-action="project.disable"' in every
    exported = admin.get(f"/governance/audit/export.csv?org=acme&target={p1}/")
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows and all(r["target_id"].startswith(f"{p1}/") for r in rows)
    assert all(r["request_id"] for r in rows if r["result"] == "ok")
    as_json = admin.get("/governance/audit/export.json?org=acme").json()
    assert {e["action"] for e in as_json} >= {"project.disable", "rate_limit.update"}
    assert admin.get("/governance/audit/export.xlsx?org=acme").status_code == 200
    token = admin.get("/api/v1/audit?org=acme&limit=1").json()
    assert len(token["entries"]) == 1


def test_an_org_without_its_own_key_never_uses_openai_admin_key(
    world: Connected, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    with session_factory() as session:
        ensure_organization(session, "beta")
        session.commit()
    env_settings = settings.model_copy(
        update={"openai_admin_key": SecretStr(world.org.admin_key), "default_org": "acme"}
    )
    app = create_app(env_settings)
    try:
        with TestClient(app) as client:
            sign_in(client, "ada")
            r = post(client, "/governance/rate-limits/refresh?org=beta")
            assert r.status_code == 409 and "no admin key for organization &#39;beta&#39;" in r.text
            calls = len(world.fake.calls("/organization/projects", "GET"))
            assert calls == 0
            assert post(client, "/governance/rate-limits/refresh?org=acme").status_code == 303
            assert len(world.fake.calls("/organization/projects", "GET")) == 1
    finally:
        app.state.engine.dispose()
