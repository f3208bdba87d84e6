"""Teams in Chromium against a real server: an admin creates a team, adds a member by e-mail
and sees the member (name and e-mail) on the team's page and in the teams list."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, running_dashboard, screenshot, sign_in
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.domain.records import Member
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.ledger.names import upsert_members
from usage_tracker.services.orgs.organizations import ensure_organization

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def teams_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard whose organization "acme" knows one member, Grace <grace@example.com>."""
    workdir = tmp_path_factory.mktemp("teams")
    db_path = workdir / "dashboard.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        create_account(session, "ada", PASSWORD, "admin")
        org = ensure_organization(session, "acme")
        upsert_members(
            session, org.id, [Member("user-grace", "Grace", "grace@example.com")], "file"
        )
    engine.dispose()
    with running_dashboard(workdir, url, USAGE_TRACKER_DEFAULT_ORG="acme") as base:
        yield base


def test_create_a_team_and_add_a_member(page: Page, teams_server: str) -> None:
    sign_in(page, teams_server, "ada")
    page.goto(teams_server + "/members")
    page.locator("[data-teams-link]").click()
    form = page.locator("#team-create")
    form.locator("[data-team-name]").fill("Search")
    form.locator('input[name="cost_centre"]').fill("CC-7")
    form.locator("[data-team-create]").click()
    expect(page.locator('[data-flash="ok"]')).to_contain_text("Search")
    expect(page.locator("[data-team-title]")).to_contain_text("Search")
    add = page.locator("#team-add-member")
    add.locator("[data-member-kind]").select_option("user")
    add.locator("[data-member-id]").fill("grace@example.com")
    add.locator("[data-add-member]").click()
    expect(page.locator('[data-flash="ok"]')).to_contain_text("user-grace")
    row = page.locator('#team-members tr[data-member="user-grace"]')
    expect(row).to_contain_text("Grace")
    expect(row).to_contain_text("grace@example.com")
    expect(page.locator('#team-audit tr[data-action="team.add_members"]')).to_have_count(1)
    screenshot(page, "team-detail-1280")
    page.locator("a", has_text="Teams").first.click()
    listed = page.locator('tr[data-team="Search"]')
    expect(listed.locator('[data-user="user-grace"]')).to_contain_text("grace@example.com")
    screenshot(page, "teams-1280")
