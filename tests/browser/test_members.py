"""Members and access in Chromium against a real server process whose organization's stored key
points at the stateful fake Admin API on loopback: refresh, filter, preview → confirm → audit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, running_dashboard, screenshot, sign_in
from tests.fakes import build_org
from tests.fakes.governance import add_keys
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world() -> Iterator[Connected]:
    org = build_org(seed=61, days=2, projects=3, users=8)
    c = connect(org)
    with serve(c.fake):
        yield c


@pytest.fixture(scope="module")
def access_server(
    world: Connected, sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A dashboard whose organization "acme" uses the fake's key and loopback URL."""
    workdir = tmp_path_factory.mktemp("access")
    db_path = workdir / "dashboard.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    settings = Settings(database_url=url, data_dir=workdir / "data")
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        create_account(session, "ada", PASSWORD, "admin")
        add_organization(
            session, settings, "acme", world.org.admin_key, base_url=world.fake.base_url
        )
    engine.dispose()
    with running_dashboard(workdir, url) as base:
        yield base


def test_remove_member_preview_confirm_then_audit_entry(
    page: Page, access_server: str, world: Connected
) -> None:
    p0 = world.org.projects[0].id
    user = next(
        u
        for m in world.org.project_users
        if m.project_id == p0
        for u in world.org.users
        if u.id == m.user_id
    )
    keys = add_keys(world.org, p0, 2, user.id)
    sign_in(page, access_server, "ada")
    page.goto(access_server + "/members?org=acme")
    page.click("[data-refresh]")
    expect(page.locator("#members-table [data-member]")).to_have_count(8)
    page.fill("[data-member-search]", user.email)
    page.click('form.filters button[type="submit"]')
    expect(page.locator("#members-table [data-member]")).to_have_count(1)
    page.click(f'[data-member="{user.id}"] th a')
    expect(page.locator("h1")).to_contain_text(user.name)
    page.click("[data-remove-preview]")
    owned = [k for k in world.org.api_keys if k.owner_type == "user" and k.owner_id == user.id]
    expect(page.locator("[data-owned-count]")).to_have_text(str(len(owned)))
    for key in keys:
        expect(page.locator(f'#owned-keys [data-key="{key.id}"]')).to_have_count(1)
    screenshot(page, "members-remove-preview")
    assert world.org.user(user.id) is not None
    page.click("[data-confirm]")
    expect(page.locator(f'[data-member="{user.id}"]')).to_have_count(0)
    assert world.org.user(user.id) is None
    page.goto(access_server + "/governance/audit?org=acme")
    row = page.locator('tr[data-action="member.remove"]')
    expect(row).to_have_count(1)
    expect(row).to_contain_text(user.id)
    expect(row).to_contain_text("req_fake")


def test_bulk_membership_preview_then_confirm(
    page: Page, access_server: str, world: Connected
) -> None:
    active = [p.id for p in world.org.projects if not p.archived_at]
    user = world.org.users[-1]
    world.org.project_users[:] = [m for m in world.org.project_users if m.user_id != user.id]
    sign_in(page, access_server, "ada")
    page.goto(access_server + "/members?org=acme")
    page.click("[data-refresh]")
    page.check(f'[data-member="{user.id}"] input[name="user_id"]')
    page.click("[data-edit-memberships]")
    for pid in active:
        page.check(f'#editor-projects input[value="{pid}"]')
    page.click("[data-membership-preview]")
    expect(page.locator("[data-plan-item]")).to_have_count(len(active))
    assert not any(m.user_id == user.id for m in world.org.project_users)
    page.click("[data-confirm]")
    expect(page.locator('[data-result="succeeded"]')).to_have_count(len(active))
    assert {m.project_id for m in world.org.project_users if m.user_id == user.id} == set(active)


def test_invite_then_revoke_with_audit_entry(
    page: Page, access_server: str, world: Connected
) -> None:
    email = "browser.invitee@example.com"
    pid = next(p.id for p in world.org.projects if not p.archived_at)
    sign_in(page, access_server, "ada")
    page.goto(access_server + "/members?org=acme")
    page.click("[data-refresh]")
    page.click("[data-invites-link]")
    page.fill("[data-invite-email]", email)
    page.select_option("[data-invite-role]", "reader")
    page.check(f'#invite-projects input[value="{pid}"]')
    screenshot(page, "members-invites-1280")
    page.click("[data-invite-preview]")
    expect(page.locator('[data-preview="invite"] [data-project]')).to_have_count(1)
    assert not any(i.email == email for i in world.org.invites)
    page.click("[data-confirm]")
    invite = next(i for i in world.org.invites if i.email == email)
    row = page.locator(f'[data-invite="{invite.id}"]')
    expect(row).to_contain_text(email)
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "members-invites-375")
    page.set_viewport_size({"width": 1280, "height": 800})
    row.locator("[data-revoke-preview]").click()
    expect(page.locator("[data-confirm-text]")).to_contain_text(email)
    page.click("[data-confirm]")
    expect(page.locator(f'[data-invite="{invite.id}"]')).to_have_count(0)
    assert invite not in world.org.invites
    entry = page.locator('#invite-audit tr[data-action="invite.revoke"]')
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text(invite.id)
    page.goto(access_server + "/governance/audit?org=acme")
    expect(page.locator('tr[data-action="invite.revoke"]')).to_contain_text("req_fake")
