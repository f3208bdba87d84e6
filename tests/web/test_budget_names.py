"""Budgets speak in names: the list, a budget, the edit and alert history, the preview, the
JSON API and the CLI name the project, user or organization (the id as secondary text); the
form offers the known ids and warns, still allowing it, on one the tracker has never seen; and
totals are summed per period, never across periods."""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, time

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.web.conftest import csrf_of
from usage_tracker.cli import budgets as budgets_cli
from usage_tracker.cli.context import reset_context
from usage_tracker.db.engine import transaction
from usage_tracker.domain.money import to_nanos
from usage_tracker.domain.records import Member
from usage_tracker.services.audit.log import record_audit
from usage_tracker.services.ledger.names import upsert_members, upsert_project_names
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.reports.coverage import data_bounds
from usage_tracker.services.spend.budgets import (
    BudgetSpec,
    list_budgets,
    preview_bulk,
    set_budget,
)
from usage_tracker.services.spend.evaluation import evaluate_all
from usage_tracker.settings import Settings

FORM = {"org": "acme", "scope": "project", "amount": "25", "period": "monthly",
        "timezone": "UTC", "thresholds": "50,80,100", "enforce": "none"}  # fmt: skip


def _named(factory: sessionmaker[Session]) -> None:
    """A named project and a named user in the directory of "acme", each with a budget."""
    with transaction(factory) as session:
        org = ensure_organization(session, "acme")
        upsert_project_names(session, org.id, {"proj_named": "Research Lab"})
        upsert_members(session, org.id, [Member("user-ada", "Ada Lovelace", "ada@x.test")], "file")
        set_budget(session, org, BudgetSpec("project", "proj_named", to_nanos(100)), "t")
        set_budget(session, org, BudgetSpec("user", "user-ada", to_nanos(300), "quarterly"), "t")
        set_budget(session, org, BudgetSpec("org", "acme", to_nanos(1), "yearly"), "t")


def _cli(cli_env: dict[str, str], monkeypatch, *args: str):  # type: ignore[no-untyped-def]
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    reset_context()
    try:
        return CliRunner().invoke(budgets_cli.app, list(args))
    finally:
        reset_context()


