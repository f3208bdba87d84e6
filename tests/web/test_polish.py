"""Keys view owners, the rate-limit matrix's budget filter (page, API, CLI), the one Members
entry in the navigation, and the overview computing nothing twice."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from usage_tracker.db.engine import transaction
from usage_tracker.db.models import ApiKey, Member, Organization, RateLimit
from usage_tracker.services.governance.key_directory import key_owners
from usage_tracker.services.reports import coverage as report_coverage
from usage_tracker.services.reports.types import ReportQuery
from usage_tracker.services.spend.budgets import BudgetSpec, set_budget
from usage_tracker.services.views import dashboard as views
from usage_tracker.services.views import rate_limits as rate_limit_views
from usage_tracker.services.views.rate_limits import matrix_view, project_budget_standing

BIG, SMALL, THIRD = (
    "proj_xkxwnQrS7RPeMOkIUpkDyr7O",
    "proj_bJmTPSIAoCLrZ3aWZkSBvrjn",
    "proj_9Wvgfygw2wMqZcUDIh7yfJs1",
)
JULY = datetime(2024, 7, 20, tzinfo=UTC)


def _org(session: Session, slug: str = "acme") -> Organization:
    org = session.scalars(select(Organization).where(Organization.slug == slug)).one()
    return org


@pytest.fixture
def inventory(session_factory: sessionmaker[Session], loaded: str) -> None:
    with transaction(session_factory) as session:
        org = _org(session)
        session.add_all(
            [
                ApiKey(organization_id=org.id, key_id="key_om06Dwt0Y3oobQmz", name="ci key",
                       owner_type="service_account", owner_id="svc_1", owner_name="ci-bot",
                       last_used_at=datetime(2024, 7, 30, 12, tzinfo=UTC)),
                ApiKey(organization_id=org.id, key_id="key_ZQ3VZprkYSgy3c2E", name="alex",
                       owner_type="user", owner_id="user-known"),
                Member(organization_id=org.id, user_id="user-known", name="Alex Park",
                       email="alex@example.com", source="test"),
            ]
        )  # fmt: skip


def test_key_owners_complete_user_owners_from_members(
    session_factory: sessionmaker[Session], inventory: None
) -> None:
    with session_factory() as session:
        found = key_owners(session, ["key_om06Dwt0Y3oobQmz", "key_ZQ3VZprkYSgy3c2E", "nope", None])
        assert set(found) == {"key_om06Dwt0Y3oobQmz", "key_ZQ3VZprkYSgy3c2E"}
        assert found["key_ZQ3VZprkYSgy3c2E"].owner_label == "Alex Park"
        assert found["key_ZQ3VZprkYSgy3c2E"].owner_email == "alex@example.com"
        assert found["key_om06Dwt0Y3oobQmz"].to_json()["last_used_at"].startswith("2024-07-30")
        assert key_owners(session, ["key_om06Dwt0Y3oobQmz"], org="other") == {}


def test_keys_view_and_api_show_owner_and_last_use(admin: TestClient, inventory: None) -> None:
    qs = "?range=custom&since=2024-07-01&until=2024-07-31&org=acme"
    page = admin.get("/keys" + qs).text
    assert "Owner" in page and "Last used" in page
    assert "ci-bot" in page and "service account" in page and "Alex Park" in page
    assert "data-last-used>Jul 30, 2024" in page and ">never<" in page
    rows = {r["api_key_id"]: r for r in admin.get("/api/v1/keys" + qs).json()["rows"]}
    assert rows["key_om06Dwt0Y3oobQmz"]["owner_type"] == "service_account"
    assert rows["key_ZQ3VZprkYSgy3c2E"]["owner_email"] == "alex@example.com"
    assert rows["key_p3kZZl4AblV7vY7A"]["owner_name"] is None


@pytest.fixture
def limits(session_factory: sessionmaker[Session], loaded: str) -> int:
    """A stored matrix for three sample projects; BIG's budget is spent, SMALL's is not."""
    with transaction(session_factory) as session:
        org = _org(session)
        for pid in (BIG, SMALL, THIRD):
            session.add(
                RateLimit(organization_id=org.id, project_id=pid, rate_limit_id=f"rl-{pid}",
                          model="gpt-4o", max_requests_per_1_minute=500)
            )  # fmt: skip
        set_budget(session, org, BudgetSpec("project", BIG, 1_000_000_000), "test")
        set_budget(session, org, BudgetSpec("project", SMALL, 10**15), "test")
        return org.id


def test_budget_standing_reads_the_budgets(
    session_factory: sessionmaker[Session], limits: int
) -> None:
    with session_factory() as session:
        standing = project_budget_standing(session, limits, now=JULY)
        assert standing == {BIG: "over", SMALL: "ok"}  # THIRD has no budget
        with pytest.raises(ValueError):
            matrix_view(session, limits, budget="sideways")


@pytest.fixture
def july(monkeypatch: pytest.MonkeyPatch) -> None:
    """Budgets evaluated as of July 2024, when the sample data was spent."""
    real = rate_limit_views.project_budget_standing

    def standing(session: Session, organization_id: int, now: datetime | None = None) -> object:
        result = real(session, organization_id, now=JULY)
        return result | {THIRD: "at_risk"}

    monkeypatch.setattr(rate_limit_views, "project_budget_standing", standing)


def test_matrix_filters_over_budget_and_at_risk_projects(
    admin: TestClient, limits: int, july: None
) -> None:
    def table(query: str = "") -> str:
        page = admin.get("/governance/rate-limits?org=acme" + query).text
        return page.split('id="limits-table"', 1)[1]

    every = table()
    assert BIG in every and SMALL in every and THIRD in every and "data-budget=" not in every
    over = table("&budget=over")
    assert BIG in over and SMALL not in over and THIRD not in over
    assert 'data-budget="over"' in over
    assert '<option value="over" selected>' in admin.get("/governance/rate-limits?budget=over").text
    risky = table("&budget=at_risk")
    assert THIRD in risky and BIG not in risky and 'data-budget="at_risk"' in risky
    rows = admin.get("/api/v1/rate-limits?org=acme&budget=over").json()["rows"]
    assert [(r["project_id"], r["budget"]) for r in rows] == [(BIG, "over")]
    assert admin.get("/api/v1/rate-limits?org=acme&budget=nope").status_code == 422


def test_cli_lists_over_budget_projects(
    cli_env: dict[str, str], limits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from usage_tracker.cli import ratelimits
    from usage_tracker.cli.context import reset_context
    from usage_tracker.cli.main import app

    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)

    def standing(session: Session, organization_id: int) -> dict[str, str]:
        return {BIG: "over", SMALL: "ok", THIRD: "at_risk"}

    monkeypatch.setattr(ratelimits, "project_budget_standing", standing)
    runner = CliRunner()
    base = ["ratelimits", "list", "--cached", "--org", "acme", "--format", "json"]

    def ids(*extra: str) -> list[str]:
        reset_context()
        result = runner.invoke(app, [*base, *extra])
        assert result.exit_code == 0, result.output
        return [r["project_id"] for r in json.loads(result.stdout)]

    try:
        assert ids("--over-budget") == [BIG]
        assert ids("--at-risk") == [THIRD]
        assert sorted(ids()) == sorted([BIG, SMALL, THIRD])
    finally:
        reset_context()


def test_one_members_entry_and_the_old_page_redirects(admin: TestClient, loaded: str) -> None:
    page = admin.get("/governance/rate-limits?org=acme").text
    nav = page.split('class="nav-section"', 1)[1].split("</ul>", 1)[0]
    assert nav.count(">Members<") == 1 and 'href="/members?org=acme"' in nav
    assert "/governance/members" not in nav and "Members and access" not in nav
    r = admin.get("/governance/members?org=acme", follow_redirects=False)
    assert r.status_code == 308 and r.headers["location"] == "/members?org=acme"
    assert admin.get("/governance/members?org=acme").status_code == 200


def test_overview_page_ranks_models_from_the_daily_rows(
    session_factory: sessionmaker[Session], loaded: str
) -> None:
    q = ReportQuery(date(2024, 7, 1), date(2024, 7, 31), org="acme")
    with session_factory() as session:
        dims = report_coverage.available_dimensions(session, "acme")
        full = views.overview(session, q, dims, "model")
        page = views.overview(session, q, dims, "model", page=True, first_day=date(2024, 7, 1))
    assert full.top_models is not None and page.top_models is not None
    assert [(r.key, r.cost_nanos) for r in page.top_models] == [
        (r.key, r.cost_nanos) for r in full.top_models if r.cost_nanos
    ][: len(page.top_models)]
    assert page.summary == full.summary and page.change == full.change is None
    assert page.previous.cost_nanos is None  # no data before the first day: not read
