"""Governance in Chromium against a real server whose organization's stored base_url points at
the stateful fake Admin API on loopback: disable → restore with previews, then the audit log."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PASSWORD, running_dashboard, screenshot, sign_in
from tests.fakes import Fault, build_org
from tests.fakes.governance import add_keys, add_rate_limits
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.settings import Settings

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def world() -> Iterator[tuple[Connected, str]]:
    org = build_org(seed=31, days=2, projects=3, users=6, archived=1)
    p0 = org.projects[0].id
    add_rate_limits(org, p0, 2)
    owner = next(m.user_id for m in org.project_users if m.project_id == p0)
    add_keys(org, p0, 3, owner)
    c = connect(org, max_retries=0)
    c.fake.validate = False
    with serve(c.fake) as base_url:
        yield c, base_url


@pytest.fixture(scope="module")
def gov_server(
    world: tuple[Connected, str], sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A dashboard whose organization "acme" has its own stored key for the fake."""
    connected, base_url = world
    workdir = tmp_path_factory.mktemp("gov-server")
    db_path = workdir / "dashboard.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    settings = Settings(database_url=url, data_dir=workdir / "data")
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        create_account(session, "ada", PASSWORD, "admin")
        add_organization(session, settings, "acme", connected.org.admin_key, base_url=base_url)
    engine.dispose()
    with running_dashboard(workdir, url, USAGE_TRACKER_DEFAULT_ORG="acme") as base:
        yield base


def signed_in(page: Page, base: str) -> None:
    sign_in(page, base, "ada")


def test_disable_then_restore_with_previews_and_audit(
    page: Page, gov_server: str, world: tuple[Connected, str]
) -> None:
    connected = world[0]
    p0 = connected.org.projects[0].id
    before = {r.id: dict(r.limits) for r in connected.org.rate_limits if r.project_id == p0}
    signed_in(page, gov_server)
    page.goto(gov_server + "/governance/rate-limits")
    page.click("[data-refresh]")
    expect(page.locator("#limits-table tbody tr[data-row]").first).to_be_visible()
    page.goto(f"{gov_server}/governance/projects/{p0}?org=acme")
    page.fill('input[name="reason"]', "runaway spend")
    page.click("[data-disable]")
    expect(page.locator("[data-plan-item]")).to_have_count(len(before))
    expect(page.locator("[data-confirm-count]")).to_contain_text(f"Change {len(before)} limits")
    screenshot(page, "governance-disable-preview-1280")
    page.click("[data-confirm]")
    expect(page.locator('[data-op-status="succeeded"]')).to_be_visible()
    expect(page.locator('#items-table tr[data-status="succeeded"]')).to_have_count(len(before))
    screenshot(page, "governance-operation-1280")
    assert all(
        r.limits["max_requests_per_1_minute"] == 0
        for r in connected.org.rate_limits
        if r.project_id == p0
    )
    page.click("text=Back to the project")
    expect(page.locator("[data-disabled]")).to_be_visible()
    page.click("[data-restore]")
    expect(page.locator("[data-plan-item]")).to_have_count(len(before))
    page.click("[data-confirm]")
    expect(page.locator('[data-op-status="succeeded"]')).to_be_visible()
    after = {r.id: dict(r.limits) for r in connected.org.rate_limits if r.project_id == p0}
    assert after == before
    page.goto(gov_server + "/governance/audit?org=acme&action=project.")
    rows = page.locator("#audit-table tr[data-row]")
    expect(rows).to_have_count(2)
    expect(page.locator('tr[data-action="project.disable"]')).to_have_count(1)
    expect(page.locator('tr[data-action="project.restore"]')).to_have_count(1)
    page.goto(gov_server + "/governance/audit?org=acme&action=rate_limit.update")
    ids = page.locator("#audit-table tr[data-row] code").all_inner_texts()
    assert len(ids) == 2 * len(before) and all(i.startswith("req_") for i in ids)


PAGES = {
    "limits": "/governance/rate-limits",
    "templates": "/governance/templates",
    "drift": "/governance/drift",
    "keys": "/governance/keys",
    "members": "/governance/members",
    "projects": "/governance/projects",
    "operations": "/governance/operations",
    "audit": "/governance/audit",
}


@pytest.mark.parametrize("width,height", [(1280, 800), (375, 812)])
def test_screenshot_every_governance_page(
    page: Page, gov_server: str, world: tuple[Connected, str], width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    signed_in(page, gov_server)
    if width == 1280:
        page.goto(gov_server + "/governance/keys")
        page.click("[data-refresh]")
        page.goto(gov_server + "/governance/members")
        page.click("[data-refresh]")
    for name, path in PAGES.items():
        page.goto(gov_server + path)
        expect(page.locator("h1").first).to_be_visible()
        screenshot(page, f"governance-{name}-{width}")
    p0 = world[0].org.projects[0].id
    page.goto(f"{gov_server}/governance/projects/{p0}")
    screenshot(page, f"governance-project-{width}")


def test_a_running_operation_shows_live_progress_until_done_without_a_reload(
    page: Page, gov_server: str, world: tuple[Connected, str]
) -> None:
    """The fake holds the calls: first none done (0 of N), then one (the page's script moves
    the bar, the counts and the row), then the rest (the page shows the result by itself)."""
    connected = world[0]
    project = next(p for p in connected.org.projects[1:] if not p.archived_at)
    limits = [r for r in connected.org.rate_limits if r.project_id == project.id]
    total = sum(1 for r in limits if r.limits.get("max_requests_per_1_minute"))
    first, rest = threading.Event(), threading.Event()
    connected.fake.inject(
        f"/organization/projects/{project.id}/rate_limits/*",
        Fault(gate=first, times=1, method="POST"),
        Fault(gate=rest, times=total - 1, method="POST"),
    )
    try:
        signed_in(page, gov_server)
        page.goto(gov_server + "/governance/rate-limits")
        page.click("[data-refresh]")
        expect(page.locator("#limits-table tbody tr[data-row]").first).to_be_visible()
        page.goto(f"{gov_server}/governance/projects/{project.id}?org=acme")
        page.click("[data-disable]")
        expect(page.locator("[data-plan-item]")).to_have_count(total)
        page.click("[data-confirm]")
        running = page.locator('[data-operation][data-state="running"]')
        bar = page.locator("progress[data-op-progress]")
        expect(running).to_be_visible()
        expect(bar).to_have_attribute("max", str(total))
        expect(bar).to_have_attribute("value", "0")

        first.set()
        expect(bar).to_have_attribute("value", "1")
        expect(page.locator('[data-operation] [data-count="succeeded"]')).to_have_text("1")
        expect(page.locator('#items-table tr[data-status="succeeded"]')).to_have_count(1)
        expect(page.locator("[data-op-done]")).to_have_text(f"1 / {total}")
        expect(running).to_be_visible()  # still the same page: the script updated it
        screenshot(page, "governance-operation-running-1280")

        rest.set()
        expect(page.locator('[data-op-status="succeeded"]')).to_be_visible(timeout=15_000)
        expect(bar).to_have_attribute("value", str(total))
        expect(page.locator('#items-table tr[data-status="succeeded"]')).to_have_count(total)
        expect(page.locator("[data-operation][data-poll]")).to_have_count(0)
    finally:
        first.set()
        rest.set()
    assert not any(r.limits.get("max_requests_per_1_minute") for r in limits)
