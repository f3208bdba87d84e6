"""The Members pages: filters, member detail, role change and removal (preview → confirm),
the project membership editor — admin only, CSRF-checked, against the fake over loopback."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_keys
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.web.conftest import audit_trail, csrf_of
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.settings import Settings


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=51, days=2, projects=3, users=12)
    c = connect(org)
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield c


def refreshed(admin: TestClient) -> None:
    token = csrf_of(admin, "/members?org=acme")
    response = admin.post("/members/refresh?org=acme", data={"csrf_token": token})
    assert response.status_code == 200, response.text


def test_members_page_filters_and_json_twin(world: Connected, admin: TestClient) -> None:
    refreshed(admin)
    page = admin.get("/members?org=acme")
    assert page.status_code == 200
    assert len(re.findall(r"data-member=", page.text)) == 12
    user = world.org.users[2]
    found = admin.get(f"/members?org=acme&q={user.email}")
    assert re.findall(r'data-member="([^"]+)"', found.text) == [user.id]
    owners = admin.get("/members?org=acme&role=owner&format=json").json()
    assert {m["id"] for m in owners} == {u.id for u in world.org.users if u.role == "owner"}
    pid = world.org.projects[0].id
    members = admin.get(f"/members?org=acme&project={pid}&format=json").json()
    assert {m["id"] for m in members} == {
        m.user_id for m in world.org.project_users if m.project_id == pid
    }
    assert admin.get("/members?org=acme&stale_keys=true&inactive_days=30").status_code == 200


def test_viewer_reads_but_cannot_write(
    world: Connected,
    admin: TestClient,
    viewer: TestClient,
    session_factory: sessionmaker[Session],
) -> None:
    refreshed(admin)
    user = next(u for u in world.org.users if u.role == "reader")
    assert viewer.get(f"/members/{user.id}?org=acme").status_code == 200
    token = csrf_of(viewer, "/members?org=acme")
    trail = audit_trail(session_factory)
    denied = viewer.post(
        f"/members/{user.id}/role?org=acme", data={"csrf_token": token, "role": "owner"}
    )
    assert denied.status_code == 403
    removal = viewer.post(
        f"/members/{user.id}/remove?org=acme", data={"csrf_token": token, "confirm": user.id}
    )
    assert removal.status_code == 403
    no_csrf = admin.post(f"/members/{user.id}/role?org=acme", data={"role": "owner"})
    assert no_csrf.status_code == 403
    forged = admin.post(
        f"/members/{user.id}/role?org=acme", data={"csrf_token": "forged", "role": "owner"}
    )
    assert forged.status_code == 403
    assert world.fake.writes() == []  # nothing was sent to OpenAI
    assert world.org.user(user.id).role == "reader"  # type: ignore[union-attr]
    assert audit_trail(session_factory) == trail


def test_role_change_preview_confirm_and_removal_preview_lists_keys(
    world: Connected, admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    p0 = world.org.projects[0].id
    user_id = next(m.user_id for m in world.org.project_users if m.project_id == p0)
    keys = add_keys(world.org, p0, 2, user_id)
    refreshed(admin)
    current = world.org.user(user_id).role  # type: ignore[union-attr]
    new = "owner" if current == "reader" else "reader"
    token = csrf_of(admin, f"/members/{user_id}?org=acme")
    preview = admin.post(
        f"/members/{user_id}/role/preview?org=acme", data={"csrf_token": token, "role": new}
    )
    assert preview.status_code == 200 and "data-role-change" in preview.text
    assert world.org.user(user_id).role == current  # type: ignore[union-attr]
    done = admin.post(f"/members/{user_id}/role?org=acme", data={"csrf_token": token, "role": new})
    assert done.status_code == 200
    assert world.org.user(user_id).role == new  # type: ignore[union-attr]
    removal = admin.post(f"/members/{user_id}/remove/preview?org=acme", data={"csrf_token": token})
    assert all(k.id in removal.text for k in keys)
    world.fake.inject(f"/organization/users/{user_id}", Fault.forbidden("api.management.write"))
    failed = admin.post(
        f"/members/{user_id}/remove?org=acme", data={"csrf_token": token, "confirm": user_id}
    )
    assert failed.status_code == 502 and "api.management.write" in failed.text
    assert world.org.user(user_id) is not None
    with session_factory() as session:
        org = get_organization(session, "acme")
        results = [e.result for e in list_audit(session, AuditFilter(org.id, target_id=user_id))]
    assert sorted(results) == ["failed", "ok"]


def test_membership_editor_bulk_preview_then_apply(world: Connected, admin: TestClient) -> None:
    refreshed(admin)
    active = [p.id for p in world.org.projects if not p.archived_at]
    user = world.org.users[-1]
    world.org.project_users[:] = [m for m in world.org.project_users if m.user_id != user.id]
    refreshed(admin)
    editor = admin.get(f"/members/projects/edit?org=acme&user_id={user.id}")
    assert editor.status_code == 200 and f'value="{user.id}" checked' in editor.text
    token = csrf_of(admin, "/members/projects/edit?org=acme")
    form = {"csrf_token": token, "action": "add", "role": "member", "user_id": [user.id]}
    form["project_id"] = active
    preview = admin.post("/members/projects/preview?org=acme", data=form)
    assert preview.text.count("data-plan-item") == len(active)
    assert not any(m.user_id == user.id for m in world.org.project_users)
    stale = admin.post("/members/projects/apply?org=acme", data={**form, "count": "99"})
    assert stale.status_code == 409
    done = admin.post("/members/projects/apply?org=acme", data={**form, "count": str(len(active))})
    assert done.text.count('data-result="succeeded"') == len(active)
    assert {m.project_id for m in world.org.project_users if m.user_id == user.id} == set(active)
