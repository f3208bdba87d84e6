"""One attribution across views: Users, Members, Keys, Projects and Teams give the same dollars
for the same person, key, project or team over the same range — on the demo organization and
on a synced fake organization, on both databases.

Each view is read through the service the page, the JSON API and the CLI call; the views are
compared with each other, and each column with the billed total.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from tests.integration.test_sync import fake_org, run, sync_settings
from usage_tracker.db.engine import transaction
from usage_tracker.db.models import Budget, Organization
from usage_tracker.services.governance.keys_inventory import _key_costs
from usage_tracker.services.ledger.demo import DEMO_ORG, generate_files
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.members.project_memberships import _ledger_users
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.services.reports.allocation_store import refresh_allocations
from usage_tracker.services.reports.totals import breakdown, summary
from usage_tracker.services.reports.types import ReportQuery
from usage_tracker.services.spend.budget_status import scope_spend
from usage_tracker.services.spend.teams import create_team, set_members
from usage_tracker.services.views.people import project_spend
from usage_tracker.settings import Settings

DAYS = 30


def _column(session: Session, q: ReportQuery, by: str) -> dict[str | None, int | None]:
    return {r.key: r.cost_nanos for r in breakdown(session, q, by)}


def _team_spend(
    session: Session, org: Organization, since: date, until: date, **members: list[str]
) -> int:
    name = f"t{len(members)}-{'-'.join(sorted(members))}-{sum(map(len, members.values()))}"
    create_team(session, org, name, actor="test")
    set_members(session, org, name, actor="test", **members)  # type: ignore[arg-type]
    probe = Budget(scope="team", scope_id=name, organization_id=org.id)
    return sum(scope_spend(session, org, probe, since, until).daily.values())


def _check_views(factory: sessionmaker[Session], slug: str, today: date) -> None:
    since = today - timedelta(days=DAYS - 1)
    q = ReportQuery(since, today, org=slug)
    with transaction(factory) as session:
        org = get_organization(session, slug)
        total = summary(session, q).cost_nanos
        assert total, "the organization has spend in the range"
        users, keys = _column(session, q, "user"), _column(session, q, "api_key")
        projects = _column(session, q, "project")
        for name, column in (("users", users), ("keys", keys), ("projects", projects)):
            assert sum(v or 0 for v in column.values()) == total, f"{name} sum to the bill"
        members = _ledger_users(session, org, DAYS, today)
        requests = {r.key: r.requests for r in breakdown(session, q, "user")}
        for user, nanos in users.items():
            if user is None:
                continue
            assert summary(session, ReportQuery(since, today, org=slug, user=user)).cost_nanos == (
                nanos
            ), user
            assert members.get(user) == nanos, f"Members and Users disagree on {user}"
            if requests.get(user):
                assert nanos not in (0, None), f"{user} has requests but ${nanos}"
        inventory = _key_costs(session, org.id, today)
        for key, nanos in keys.items():
            if key is None:
                continue
            one = ReportQuery(since, today, org=slug, api_key=key)
            assert summary(session, one).cost_nanos == nanos, key
            assert inventory.get(key) == nanos, f"Keys inventory and Keys disagree on {key}"
        assert project_spend(session, org, DAYS, today=today) == {
            p: n for p, n in projects.items() if p and n is not None
        }
        named_users = sorted(u for u in users if u)[:2]
        named_keys = sorted(k for k in keys if k)[:2]
        a_project = sorted(p for p in projects if p)[0]
        assert _team_spend(session, org, since, today, users=named_users) == sum(
            users[u] or 0 for u in named_users
        )
        assert _team_spend(session, org, since, today, keys=named_keys) == sum(
            keys[k] or 0 for k in named_keys
        )
        assert _team_spend(session, org, since, today, projects=[a_project]) == projects[a_project]
        session.rollback()


def test_views_agree_on_the_demo_organization(
    session_factory: sessionmaker[Session],
) -> None:
    today = date(2026, 3, 31)
    with tempfile.TemporaryDirectory() as tmp:
        for path in generate_files(Path(tmp), 7, today, days=45):
            import_file(session_factory, DEMO_ORG, path)
    refresh_allocations(session_factory, DEMO_ORG)  # as `usage-tracker demo` does
    _check_views(session_factory, DEMO_ORG, today)


def test_views_agree_on_a_synced_organization(
    session_factory: sessionmaker[Session], settings: Settings
) -> None:
    c = fake_org()
    s = sync_settings(settings, c)
    assert run(session_factory, s, c).ok
    today = datetime.fromtimestamp(c.org.now, UTC).date()
    _check_views(session_factory, s.default_org, today)


def test_an_allocation_answers_the_ledger_as_it_is_now(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Allocations are kept for repeated questions and stored; any write (here: a newer usage
    export that moves the usage from u1 to u2) gives the new answer at once, before the stored
    allocation is refreshed."""
    from tests.integration.ledger_helpers import bucket, completion, cost, page, write_json

    write_json(tmp_path / "costs.json", page([bucket(0, [cost("10", "proj_a", "gpt-4o, input")])]))
    import_file(session_factory, "acme", tmp_path / "costs.json")
    q = ReportQuery(date(2024, 7, 1), date(2024, 7, 1), org="acme")

    def usage(user: str, name: str) -> None:
        doc = page([bucket(0, [completion(5, project_id="proj_a", user_id=user, model="gpt-4o")])])
        import_file(session_factory, "acme", write_json(tmp_path / name, doc))

    usage("u1", "first.json")
    refresh_allocations(session_factory, "acme")
    with session_factory() as session:
        assert _column(session, q, "user") == {"u1": 10_000_000_000}
        assert _column(session, q, "user") == {"u1": 10_000_000_000}  # the kept answer
    usage("u2", "second.json")
    with session_factory() as session:
        assert _column(session, q, "user") == {"u2": 10_000_000_000}


