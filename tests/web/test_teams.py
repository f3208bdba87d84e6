"""The teams pages: create, rename, add and remove members, delete (with a confirmation) —
admin only, CSRF-checked, audited by the same service functions as `usage-tracker teams` — and
the JSON twins, which equal the services' own answer."""

from __future__ import annotations

import re
from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from tests.web.conftest import csrf_of
from usage_tracker.db.engine import transaction
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.services.spend.budgets import BudgetSpec, get_budget, set_budget
from usage_tracker.services.spend.chargeback import showback
from usage_tracker.services.spend.teams import create_team, list_teams, set_members
from usage_tracker.services.views.teams import team_spend, team_views

USER = ("user-2dfOB1rcavXiOqkVCJTBJahe", "raj.park18@example.com")  # in the sample costs
PROJECT = "proj_xkxwnQrS7RPeMOkIUpkDyr7O"


def _team_id(client: TestClient, name: str) -> int:
    teams = client.get("/teams?org=acme&format=json").json()["teams"]
    return next(t["id"] for t in teams if t["name"] == name)


def _audit(factory: sessionmaker[Session], prefix: str = "team.") -> list[tuple[str, str, str]]:
    with factory() as session:
        org = get_organization(session, "acme")
        entries = list_audit(session, AuditFilter(org.id, action=prefix))
        return [(e.actor, e.action, e.target_id) for e in reversed(entries)]