def test_every_budget_view_names_the_scope_with_its_id_secondary(
    admin: TestClient,
    loaded: str,
    session_factory: sessionmaker[Session],
    settings: Settings,
    cli_env: dict[str, str],
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    _named(session_factory)
    page = html.unescape(admin.get("/budgets").text)
    row = re.search(r'data-budget="project:proj_named".*?</th>', page, re.S)
    assert row and 'data-name="Research Lab">Research Lab</a>' in row.group(0)
    assert "proj_named</small>" in row.group(0)  # the id, as secondary text
    assert 'data-name="Ada Lovelace">Ada Lovelace</a>' in page
    with session_factory() as session:
        ids = {b.scope_id: b.id for b, _ in list_budgets(session)}
    detail = admin.get(f"/budgets/{ids['proj_named']}").text
    assert re.search(r"<h1>Research Lab <small[^>]*>project proj_named", detail)
    history = admin.get("/budgets/history").text
    assert 'data-name="Research Lab">Research Lab</span>' in history
    assert 'data-name="Ada Lovelace">Ada Lovelace</span>' in history
    api = {b["id"]: b["name"] for b in admin.get("/api/v1/budgets").json()}
    assert api == {"proj_named": "Research Lab", "user-ada": "Ada Lovelace", "acme": "acme"}
    checked = _cli(cli_env, monkeypatch, "check", "--format", "json", "--no-anomalies")
    assert checked.exit_code == 0, checked.output
    start = checked.output.index("[")
    cli = {b["id"]: b["name"] for b in json.loads(checked.output[start:])}
    assert cli == api
    with session_factory() as session:
        bounds = data_bounds(session, "acme")
    assert bounds
    at = datetime.combine(bounds[1], time(12), UTC)  # the $1 yearly org budget is over then
    evaluate_all(session_factory, settings, at, anomalies=False)
    alerts = admin.get("/alerts").text
    assert f'<a href="/budgets/{ids["acme"]}" data-name="acme">acme</a>' in alerts


def test_the_form_offers_known_ids_and_warns_on_an_unseen_one(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    _named(session_factory)
    with session_factory() as session:
        ledger = sorted(
            p for (p,) in session.execute(text("SELECT DISTINCT project_id FROM usage_dims")) if p
        )
    assert ledger, "the samples have usage by project"
    page = admin.get("/budgets").text
    projects = re.search(r'<datalist id="known-project".*?</datalist>', page, re.S)
    assert projects, "the id field has a list of known projects"
    assert '<option value="proj_named" label="Research Lab">' in projects.group(0)
    for project_id in ledger:  # ids seen only in the usage are offered too
        assert f'value="{project_id}"' in projects.group(0)
    assert '<datalist id="known-user"' in page and 'label="Ada Lovelace"' in page
    assert 'list="known-project" data-scope-list' in page
    token = csrf_of(admin, "/budgets")
    known = admin.post("/budgets/preview", data=FORM | {"scope_id": ledger[0], "csrf_token": token})
    assert known.status_code == 200 and "data-unknown-id" not in known.text
    unseen = FORM | {"scope_id": "proj_typo", "csrf_token": token}
    preview = admin.post("/budgets/preview", data=unseen)
    assert preview.status_code == 200 and "data-unknown-id" in preview.text
    assert "never seen this id" in preview.text and "data-confirm" in preview.text
    assert admin.post("/budgets/set", data=unseen, follow_redirects=False).status_code == 303
    with session_factory() as session:
        assert "proj_typo" in {b.scope_id for b, _ in list_budgets(session)}  # still allowed


def test_cli_set_names_a_known_id_and_warns_on_an_unseen_one(
    loaded: str,
    session_factory: sessionmaker[Session],
    cli_env: dict[str, str],
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    _named(session_factory)
    args = ("set", "--org", "acme", "--scope", "project", "--amount", "40")
    named = _cli(cli_env, monkeypatch, *args, "--id", "proj_named")
    assert named.exit_code == 0, named.output
    assert "proj_named (Research Lab)" in named.output and "never seen" not in named.output
    unseen = _cli(cli_env, monkeypatch, *args, "--id", "proj_typo")
    assert unseen.exit_code == 0, unseen.output
    assert "Warning: the tracker has never seen project proj_typo" in " ".join(
        unseen.output.split()
    )


def test_totals_are_per_period_never_across_periods(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    _named(session_factory)  # $100 monthly, $300 quarterly, $1 yearly
    page = admin.get("/budgets").text
    assert 'data-card="budget-monthly">$100.00<' in page
    assert 'data-card="budget-quarterly">$300.00<' in page
    assert 'data-card="budget-yearly">$1.00<' in page
    for mixed in ("$401.00", "$400.00", "$101.00", "$301.00"):
        assert mixed not in page
    with session_factory() as session:
        org = ensure_organization(session, "acme")
        preview = preview_bulk(session, org, [BudgetSpec("project", "proj_b", to_nanos(50))])
        data = preview.to_json()
        session.rollback()
    assert (data["period"], data["total_before_usd"], data["total_after_usd"]) == (
        "monthly",
        "100.00",
        "150.00",
    )
    assert {t["period"]: t["after_usd"] for t in data["totals"]} == {
        "monthly": "150.00",
        "quarterly": "300.00",
        "yearly": "1.00",
    }
    token = csrf_of(admin, "/budgets")
    shown = admin.post(
        "/budgets/preview", data=FORM | {"scope_id": "proj_b", "amount": "50", "csrf_token": token}
    )
    assert re.search(r"data-total-before>\$100\.00<", shown.text)
    assert re.search(r"data-total-after>\$150\.00<", shown.text)
    assert 'data-period-total="yearly"' in shown.text and "$451.00" not in shown.text


def test_enforcement_and_audit_name_their_targets(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    _named(session_factory)
    with transaction(session_factory) as session:
        org = ensure_organization(session, "acme")
        spec = BudgetSpec("project", "proj_named", to_nanos(100), enforce="disable")
        budget_id = set_budget(session, org, spec, "t").id
        record_audit(session, organization_id=org.id, actor="ada", action="project_member.add",
                     target_type="project_member", target_id="proj_named/user-ada",
                     before=None, after={"role": "member"}, result="ok")  # fmt: skip
        record_audit(session, organization_id=org.id, actor="ada", action="project_member.add",
                     target_type="project_member", target_id="proj_unnamed/user-nobody",
                     before=None, after=None, result="ok")  # fmt: skip
    detail = html.unescape(admin.get(f"/budgets/{budget_id}").text)
    assert "Disable project Research Lab (proj_named): requests per minute" in detail
    page = html.unescape(admin.get("/governance/audit?org=acme").text)
    assert '<span data-name="Research Lab / Ada Lovelace">' in page
    assert "proj_named/user-ada</small>" in page  # the ids stay, as secondary text
    assert "<td>proj_unnamed/user-nobody</td>" in page  # nothing named: the id alone
    api = admin.get("/api/v1/audit?org=acme").json()["entries"]
    named = {e["target_id"]: e["target_name"] for e in api}
    assert named == {"proj_named/user-ada": "Research Lab / Ada Lovelace",
                     "proj_unnamed/user-nobody": None}  # fmt: skip