def test_an_empty_ledger_is_answered_alike_by_every_view(
    session_factory: sessionmaker[Session],
    cli_env: dict[str, str],
    backend: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Nothing imported in the organization asked about: the summary the pages and the JSON API
    read (`summary`, which answers such a ledger with `empty_summary`) is what the full
    computation gives, and what `usage-tracker report summary --format json` prints — on
    SQLite by the quick path (`cli/quick/`), which the Typer app agrees with (both in this
    process; tests/integration/test_quick_summary.py runs the installed script itself)."""
    import json

    from typer.testing import CliRunner

    from tests.integration.ledger_helpers import bucket, cost, page, write_json
    from usage_tracker.cli.main import app
    from usage_tracker.cli.quick.summary import run_quick_summary
    from usage_tracker.services.orgs.organizations import ensure_organization
    from usage_tracker.services.reports.empty_ledger import empty_summary
    from usage_tracker.services.reports.totals import computed_summary

    since, until = date(2024, 7, 1), date(2024, 7, 31)
    questions = [
        ReportQuery(since, until),
        ReportQuery(since, until, org="quiet"),
        ReportQuery(since, until, org="quiet", project="proj_a", user="u1", model="gpt-4o"),
        ReportQuery(since, until, org="quiet", api_key="key_1"),
    ]
    for filled in (False, True):
        with transaction(session_factory) as session:
            ensure_organization(session, "quiet")
        if filled:  # another organization has data; "quiet" still has none
            with tempfile.TemporaryDirectory() as tmp:
                doc = page([bucket(0, [cost("10", "proj_a", "gpt-4o, input")])])
                import_file(session_factory, "busy", write_json(Path(tmp) / "c.json", doc))
        for q in questions[1:] if filled else questions:
            with session_factory() as session:
                answer = summary(session, q)
                assert answer == empty_summary(q) == computed_summary(session, q), q
            args = ["report", "summary", "--since", str(q.since), "--until", str(q.until), "-fjson"]
            for flag, value in (("--org", q.org), ("--project", q.project), ("--user", q.user),
                                ("--model", q.model), ("--key", q.api_key)):  # fmt: skip
                args += [flag, value] if value else []
            done = CliRunner().invoke(app, args, env=cli_env)
            assert done.exit_code == 0, done.stderr
            assert json.loads(done.stdout) == answer.to_json()
            capsys.readouterr()
            quick = run_quick_summary(args, cli_env)
            assert quick is (backend == "sqlite"), args
            if quick:
                assert json.loads(capsys.readouterr().out) == answer.to_json()
