"""The governance CLI contract (`ratelimits`, `keys`, `audit`) against the fake over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_keys, add_rate_limits, limits_by_id
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from usage_tracker.cli.main import app
from usage_tracker.domain.admin_records import RATE_LIMIT_FIELDS
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.settings import Settings

runner = CliRunner()


@pytest.fixture
def world(
    settings: Settings, session_factory: sessionmaker[Session], cli_env: dict[str, str]
) -> Iterator[Connected]:
    org = build_org(seed=21, days=2, projects=4, users=6)
    add_rate_limits(org, org.projects[0].id, 105)
    owner = next(m.user_id for m in org.project_users if m.project_id == org.projects[0].id)
    add_keys(org, org.projects[0].id, 101, owner)
    c = connect(org)
    c.fake.validate = False  # speed: the service tests validate every answer against the spec
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield c


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.stdout, result.stderr


def test_ratelimits_list_json_has_every_row_and_field(
    world: Connected, cli_env: dict[str, str]
) -> None:
    code, out, err = run(cli_env, "ratelimits", "list", "--org", "acme", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    active = {p.id for p in world.org.projects if not p.archived_at}
    assert len(rows) == sum(1 for r in world.org.rate_limits if r.project_id in active)
    fake = {r.id: r for r in world.org.rate_limits}
    for row in rows:
        assert {"project_id", "model", "id"} <= set(row)
        limit = fake[row["id"]]
        assert row["project_id"] == limit.project_id and row["model"] == limit.model
        assert {k: row[k] for k in RATE_LIMIT_FIELDS if k in row} == limit.limits
    p1 = world.org.projects[1].id
    code, out, _ = run(
        cli_env,
        "ratelimits",
        "list",
        "--org",
        "acme",
        "--project",
        p1,
        "--format",
        "json",
        "--cached",
    )
    assert code == 0 and {r["project_id"] for r in json.loads(out)} == {p1}
    code, out, _ = run(cli_env, "ratelimits", "list", "--org", "acme", "--cached")
    assert code == 0 and "Req/min" in out


def test_templates_apply_disable_restore_and_the_audit_log(
    world: Connected, cli_env: dict[str, str], tmp_path: Path
) -> None:
    before = limits_by_id(world.org)
    old = tmp_path / "old.json"
    old.write_text(
        json.dumps(
            [
                {
                    "id": "rl-o1",
                    "model": "o1",
                    "max_requests_per_1_minute": 7,
                    "max_tokens_per_1_minute": 700,
                }
            ]
        )
    )
    code, out, err = run(
        cli_env, "ratelimits", "templates", "import", "small", str(old), "--org", "acme"
    )
    assert code == 0, err
    code, out, _ = run(cli_env, "ratelimits", "templates", "export", "small", "--org", "acme")
    exported = json.loads(out)
    assert exported["limits"] == {
        "o1": {"max_requests_per_1_minute": 7, "max_tokens_per_1_minute": 700}
    }
    mine = tmp_path / "mine.json"
    mine.write_text(out)
    assert (
        run(cli_env, "ratelimits", "templates", "import", "again", str(mine), "--org", "acme")[0]
        == 0
    )
    code, out, _ = run(
        cli_env, "ratelimits", "templates", "export", "again", "--format", "legacy", "--org", "acme"
    )
    assert json.loads(out) == json.loads(old.read_text())

    p1, p2 = world.org.projects[1].id, world.org.projects[2].id
    code, out, _ = run(
        cli_env, "ratelimits", "apply", "small", "--project", p1, "--dry-run", "--org", "acme"
    )
    assert code == 0 and "5,000" in out and "dry run" in out
    assert limits_by_id(world.org) == before
    code, out, err = run(
        cli_env,
        "ratelimits",
        "apply",
        "small",
        "--project",
        p1,
        "--format",
        "json",
        "--org",
        "acme",
    )
    assert code == 0, err
    assert json.loads(out)["operation"]["status"] == "succeeded"
    o1 = next(r for r in world.org.rate_limits if r.project_id == p1 and r.model == "o1")
    assert o1.limits == {"max_requests_per_1_minute": 7, "max_tokens_per_1_minute": 700}
    applied = limits_by_id(world.org)

    code, out, _ = run(
        cli_env, "ratelimits", "disable", "--project", p2, "--dry-run", "--org", "acme"
    )
    assert code == 0 and limits_by_id(world.org) == applied
    code, out, err = run(cli_env, "ratelimits", "disable", "--project", p2, "--org", "acme")
    assert code == 0, err
    assert all(
        r.limits["max_requests_per_1_minute"] == 0
        for r in world.org.rate_limits
        if r.project_id == p2
    )
    code, out, _ = run(
        cli_env,
        "ratelimits",
        "restore",
        "--project",
        p2,
        "--dry-run",
        "--format",
        "json",
        "--org",
        "acme",
    )
    assert code == 0 and len(json.loads(out)["changes"]) == 11
    code, out, err = run(cli_env, "ratelimits", "restore", "--project", p2, "--org", "acme")
    assert code == 0, err
    assert limits_by_id(world.org) == applied

    code, out, _ = run(cli_env, "audit", "list", "--format", "json")
    entries = json.loads(out)
    for field in (
        "id",
        "at",
        "actor",
        "action",
        "target_type",
        "target_id",
        "before",
        "after",
        "result",
        "request_id",
    ):
        assert all(field in e for e in entries)
    actions = {e["action"] for e in entries}
    assert {
        "template.create",
        "template.apply",
        "project.disable",
        "project.restore",
        "rate_limit.update",
    } <= actions
    assert all(e["request_id"] for e in entries if e["action"] == "rate_limit.update")
    assert all(e["actor"].startswith("cli") for e in entries)
    code, out, _ = run(
        cli_env, "audit", "list", "--org", "acme", "--action", "project.", "--format", "csv"
    )
    assert code == 0 and out.count("project.") >= 2
    code, out, _ = run(cli_env, "audit", "list")
    assert code == 0 and "project.restore" in out


def test_failures_exit_non_zero_name_the_scope_and_retry_only_failed(
    world: Connected, cli_env: dict[str, str]
) -> None:
    p1 = world.org.projects[1].id
    world.fake.inject(
        "/organization/projects/*/rate_limits", Fault.forbidden("api.management.read")
    )
    code, _, err = run(cli_env, "ratelimits", "list", "--org", "acme")
    assert code == 1 and "api.management.read" in err
    rid = next(r.id for r in world.org.rate_limits if r.project_id == p1)
    world.fake.inject(
        f"/organization/projects/{p1}/rate_limits/{rid}", Fault.forbidden("api.management.write")
    )
    code, out, err = run(
        cli_env, "ratelimits", "disable", "--project", p1, "--format", "json", "--org", "acme"
    )
    assert code == 1
    op = json.loads(out)["operation"]
    assert op["status"] == "partial" and op["counts"]["failed"] == 1
    assert "api.management.write" in next(
        i["error"] for i in op["items"] if i["status"] == "failed"
    )
    posts = len(world.fake.calls(method="POST"))
    code, out, err = run(cli_env, "ratelimits", "retry", str(op["operation_id"]), "--org", "acme")
    assert code == 0, err
    assert [c.path.rsplit("/", 1)[1] for c in world.fake.calls(method="POST")[posts:]] == [rid]
    assert run(cli_env, "ratelimits", "list", "--org", "nope")[0] == 1


def test_keys_list_and_revoke_with_confirmation(world: Connected, cli_env: dict[str, str]) -> None:
    code, out, err = run(
        cli_env, "keys", "list", "--org", "acme", "--stale-days", "0", "--format", "json"
    )
    assert code == 0, err
    keys = json.loads(out)
    assert len(keys) == len(world.org.api_keys) > 100
    for field in (
        "id",
        "name",
        "project_id",
        "owner_type",
        "owner_name",
        "owner_email",
        "created_at",
        "last_used_at",
        "flags",
    ):
        assert all(field in k for k in keys)
    by_id = {k["id"]: k for k in keys}
    never = next(k for k in world.org.api_keys if k.last_used_at is None)
    used = next(k for k in world.org.api_keys if k.last_used_at is not None)
    assert by_id[never.id]["flags"] == ["never_used"] and by_id[used.id]["flags"] == ["stale"]
    code, out, _ = run(
        cli_env, "keys", "list", "--org", "acme", "--admin", "--format", "json", "--cached"
    )
    assert code == 0 and json.loads(out)[0]["redacted_value"].startswith("sk-admin")
    code, out, _ = run(cli_env, "keys", "list", "--org", "acme", "--cached")
    assert code == 0 and "never_used" in out

    ids = [never.id, used.id]
    code, out, _ = run(cli_env, "keys", "revoke", *ids, "--dry-run", "--org", "acme")
    assert code == 0 and "2 key(s) would be revoked" in out
    code, out, err = run(cli_env, "keys", "revoke", *ids, "--org", "acme", input="n\n")
    assert code == 1 and "Revoke 2 API keys?" in err
    assert {never.id, used.id} <= {k.id for k in world.org.api_keys}
    code, out, err = run(cli_env, "keys", "revoke", *ids, "--org", "acme", input="y\n")
    assert code == 0, err
    assert not {never.id, used.id} & {k.id for k in world.org.api_keys}
    code, out, _ = run(cli_env, "keys", "revoke", "key_unknown", "--org", "acme", "--yes")
    assert code == 1
    code, out, _ = run(
        cli_env, "audit", "list", "--org", "acme", "--action", "api_key.delete", "--format", "json"
    )
    assert sorted(e["target_id"].split("/")[1] for e in json.loads(out)) == sorted(ids)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("max_tokens_per_1_minute=-5", "nothing was sent"),
        ("max_tokens_per_1_minute=lots", "is not a whole number"),
        ("max_tokens_per_1_minute=99999999999999999999999", "larger than the largest limit"),
    ],
)
def test_ratelimits_set_refuses_a_value_that_is_not_a_limit_before_any_call(
    world: Connected, cli_env: dict[str, str], value: str, message: str
) -> None:
    p0 = world.org.projects[0].id
    model = next(r.model for r in world.org.rate_limits if r.project_id == p0)
    calls = len(world.fake.calls())
    args = ("ratelimits", "set", "--org", "acme", "--project", p0, "--model", model, value)
    code, _, err = run(cli_env, *args)
    assert code == 1 and message in " ".join(err.split())
    assert len(world.fake.calls()) == calls
