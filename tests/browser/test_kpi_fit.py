"""KPI figures fit their cards: on the demo organization, with a budget as large as a big
organization's, every card's figure is on one line inside its card (scrollWidth <= clientWidth)
at 1440 and 390 px, in English and Korean, and the page (a budget titled by its project's name
and long id) is no wider than the window; screenshots of each."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import PASSWORD, running_dashboard, screenshot
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.ledger.scope_names import choices
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget

pytestmark = pytest.mark.browser
PAGES = ("/", "/budgets", "/budgets/1", "/budgets/2")  # every page with KPI cards


@pytest.fixture(scope="module")
def demo_server(demo_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard on the demo organization, with an admin "ada" and two large budgets."""
    workdir = tmp_path_factory.mktemp("demo-server")
    db_path = workdir / "demo.sqlite3"
    shutil.copyfile(demo_sqlite, db_path)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        create_account(session, "ada", PASSWORD, "admin")
        org = ensure_organization(session, "demo")
        named = {n.name: n.id for n in choices(session, org.id, "project")}
        project = named["Research Lab"]  # the demo's widest id (proj_CDfgvqZkb6GjHbG81RqwkVHW)
        big = (
            ("org", "demo", "monthly", "987654321.99"),
            ("project", project, "yearly", "8765432109.50"),
        )
        for scope, scope_id, period, amount in big:
            set_budget(session, org, BudgetSpec(scope, scope_id, to_nanos(amount), period), "t")
    engine.dispose()
    with running_dashboard(workdir, url) as base:
        yield base


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("width", [1440, 390])
def test_every_card_figure_fits_its_card(
    browser: Browser, demo_server: str, lang: str, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    try:
        host = demo_server.split("//")[1].split(":")[0]
        context.add_cookies([{"name": "ut_lang", "value": lang, "domain": host, "path": "/"}])
        page = context.new_page()
        page.goto(demo_server + "/login")
        page.fill('input[name="name"]', "ada")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"].primary')
        page.wait_for_url(demo_server + "/")
        seen: list[str] = []
        for path in PAGES:
            page.goto(demo_server + path)
            page.wait_for_load_state("load")
            figures = page.evaluate(
                """() => [...document.querySelectorAll('.card .big')].map(el => ({
                    text: el.textContent.trim(), sw: el.scrollWidth, cw: el.clientWidth,
                    card: el.closest('.card').scrollWidth - el.closest('.card').clientWidth,
                    size: parseFloat(getComputedStyle(el).fontSize),
                    lines: Math.round(el.getBoundingClientRect().height
                                      / parseFloat(getComputedStyle(el).lineHeight || 30)) }))"""
            )
            assert figures, f"no KPI cards on {path}"
            seen += [f["text"] for f in figures]
            for f in figures:
                where = (lang, width, path, f)
                assert f["sw"] <= f["cw"] and f["card"] <= 0, where
                assert f["size"] >= 12, where
            assert page.evaluate("document.documentElement.lang") == lang
            wide = page.evaluate("document.documentElement.scrollWidth")
            assert wide <= width, (lang, width, path, wide)  # names and ids wrap, never widen
            name = path.strip("/").replace("/", "-") or "overview"
            screenshot(page, f"kpi-{name}-{width}-{lang}")
        for amount in ("987,654,321.99", "8,765,432,109.50"):  # the large budgets were measured
            assert any(amount in text for text in seen), (amount, seen)
    finally:
        context.close()


def test_the_budget_form_offers_the_known_ids_of_the_chosen_scope(
    browser: Browser, demo_server: str
) -> None:
    page = browser.new_page(viewport={"width": 1440, "height": 900})
    try:
        page.goto(demo_server + "/login")
        page.fill('input[name="name"]', "ada")
        page.fill('input[name="password"]', PASSWORD)
        page.click('button[type="submit"].primary')
        page.wait_for_url(demo_server + "/")
        page.goto(demo_server + "/budgets")
        form = page.locator("[data-budget-form]")
        field = form.locator("input[data-scope-list]")
        assert field.get_attribute("list") == "known-project"
        form.locator('select[name="scope"]').select_option("user")
        assert field.get_attribute("list") == "known-user"
        users = page.locator("#known-user option")
        assert users.count() == 36  # the demo's members, each with its name as the label
        assert page.locator('#known-user option[label="Avery Smith"]').count() == 1
        form.locator('select[name="scope"]').select_option("project")
        field.fill("proj_typo")
        form.locator('input[name="amount"]').fill("25")
        form.locator('button[type="submit"]').click()
        page.wait_for_selector("[data-preview]")
        assert page.locator("[data-unknown-id]").is_visible()
        screenshot(page, "budget-preview-unknown-id-1440")
        assert page.locator("[data-confirm]").is_enabled()  # a warning, not a refusal
    finally:
        page.close()
