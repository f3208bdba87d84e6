"""Invites, service accounts and `/api/v1/members` on the web: admin only, CSRF-checked, against
the stateful fake Admin API over loopback; a new service account's key is shown once and kept
nowhere (database, audit log, logs)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.fakes import build_org
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from tests.web.conftest import audit_trail, csrf_of
from usage_tracker.cli.main import app as cli
from usage_tracker.db.base import Base
from usage_tracker.services.accounts.api_tokens import create_token
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.settings import Settings


@pytest.fixture
def world(settings: Settings, session_factory: sessionmaker[Session]) -> Iterator[Connected]:
    org = build_org(seed=53, days=2, projects=3, users=6)
    c = connect(org)
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield c


def refreshed(admin: TestClient) -> str:
    token = csrf_of(admin, "/members?org=acme")
    response = admin.post("/members/refresh?org=acme", data={"csrf_token": token})
    assert response.status_code == 200, response.text
    return token


def audit(session_factory: sessionmaker[Session], action: str) -> list[tuple[str, str | None]]:
    with session_factory() as session:
        org = get_organization(session, "acme")
        entries = list_audit(session, AuditFilter(org.id, action=action))
        return [(e.result, e.request_id) for e in entries]


def test_invite_pages_are_admin_only_and_csrf_checked(
    world: Connected,
    admin: TestClient,
    viewer: TestClient,
    session_factory: sessionmaker[Session],
) -> None:
    refreshed(admin)
    trail = audit_trail(session_factory)
    accounts_before = list(world.org.service_accounts)
    page = viewer.get("/members/invites?org=acme")
    assert page.status_code == 200 and "invite-form" not in page.text
    token = csrf_of(viewer, "/members?org=acme")
    form = {"csrf_token": token, "email": "new@example.com", "role": "reader"}
    assert viewer.post("/members/invites/preview?org=acme", data=form).status_code == 403
    assert viewer.post("/members/invites?org=acme", data=form).status_code == 403
    no_csrf = {k: v for k, v in form.items() if k != "csrf_token"}
    assert admin.post("/members/invites?org=acme", data=no_csrf).status_code == 403
    assert not any(i.email == "new@example.com" for i in world.org.invites)
    sa = viewer.get("/members/service-accounts?org=acme")
    assert sa.status_code == 200 and "sa-create" not in sa.text
    pid = world.org.projects[0].id
    denied = viewer.post(
        "/members/service-accounts?org=acme",
        data={"csrf_token": token, "project_id": pid, "name": "x"},
    )
    assert denied.status_code == 403
    assert world.fake.writes() == []  # nothing was sent to OpenAI
    assert world.org.service_accounts == accounts_before
    assert audit_trail(session_factory) == trail


def test_invite_preview_create_then_revoke_audited(
    world: Connected, admin: TestClient, session_factory: sessionmaker[Session]
) -> None:
    token = refreshed(admin)
    pid = next(p.id for p in world.org.projects if not p.archived_at)
    form = {
        "csrf_token": token,
        "email": "new.person@example.com",
        "role": "reader",
        "project_id": [pid],
        "project_role": "member",
    }
    preview = admin.post("/members/invites/preview?org=acme", data=form)
    assert preview.status_code == 200 and f'data-project="{pid}"' in preview.text
    assert not any(i.email == form["email"] for i in world.org.invites)
    bad = admin.post("/members/invites?org=acme", data={**form, "project_id": ["proj_nope"]})
    assert bad.status_code == 422
    page = admin.post("/members/invites?org=acme", data=form)
    assert page.status_code == 200
    invite = next(i for i in world.org.invites if i.email == form["email"])
    assert getattr(invite, "projects", None) == [{"id": pid, "role": "member"}]
    assert f'data-invite="{invite.id}"' in page.text
    created = audit(session_factory, "invite.create")
    assert len(created) == 1 and created[0][0] == "ok" and created[0][1]
    revoke = f"/members/invites/{invite.id}/revoke"
    confirm = admin.post(f"{revoke}/preview?org=acme", data={"csrf_token": token})
    assert confirm.status_code == 200 and "data-confirm-text" in confirm.text
    assert invite in world.org.invites
    wrong = admin.post(f"{revoke}?org=acme", data={"csrf_token": token, "confirm": "other"})
    assert wrong.status_code == 422 and invite in world.org.invites
    done = admin.post(f"{revoke}?org=acme", data={"csrf_token": token, "confirm": invite.id})
    assert done.status_code == 200 and f'data-invite="{invite.id}"' not in done.text
    assert invite not in world.org.invites
    entries = audit(session_factory, "invite.revoke")
    assert len(entries) == 1 and entries[0][0] == "ok" and entries[0][1]
    assert 'data-action="invite.revoke"' in done.text


def _everything_stored(session_factory: sessionmaker[Session]) -> str:
    with session_factory() as session:
        return "\n".join(
            repr(tuple(row)) for table in Base.metadata.sorted_tables
            for row in session.execute(select(table))
        )  # fmt: skip


def test_service_account_key_shown_once_and_kept_nowhere(
    world: Connected,
    admin: TestClient,
    session_factory: sessionmaker[Session],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    token = refreshed(admin)
    pid = next(p.id for p in world.org.projects if not p.archived_at)
    listed = admin.get(f"/members/service-accounts?org=acme&project={pid}")
    assert listed.status_code == 200 and "sa-create" in listed.text
    created = admin.post(
        "/members/service-accounts?org=acme",
        data={"csrf_token": token, "project_id": pid, "name": "ci-bot"},
    )
    assert created.status_code == 200
    assert "no-store" in created.headers["cache-control"]
    match = re.search(r"data-new-key>([^<]+)<", created.text)
    assert match
    key = match.group(1)
    account = next(a for a in world.org.service_accounts if a.name == "ci-bot")
    assert key.startswith("sk-svcacct-") and f'data-created="{account.id}"' in created.text
    page = admin.get(f"/members/service-accounts?org=acme&project={pid}")
    assert f'data-account="{account.id}"' in page.text and key not in page.text
    assert key not in _everything_stored(session_factory)
    with session_factory() as session:
        org = get_organization(session, "acme")
        entries = list_audit(session, AuditFilter(org.id, action="service_account."))
        assert entries and all(
            key not in json.dumps([e.before, e.after, e.detail]) for e in entries
        )
    assert all(key not in r.getMessage() for r in caplog.records)
    url = f"/members/service-accounts/{account.id}/delete"
    preview = admin.post(f"{url}/preview?org=acme", data={"csrf_token": token, "project_id": pid})
    assert preview.status_code == 200 and account in world.org.service_accounts
    form = {"csrf_token": token, "project_id": pid, "confirm": account.id}
    done = admin.post(f"{url}?org=acme", data=form)
    assert done.status_code == 200 and f'data-account="{account.id}"' not in done.text
    assert account not in world.org.service_accounts
    assert [r for r, _ in audit(session_factory, "service_account.delete")] == ["ok"]


def test_api_members_matches_cli_json(
    world: Connected,
    admin: TestClient,
    anon: TestClient,
    cli_env: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    refreshed(admin)
    assert anon.get("/api/v1/members?org=acme").status_code == 401
    with session_factory() as session:
        _, plain = create_token(session, "reports")
        session.commit()
    auth = {"Authorization": f"Bearer {plain}"}
    api = anon.get("/api/v1/members?org=acme", headers=auth)
    assert api.status_code == 200
    result = CliRunner().invoke(
        cli, ["members", "list", "--org", "acme", "--cached", "--format", "json"], env=cli_env
    )
    assert result.exit_code == 0, result.stderr
    assert api.json() == json.loads(result.stdout)
    assert len(api.json()) == len(world.org.users)
    assert {"id", "name", "email", "role", "added_at", "projects"} <= set(api.json()[0])
    owners = anon.get("/api/v1/members?org=acme&role=owner", headers=auth).json()
    assert {m["id"] for m in owners} == {u.id for u in world.org.users if u.role == "owner"}
