"""After `sync` (the same job the CLI, "Sync now" and the scheduler run) the members page, each
OpenAI project's page and the API-key inventory are filled — no separate refresh is needed."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.fakes import build_org
from tests.fakes.harness import Connected, connect
from usage_tracker.services.jobs.sync_then_evaluate import sync_organization
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.settings import Settings

pytestmark = pytest.mark.usefixtures("accounts")


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=9, days=3, projects=3, users=6, keys_per_project=2)
    c = connect(org)
    c.fake.validate = False
    with session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=c.fake.base_url)
        session.commit()
    yield c


def test_pages_have_members_memberships_and_keys_after_a_sync(
    world: Connected, admin: TestClient, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    for path in ("/members?org=acme", "/governance/api-keys?org=acme"):
        assert world.org.users[0].email not in admin.get(path).text  # nothing before the sync
    now = datetime.fromtimestamp(world.org.now, UTC)
    result = sync_organization(
        session_factory, settings, "acme", http_client=world.fake.http_client(), now=now
    )
    assert result.ok, result.message
    members = html.unescape(admin.get("/members?org=acme").text)
    for user in world.org.users:
        assert user.email in members
    active = [p for p in world.org.projects if not p.archived_at]
    for project in active:
        page = html.unescape(admin.get(f"/governance/projects/{project.id}?org=acme").text)
        expected = [u for u in world.org.project_users if u.project_id == project.id]
        assert expected, "the fake gives every active project members"
        for membership in expected:
            user = world.org.user(membership.user_id)
            assert user is not None and user.name in page, (project.id, user)
    keys = admin.get("/api/v1/api-keys?org=acme").json()
    assert {k["id"] for k in keys["keys"]} == {k.id for k in world.org.api_keys}
