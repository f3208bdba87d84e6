"""Budgets in Chromium against a real server: set one (preview → confirm) and see it listed with
its status and its burn chart drawn; screenshots at 1280 and 375 pixels wide."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import screenshot, sign_in

pytestmark = pytest.mark.browser


def _set_project_budget(page: Page, server: str, project: str, amount: str) -> None:
    page.goto(server + "/budgets")
    form = page.locator("[data-budget-form]")
    form.locator('select[name="scope"]').select_option("project")
    form.locator('input[name="scope_id"]').fill(project)
    form.locator('input[name="amount"]').fill(amount)
    form.locator('button[type="submit"]').click()
    expect(page.locator("[data-preview]")).to_contain_text(project)


def test_set_a_budget_and_see_its_burn(page: Page, server: str) -> None:
    sign_in(page, server, "ada")
    _set_project_budget(page, server, "proj_browser", "250")
    expect(page.locator("[data-total-after]")).to_have_text("$250.00")
    page.locator("[data-confirm]").click()
    expect(page.locator('[data-flash="ok"]')).to_be_visible()
    expect(page.locator('[data-chart="chart-burn"][data-drawn]')).to_have_count(1, timeout=15_000)
    assert page.locator(".plot svg.chart-svg").count() > 0
    page.goto(server + "/budgets")
    row = page.locator('tr[data-budget="project:proj_browser"]')
    expect(row).to_have_count(1)
    expect(row.locator(".status")).to_have_text("safe")
    expect(page.locator('[data-card="budget-monthly"]')).to_have_text("$250.00")
    screenshot(page, "budgets-1280")
    row.locator("a").first.click()
    expect(page.locator('[data-chart="chart-burn"][data-drawn]')).to_have_count(1, timeout=15_000)
    screenshot(page, "budget-detail-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(server + "/budgets")
    expect(page.locator('tr[data-budget="project:proj_browser"]')).to_have_count(1)
    screenshot(page, "budgets-375")
    page.locator('tr[data-budget="project:proj_browser"] a').first.click()
    expect(page.locator('[data-chart="chart-burn"][data-drawn]')).to_have_count(1, timeout=15_000)
    screenshot(page, "budget-detail-375")


def test_viewer_sees_no_budget_form(page: Page, server: str, browser: Browser) -> None:
    """The viewer sees a budget an admin set (in this test, not a test before it)."""
    admin = browser.new_context().new_page()
    sign_in(admin, server, "ada")
    _set_project_budget(admin, server, "proj_viewer", "75")
    admin.locator("[data-confirm]").click()
    expect(admin.locator('[data-flash="ok"]')).to_be_visible()
    admin.context.close()
    sign_in(page, server, "val")
    page.goto(server + "/budgets")
    expect(page.locator("[data-budget-form]")).to_have_count(0)
    expect(page.locator('tr[data-budget="project:proj_viewer"]')).to_have_count(1)
