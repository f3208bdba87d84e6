"""KPI figures fit their cards: on the demo organization, with a budget as large as a big
organization's, every card's figure is on one line inside its card (scrollWidth <= clientWidth)
at 1440 and 390 px, in English and Korean; screenshots of each."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser

from tests.browser.conftest import PASSWORD, running_dashboard, screenshot
from tests.conftest import REPO_ROOT
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.ledger.scope_names import choices
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget

pytestmark = pytest.mark.browser
PAGES = ("/", "/budgets", "/budgets/1", "/budgets/2")  # every page with KPI cards


@pytest.fixture(scope="module")
def demo_server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard on the demo organization, with an admin "ada" and two large budgets."""
    workdir = tmp_path_factory.mktemp("demo-server")
    db_path = workdir / "demo.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("USAGE_TRACKER_", "OPENAI_"))}
    env.update(USAGE_TRACKER_DATABASE_URL=url, USAGE_TRACKER_DATA_DIR=str(workdir / "data"))
    demo = [sys.executable, "-c", "from usage_tracker.cli.main import app; app()", "demo"]
    subprocess.run(demo, env=env, cwd=REPO_ROOT, check=True, capture_output=True, timeout=600)
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        create_account(session, "ada", PASSWORD, "admin")
        org = ensure_organization(session, "demo")
        project = choices(session, org.id, "project")[0].id
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
            name = path.strip("/").replace("/", "-") or "overview"
            screenshot(page, f"kpi-{name}-{width}-{lang}")
        for amount in ("987,654,321.99", "8,765,432,109.50"):  # the large budgets were measured
            assert any(amount in text for text in seen), (amount, seen)
    finally:
        context.close()
