"""`usage-tracker audit list --source tracker|openai|all` over events a real sync stored."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.fakes import build_org
from tests.fakes.audit_logs import add_events
from tests.fakes.harness import Connected, connect
from tests.fakes.serialize import audit_log
from usage_tracker.cli.main import app
from usage_tracker.services.audit.log import export_audit_json, list_audit, record_audit
from usage_tracker.services.jobs.sync_then_evaluate import sync_organization
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.settings import Settings

runner = CliRunner()


@pytest.fixture
def world(
    settings: Settings, session_factory: sessionmaker[Session], cli_env: dict[str, str]
) -> Iterator[Connected]:
    """Organization "acme" synced from the fake (its audit log with extra project events), and
    one entry of the tracker's own audit log."""
    org = build_org(seed=11, days=4, projects=3, users=5)
    add_events(org, 4, start=org.now - 3600, step=300, project_index=1)
    c = connect(org)
    c.fake.validate = False
    with session_factory() as session:
        acme = add_organization(session, settings, "acme", org.admin_key, base_url=c.fake.base_url)
        record_audit(
            session, organization_id=acme.id, actor="cli:ann", action="rate_limit.update",
            target_type="rate_limit", target_id=f"{org.projects[1].id}/rl-1", before={"a": 1},
            after={"a": 2}, result="ok", request_id="req_1",
        )  # fmt: skip
        session.commit()
    now = datetime.fromtimestamp(org.now, UTC)
    result = sync_organization(
        session_factory, settings, "acme", http_client=c.fake.http_client(), now=now
    )
    assert result.ok, result.message
    yield c


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["audit", "list", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def test_source_openai_json_is_every_synced_event_newest_first(
    world: Connected, cli_env: dict[str, str]
) -> None:
    code, out, err = run(cli_env, "--source", "openai", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    fakes = sorted(world.org.audit_logs, key=lambda e: (e.effective_at, e.id), reverse=True)
    assert [r["id"] for r in rows] == [e.id for e in fakes]
    for row, fake in zip(rows, fakes, strict=True):
        assert row["organization"] == "acme" and row["type"] == fake.type
        assert row["event"] == audit_log(fake)
        assert datetime.fromisoformat(row["effective_at"]).timestamp() == fake.effective_at
        assert row["actor_email"] == fake.actor_email and row["project_id"] == fake.project_id
    assert set(rows[0]) == {
        "id", "effective_at", "organization", "type", "actor_type", "actor_id", "actor_email",
        "api_key_id", "api_key_type", "ip_address", "project_id", "project_name", "resource_id",
        "event",
    }  # fmt: skip


def test_openai_filters_by_type_project_actor_and_limit(
    world: Connected, cli_env: dict[str, str]
) -> None:
    project = world.org.projects[1].id
    code, out, _ = run(cli_env, "--source", "openai", "--action", "project.", "-f", "json")
    assert code == 0 and {r["type"] for r in json.loads(out)} == {"project.updated"}
    code, out, _ = run(cli_env, "--source", "openai", "--target", f"{project}/", "-f", "json")
    expected = {
        e.id for e in world.org.audit_logs if project in (e.project_id, e.details.get("id"))
    }
    assert code == 0 and {r["id"] for r in json.loads(out)} == expected
    email = world.org.users[0].email
    code, out, _ = run(
        cli_env, "--source", "openai", "--actor", email, "--limit", "2", "-f", "json"
    )
    rows = json.loads(out)
    assert code == 0 and len(rows) == 2 and {r["actor_email"] for r in rows} == {email}
    code, out, _ = run(cli_env, "--source", "openai", "--format", "csv")
    table = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and len(table) == len(world.org.audit_logs)
    assert json.loads(table[0]["event"])["id"] == table[0]["id"]
    code, out, _ = run(cli_env, "--source", "openai")
    assert code == 0 and "OpenAI audit log" in out and "project.updated" in out


def test_tracker_stays_the_default_and_all_merges_both(
    world: Connected,
    cli_env: dict[str, str],
    session_factory: sessionmaker[Session],
) -> None:
    code, out, _ = run(cli_env, "--format", "json")
    with session_factory() as session:
        assert out == export_audit_json(session, list_audit(session))
    assert code == 0 and [r["action"] for r in json.loads(out)] == ["rate_limit.update"]
    code, out, _ = run(cli_env, "--source", "all", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == len(world.org.audit_logs) + 1
    assert {r["source"] for r in rows} == {"tracker", "openai"}
    stamps = [datetime.fromisoformat(r["at"]) for r in rows]
    assert stamps == sorted(stamps, reverse=True)
    code, _, err = run(cli_env, "--source", "openai", "--result", "ok")
    assert code != 0 and "--result" in err
    code, out, _ = run(cli_env, "--source", "all")
    assert code == 0 and "rate_limit.update" in out and "openai" in out
