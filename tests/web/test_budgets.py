"""Budget pages and their JSON twins: auth, admin-only writes behind a preview and CSRF, the
list's cards and filters, and the API objects equal to `budgets check --format json`."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import csrf_of
from usage_tracker.db.engine import transaction
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.orgs.organizations import (
    UnknownOrganization,
    ensure_organization,
    get_organization,
)
from usage_tracker.services.spend.budgets import (
    BudgetSpec,
    budget_history,
    list_budgets,
    set_budget,
)
from usage_tracker.services.spend.evaluation import evaluate_all
from usage_tracker.settings import Settings

FORM = {"org": "acme", "scope": "org", "scope_id": "acme", "amount": "1", "period": "monthly",
        "timezone": "UTC", "thresholds": "50,80,100", "enforce": "none"}  # fmt: skip


def _budgets(factory: sessionmaker[Session], *specs: BudgetSpec) -> None:
    with transaction(factory) as session:
        org = ensure_organization(session, "acme")
        for spec in specs:
            set_budget(session, org, spec, "test")


def test_pages_need_sign_in_and_api_needs_a_token(anon: TestClient) -> None:
    assert anon.get("/budgets", follow_redirects=False).status_code == 303
    assert anon.get("/teams", follow_redirects=False).status_code == 303
    assert anon.get("/alerts", follow_redirects=False).status_code == 303
    assert anon.get("/api/v1/budgets").status_code == 401
    assert anon.get("/api/v1/teams/showback").status_code == 401


def test_viewer_sees_budgets_but_cannot_write(
    viewer: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    _budgets(session_factory, BudgetSpec("org", "acme", to_nanos(1)))
    page = viewer.get("/budgets")
    assert page.status_code == 200
    assert 'data-budget="org:acme"' in page.text
    assert "/budgets/preview" not in page.text
    token = csrf_of(viewer, "/budgets")
    with session_factory() as session:
        before = [(b.id, b.amount_nanos) for b, _ in list_budgets(session)]
    bulk = {"org": "acme", "scope": "project", "period": "monthly", "lines": "proj_a,150"}
    for path, form in (("/budgets/preview", FORM), ("/budgets/set", FORM),
                       ("/budgets/bulk/apply", bulk), ("/budgets/reset/acme", {}),
                       (f"/budgets/{before[0][0]}/delete", {})):  # fmt: skip
        assert viewer.post(path, data=form | {"csrf_token": token}).status_code == 403, path
    assert viewer.get("/channels").status_code == 403
    assert viewer.get("/budgets/bulk").status_code == 403
    with session_factory() as session:
        assert [(b.id, b.amount_nanos) for b, _ in list_budgets(session)] == before
        edits = budget_history(session, get_organization(session, "acme"))
        assert [e.actor for e in edits] == ["test"]  # only the budget the test set itself


def test_admin_sets_a_budget_after_a_preview(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    token = csrf_of(admin, "/budgets")
    assert admin.post("/budgets/set", data=FORM).status_code == 403  # no CSRF token
    forged = admin.post("/budgets/set", data=FORM | {"csrf_token": "forged"})
    assert forged.status_code == 403
    _nothing_written(session_factory)
    preview = admin.post("/budgets/preview", data=FORM | {"csrf_token": token})
    assert preview.status_code == 200 and "data-preview" in preview.text
    with session_factory() as session:
        assert list_budgets(session) == []  # a preview writes nothing
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', preview.text))
    done = admin.post("/budgets/set", data=fields, follow_redirects=False)
    assert done.status_code == 303
    detail = admin.get(done.headers["location"])
    assert 'data-flash="ok"' in detail.text and 'data-chart="chart-burn"' in detail.text
    with session_factory() as session:
        [(budget, _)] = list_budgets(session)
        assert budget.amount_nanos == to_nanos(1)


def _nothing_written(factory: sessionmaker[Session]) -> None:
    """No budget and no budget edit in the history, in any organization."""
    with factory() as session:
        assert list_budgets(session) == []
        org = get_organization(session, "acme")
        assert org is None or budget_history(session, org) == []


def test_bad_input_is_shown_not_saved(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    token = csrf_of(admin, "/budgets")
    bad = admin.post("/budgets/preview", data=FORM | {"amount": "-5", "csrf_token": token})
    assert bad.status_code == 422 and "data-error" in bad.text
    # the route that saves, given what the preview refused (a forged or stale form)
    for wrong in ({"amount": "-5"}, {"amount": "ten"}, {"thresholds": "50,abc"},
                  {"period": "hourly"}, {"scope": "galaxy"}, {"timezone": "Mars/Olympus"}):  # fmt: skip
        saved = admin.post("/budgets/set", data=FORM | wrong | {"csrf_token": token})
        assert saved.status_code == 422 and "data-error" in saved.text, wrong
    _nothing_written(session_factory)


def test_bulk_preview_then_apply_and_history(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    _budgets(session_factory, BudgetSpec("project", "proj_a", to_nanos(100)))
    token = csrf_of(admin, "/budgets/bulk")
    form = {"org": "acme", "scope": "project", "period": "monthly",
            "lines": "proj_a,150\nproj_b,50", "csrf_token": token}  # fmt: skip
    preview = admin.post("/budgets/bulk/preview", data=form)
    assert preview.status_code == 200
    assert re.search(r"data-total-before>\$100\.00<", preview.text)
    assert re.search(r"data-total-after>\$200\.00<", preview.text)
    assert admin.post("/budgets/bulk/apply", data=form, follow_redirects=False).status_code == 303
    with session_factory() as session:
        amounts = {b.scope_id: b.amount_nanos for b, _ in list_budgets(session)}
    assert amounts == {"proj_a": to_nanos(150), "proj_b": to_nanos(50)}
    history = admin.get("/budgets/history").text
    assert history.count("proj_a") >= 2 and "proj_b" in history


def test_delete_and_reset_need_confirmation(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    _budgets(session_factory, BudgetSpec("project", "p1", to_nanos(5)),
             BudgetSpec("project", "p2", to_nanos(5)))  # fmt: skip
    with session_factory() as session:
        first = list_budgets(session)[0][0].id
    confirm = admin.get(f"/budgets/{first}/delete")
    assert confirm.status_code == 200 and "data-confirm" in confirm.text
    token = csrf_of(admin, f"/budgets/{first}/delete")
    admin.post(f"/budgets/{first}/delete", data={"csrf_token": token})
    with session_factory() as session:
        assert len(list_budgets(session)) == 1
    assert "data-confirm" in admin.get("/budgets/reset/acme").text
    admin.post("/budgets/reset/acme", data={"csrf_token": token})
    with session_factory() as session:
        assert list_budgets(session) == []


def test_cards_filters_and_json_twin_equal_the_check(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    _budgets(session_factory, BudgetSpec("org", "acme", to_nanos(1)),
             BudgetSpec("project", "proj_none", to_nanos(1000)))  # fmt: skip
    check = evaluate_all(session_factory, settings, anomalies=False)
    api = admin.get("/api/v1/budgets").json()
    assert api == check.budgets
    page = admin.get("/budgets")
    assert 'data-card="budget-monthly">$1,001.00<' in page.text
    over = admin.get("/budgets?status=over").text
    statuses = {b["id"]: b["status"] for b in api}
    assert ('data-budget="org:acme"' in over) == (statuses["acme"] == "over")
    assert 'data-budget="project:proj_none"' not in over
    assert admin.get("/api/v1/budgets?status=over").json() == [
        b for b in api if b["status"] == "over"
    ]
    one = admin.get(f"/api/v1/budgets/{api[0]['budget_id']}").json()
    assert one["status"] == api[0]["status"] and one["burn"]["points"]
    assert admin.get("/alerts").status_code == 200
    assert admin.get("/api/v1/alerts").json() == []


def test_previews_for_an_organization_not_yet_stored_answer_and_store_nothing(
    admin: TestClient, settings: Settings, session_factory: sessionmaker[Session]
) -> None:
    """On an empty tracker the default organization is created for a preview only: the
    preview still answers (it read the organization after rolling it back, a 500)."""
    org = settings.default_org
    token = csrf_of(admin, "/budgets")
    one = admin.post(
        "/budgets/preview", data=FORM | {"org": org, "scope_id": org, "csrf_token": token}
    )
    assert one.status_code == 200 and "data-preview" in one.text, one.text[:300]
    bulk = {"org": org, "scope": "project", "period": "monthly", "lines": "proj_a,150",
            "csrf_token": csrf_of(admin, "/budgets/bulk")}  # fmt: skip
    many = admin.post("/budgets/bulk/preview", data=bulk)
    assert many.status_code == 200 and "data-preview" in many.text, many.text[:300]
    assert admin.get(f"/budgets/reset/{org}").status_code < 500
    with session_factory() as session:
        assert list_budgets(session) == []
        with pytest.raises(UnknownOrganization):
            get_organization(session, org)
