"""Teams showback: each dollar counted once inside a team (a member user's spend inside a member
project is not added again), the unassigned remainder, and totals that add up in every format."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.ledger_helpers import bucket, cost, page, write_json
from tests.web.conftest import PASSWORD, sign_in
from usage_tracker.cli.main import app as cli_app
from usage_tracker.db.engine import transaction
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.orgs.organizations import ensure_organization
from usage_tracker.services.spend.budgets import get_budget
from usage_tracker.services.spend.chargeback import showback, to_csv, to_xlsx
from usage_tracker.services.spend.teams import create_team, set_members
from usage_tracker.settings import Settings
from usage_tracker.web import create_app

JULY = (date(2024, 7, 1), date(2024, 7, 31))


@pytest.fixture
def ledger(session_factory: sessionmaker[Session], tmp_path: Path) -> sessionmaker[Session]:
    """July 2024: proj_a $10 by u1 + $5 by u2; proj_b $7 by u1, $3 by u3 — $25 in all."""
    rows = [cost("10", "proj_a", user_id="u1"), cost("5", "proj_a", user_id="u2"),
            cost("7", "proj_b", user_id="u1"), cost("3", "proj_b", user_id="u3")]  # fmt: skip
    import_file(session_factory, "acme", write_json(tmp_path / "c.json", page([bucket(2, rows)])))
    with transaction(session_factory) as session:
        org = ensure_organization(session, "acme")
        create_team(session, org, "search", "CC-1", actor="test")
        set_members(session, org, "search", projects=["proj_a"], users=["u1"], actor="test")
        create_team(session, org, "ads", actor="test")
        set_members(session, org, "ads", users=["u3"], actor="test")
    return session_factory


def test_each_dollar_counts_once(ledger: sessionmaker[Session]) -> None:
    with ledger() as session:
        result = showback(session, ensure_organization(session, "acme"), *JULY)
    by_team = {r.team: r.cost_nanos for r in result.rows}
    # proj_a $15 (u1's $10 in it counted once) + u1 outside proj_a $7
    assert by_team["search"] == to_nanos(22)
    assert by_team["ads"] == to_nanos(3)
    assert by_team["(unassigned)"] == 0
    assert by_team["(total)"] == to_nanos(25)
    parts = [r.cost_nanos or 0 for r in result.rows if r.team != "(total)"]
    assert sum(parts) == by_team["(total)"]
    rows = list(csv.DictReader(io.StringIO(to_csv(result))))
    assert sum(float(r["cost_usd"]) for r in rows if r["team"] != "(total)") == pytest.approx(25)
    assert to_xlsx(result)[:2] == b"PK"


def test_showback_names_are_formula_safe_and_amounts_stay_numbers(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """A team named like a formula is quoted in CSV and XLSX; a credit (negative) month is a
    number that spreadsheet sums include."""
    rows = [cost("10", "proj_a"), cost("-4.25", "proj_a", line_item="credit")]
    import_file(session_factory, "acme", write_json(tmp_path / "c.json", page([bucket(2, rows)])))
    with transaction(session_factory) as session:
        org = ensure_organization(session, "acme")
        create_team(session, org, '=HYPERLINK("http://x")', "+CC", actor="test")
        set_members(session, org, '=HYPERLINK("http://x")', projects=["proj_a"], actor="test")
    with session_factory() as session:
        result = showback(session, ensure_organization(session, "acme"), *JULY)
    parsed = list(csv.DictReader(io.StringIO(to_csv(result))))
    team = next(r for r in parsed if r["team"].startswith("'"))
    assert team["team"] == '\'=HYPERLINK("http://x")' and team["cost_centre"] == "'+CC"
    assert team["cost_usd"] == "5.75"
    sheet = load_workbook(io.BytesIO(to_xlsx(result))).active
    assert sheet is not None
    values = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    named = next(v for v in values if str(v[1]).startswith("'="))
    assert isinstance(named[3], int | float) and named[3] == pytest.approx(5.75)


def test_teams_page_downloads_and_json_twin(
    ledger: sessionmaker[Session], settings: Settings
) -> None:
    with transaction(ledger) as session:
        create_account(session, "val", PASSWORD, "viewer")
    app = create_app(settings)
    with TestClient(app) as client:
        sign_in(client, "val")
        page_html = client.get("/teams?org=acme&from_month=2024-07&to_month=2024-07").text
        assert "search" in page_html and "CC-1" in page_html and "$22.00" in page_html
        data = client.get(
            "/api/v1/teams/showback?org=acme&from_month=2024-07&to_month=2024-07"
        ).json()
        with ledger() as session:
            expected = showback(session, ensure_organization(session, "acme"), *JULY).to_json()
        assert data == {"org": "acme", "rows": expected}
        assert client.get("/api/v1/teams").json()["acme"][0]["name"] == "ads"
        got = client.get("/teams/showback.csv?org=acme&from_month=2024-07&to_month=2024-07")
        assert got.headers["content-type"].startswith("text/csv")
        assert [r["team"] for r in csv.DictReader(io.StringIO(got.text))][-1] == "(total)"
        xlsx = client.get("/teams/showback.xlsx?org=acme&from_month=2024-07&to_month=2024-07")
        assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    app.state.engine.dispose()


def test_cli_changes_are_audited_and_rename_moves_the_budget(
    ledger: sessionmaker[Session], cli_env: dict[str, str]
) -> None:
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(cli_app, [*args, "--org", "acme"], env=cli_env)
        assert result.exit_code == 0, result.output
        return result.output

    run("budgets", "set", "--scope", "team", "--id", "ads", "--amount", "50")
    run("teams", "members", "ads", "--project", "proj_b", "--remove", "u3")
    assert "Renamed team ads to growth." in run("teams", "rename", "ads", "growth")
    failed = runner.invoke(
        cli_app, ["teams", "rename", "growth", "search", "--org", "acme"], env=cli_env
    )
    assert failed.exit_code == 1 and "already exists" in failed.output
    with ledger() as session:
        org = ensure_organization(session, "acme")
        assert get_budget(session, org, "team", "growth") is not None
        entries = list_audit(session, AuditFilter(org.id, action="team."))
    assert [(e.action, e.target_id) for e in reversed(entries)][-3:] == [
        ("team.add_members", "ads"),
        ("team.remove_members", "ads"),
        ("team.rename", "growth"),
    ]
    assert all(e.actor.startswith("cli") for e in entries[:3])
    assert entries[0].before["name"] == "ads" and entries[0].after["projects"] == ["proj_b"]