def test_admin_manages_a_team_and_every_change_is_audited(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    token = csrf_of(admin, "/teams?org=acme")
    form = {"org": "acme", "name": "search", "cost_centre": "CC-1", "csrf_token": token}
    page = admin.post("/teams/create", data=form)
    assert page.status_code == 200 and "Team search created." in page.text
    team_id = _team_id(admin, "search")
    assert str(page.url).endswith(f"/teams/{team_id}")
    # a user by e-mail (from the directory the import filled), a project by id
    add = f"/teams/{team_id}/members"
    page = admin.post(add, data={"kind": "user", "member": USER[1], "csrf_token": token})
    assert f"{USER[0]} added." in page.text
    admin.post(add, data={"kind": "project", "member": PROJECT, "csrf_token": token})
    again = admin.post(add, data={"kind": "project", "member": PROJECT, "csrf_token": token})
    assert "is already in the team." in again.text
    detail = admin.get(f"/teams/{team_id}?format=json").json()
    assert detail["name"] == "search" and detail["cost_centre"] == "CC-1"
    assert {(m["kind"], m["id"], m["email"]) for m in detail["members"]} == {
        ("user", USER[0], USER[1]),
        ("project", PROJECT, None),
    }
    html = admin.get(f"/teams/{team_id}").text
    assert USER[1] in html and 'id="team-add-member"' in html

    with transaction(session_factory) as session:
        org = get_organization(session, "acme")
        spec = BudgetSpec("team", "search", to_nanos(100), "monthly")
        set_budget(session, org, spec, "test")
    page = admin.post(f"/teams/{team_id}/rename", data={"new_name": "ads", "csrf_token": token})
    assert "Team search renamed to ads." in page.text
    with session_factory() as session:
        org = get_organization(session, "acme")
        assert get_budget(session, org, "team", "ads") is not None  # the budget followed
        assert get_budget(session, org, "team", "search") is None

    remove = f"/teams/{team_id}/members/remove"
    page = admin.post(remove, data={"member_id": PROJECT, "csrf_token": token})
    assert f"{PROJECT} removed." in page.text
    confirm = admin.get(f"/teams/{team_id}/delete")
    assert confirm.status_code == 200 and 'name="confirm" value="ads"' in confirm.text
    wrong = admin.post(f"/teams/{team_id}/delete", data={"confirm": "search", "csrf_token": token})
    assert wrong.status_code == 422
    page = admin.post(f"/teams/{team_id}/delete", data={"confirm": "ads", "csrf_token": token})
    assert "Team ads deleted." in page.text and str(page.url).endswith("/teams?org=acme")
    assert admin.get(f"/teams/{team_id}").status_code == 404

    assert _audit(session_factory) == [
        ("web:ada", "team.create", "search"),
        ("web:ada", "team.add_members", "search"),
        ("web:ada", "team.add_members", "search"),
        ("web:ada", "team.rename", "ads"),
        ("web:ada", "team.remove_members", "ads"),
        ("web:ada", "team.delete", "ads"),
    ]


def test_bad_input_is_shown_not_saved(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    token = csrf_of(admin, "/teams?org=acme")
    admin.post("/teams/create", data={"org": "acme", "name": "search", "csrf_token": token})
    twice = admin.post("/teams/create", data={"org": "acme", "name": "search", "csrf_token": token})
    assert "already exists" in twice.text and 'data-flash="error"' in twice.text
    team_id = _team_id(admin, "search")
    unknown = admin.post(
        f"/teams/{team_id}/members",
        data={"kind": "user", "member": "nobody@example.com", "csrf_token": token},
    )
    assert "no single member has the e-mail" in unknown.text
    kind = admin.post(
        f"/teams/{team_id}/members", data={"kind": "owner", "member": "x", "csrf_token": token}
    )
    assert 'data-flash="error"' in kind.text
    with session_factory() as session:
        teams = list_teams(session, get_organization(session, "acme"))
    assert [(t.name, t.users, t.projects, t.keys) for t in teams] == [("search", [], [], [])]
    assert admin.get("/teams/999999").status_code == 404
    assert _audit(session_factory) == [("web:ada", "team.create", "search")]


def test_viewer_reads_teams_but_cannot_write(
    viewer: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        org = get_organization(session, "acme")
        team = create_team(session, org, "search", actor="test")
        set_members(session, org, "search", users=[USER[0]], actor="test")
        team_id = team.id
    listing = viewer.get("/teams?org=acme")
    assert listing.status_code == 200 and USER[1] in listing.text
    assert 'id="team-create"' not in listing.text
    detail = viewer.get(f"/teams/{team_id}")
    assert detail.status_code == 200 and "data-remove-member" not in detail.text
    token = csrf_of(viewer, "/teams?org=acme")
    writes = {
        "/teams/create": {"org": "acme", "name": "ads"},
        f"/teams/{team_id}/rename": {"new_name": "ads"},
        f"/teams/{team_id}/members": {"kind": "user", "member": "user-x"},
        f"/teams/{team_id}/members/remove": {"member_id": USER[0]},
        f"/teams/{team_id}/delete": {"confirm": "search"},
    }
    for path, form in writes.items():
        assert viewer.post(path, data=form | {"csrf_token": token}).status_code == 403, path
    assert viewer.get(f"/teams/{team_id}/delete").status_code == 403
    assert _audit(session_factory) == [
        ("test", "team.create", "search"),
        ("test", "team.add_members", "search"),
    ]


def test_writes_need_the_csrf_token(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    response = admin.post("/teams/create", data={"org": "acme", "name": "search"})
    assert response.status_code == 403
    token = csrf_of(admin, "/teams?org=acme")
    admin.post("/teams/create", data={"org": "acme", "name": "ads", "csrf_token": token})
    team_id = _team_id(admin, "ads")
    for path, form in {
        f"/teams/{team_id}/rename": {"new_name": "x"},
        f"/teams/{team_id}/members": {"kind": "user", "member": "user-x"},
        f"/teams/{team_id}/delete": {"confirm": "ads"},
    }.items():
        assert admin.post(path, data=form | {"csrf_token": "forged"}).status_code == 403, path
    with session_factory() as session:
        teams = list_teams(session, get_organization(session, "acme"))
    assert [(t.name, t.users) for t in teams] == [("ads", [])]
    assert _audit(session_factory) == [("web:ada", "team.create", "ads")]


def test_json_twin_has_the_services_members_and_spend(
    viewer: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        org = get_organization(session, "acme")
        create_team(session, org, "search", actor="test")
        set_members(session, org, "search", users=[USER[0]], projects=[PROJECT], actor="test")
    query = "org=acme&from_month=2024-07&to_month=2024-07"
    data = viewer.get(f"/teams?{query}&format=json").json()
    with session_factory() as session:
        org = get_organization(session, "acme")
        result = showback(session, org, date(2024, 7, 1), date(2024, 7, 31))
        expected = [t.to_json() for t in team_views(session, org, team_spend(result))]
    assert data == {"org": "acme", "teams": expected}
    (team,) = data["teams"]
    assert float(team["spend_usd"]) > 0
    html = viewer.get(f"/teams?{query}").text
    spend = re.search(r'data-team="search".*?data-spend>([^<]+)<', html, re.S)
    assert spend and spend.group(1).strip().startswith("$")
