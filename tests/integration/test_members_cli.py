"""`members`, `invites` and `projects` commands against the fake Admin API over loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.fakes import Fault, build_org
from tests.fakes.governance import add_keys
from tests.fakes.harness import Connected, connect
from tests.fakes.server import serve
from usage_tracker.cli.main import app
from usage_tracker.services.audit.log import AuditFilter, list_audit
from usage_tracker.services.orgs.credentials import add_organization
from usage_tracker.services.orgs.organizations import get_organization
from usage_tracker.settings import Settings

runner = CliRunner()


@pytest.fixture
def world(
    settings: Settings, session_factory: sessionmaker[Session], cli_env: dict[str, str]
) -> Iterator[Connected]:
    org = build_org(seed=41, days=2, projects=3, users=105)
    c = connect(org)
    with serve(c.fake) as base_url, session_factory() as session:
        add_organization(session, settings, "acme", org.admin_key, base_url=base_url)
        session.commit()
        yield c


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.stdout, result.stderr


def test_members_list_json_contract(world: Connected, cli_env: dict[str, str]) -> None:
    code, out, err = run(cli_env, "members", "list", "--org", "acme", "--format", "json")
    assert code == 0, err
    rows = json.loads(out)
    assert len(rows) == 105
    for row in rows:
        assert {"id", "name", "email", "role", "added_at", "projects"} <= set(row)
    m = world.org.project_users[0]
    row = next(r for r in rows if r["id"] == m.user_id)
    assert any(p["id"] == m.project_id and p["role"] == m.role for p in row["projects"])
    code, out, _ = run(cli_env, "members", "list", "--org", "acme", "--cached")
    assert code == 0 and "105 member(s)" in out


def test_set_role_dry_run_confirm_and_audit(
    world: Connected, cli_env: dict[str, str], session_factory: sessionmaker[Session]
) -> None:
    user = next(u for u in world.org.users if u.role == "reader")
    code, out, _ = run(
        cli_env, "members", "set-role", user.id, "owner", "--org", "acme", "--dry-run"
    )
    assert code == 0 and "reader → owner" in out and "Dry run" in out
    assert world.org.user(user.id).role == "reader"  # type: ignore[union-attr]
    code, _, err = run(
        cli_env, "members", "set-role", user.id, "owner", "--org", "acme", input="n\n"
    )
    assert code == 1 and "nothing changed" in err
    code, out, err = run(cli_env, "members", "set-role", user.id, "owner", "--org", "acme", "--yes")
    assert code == 0, err
    assert world.org.user(user.id).role == "owner"  # type: ignore[union-attr]
    with session_factory() as session:
        org = get_organization(session, "acme")
        (entry,) = list_audit(session, AuditFilter(org.id, action="member.set_role"))
        assert entry.before == {"role": "reader"} and entry.after == {"role": "owner"}
        assert entry.request_id and entry.actor.startswith("cli")


def test_remove_preview_lists_keys_and_permission_error_names_the_scope(
    world: Connected, cli_env: dict[str, str]
) -> None:
    p0 = world.org.projects[0].id
    owner = next(m.user_id for m in world.org.project_users if m.project_id == p0)
    keys = add_keys(world.org, p0, 2, owner)
    args = ("members", "remove", owner, "--org", "acme")
    code, out, err = run(cli_env, *args, "--dry-run", "--format", "json")
    assert code == 0, err
    preview = json.loads(out)
    assert {k.id for k in keys} <= set(preview["keys"])
    assert p0 in {p["id"] for p in preview["projects"]}
    assert world.org.user(owner) is not None
    world.fake.inject(f"/organization/users/{owner}", Fault.forbidden("api.management.write"))
    code, _, err = run(cli_env, *args, "--yes")
    assert code == 1 and "api.management.write" in err
    code, out, err = run(cli_env, *args, "--yes")
    assert code == 0, err
    assert world.org.user(owner) is None


def test_invites_and_project_commands(world: Connected, cli_env: dict[str, str]) -> None:
    pid = world.org.projects[0].id
    code, out, err = run(
        cli_env, "invites", "create", "new@example.com", "--role", "reader",
        "--project", f"{pid}:member", "--org", "acme", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    invite = json.loads(out)
    code, out, _ = run(cli_env, "invites", "list", "--org", "acme", "--format", "json")
    assert invite["id"] in {i["id"] for i in json.loads(out)}
    code, out, err = run(cli_env, "invites", "revoke", invite["id"], "--org", "acme", "--yes")
    assert code == 0, err
    assert invite["id"] not in {i.id for i in world.org.invites}
    user = next(u for u in world.org.users if not any(
        m.user_id == u.id and m.project_id == pid for m in world.org.project_users))  # fmt: skip
    code, out, err = run(
        cli_env, "projects", "members", "add", pid, user.id, "--org", "acme", "--yes"
    )
    assert code == 0, err
    code, out, _ = run(cli_env, "projects", "members", "list", pid, "--org", "acme", "-f", "json")
    assert any(m["id"] == user.id and m["role"] == "member" for m in json.loads(out))
    code, out, err = run(
        cli_env, "projects", "members", "set-role", pid, user.id, "owner", "--org", "acme", "--yes"
    )
    assert code == 0, err
    code, out, err = run(
        cli_env, "projects", "members", "remove", pid, user.id, "--org", "acme", "--dry-run"
    )
    assert code == 0 and "owner" in out and "Dry run" in out
    code, out, err = run(
        cli_env, "projects", "members", "remove", pid, user.id, "--org", "acme", "-y"
    )
    assert code == 0, err
    assert not any(m.user_id == user.id and m.project_id == pid for m in world.org.project_users)


def test_service_account_key_printed_once(world: Connected, cli_env: dict[str, str]) -> None:
    pid = world.org.projects[0].id
    code, out, err = run(
        cli_env, "projects", "service-accounts", "create", pid, "ci", "--org", "acme"
    )
    assert code == 0, err
    key = next(line for line in out.splitlines() if line.startswith("sk-svcacct-"))
    assert out.count(key) == 1
    code, out, _ = run(
        cli_env, "projects", "service-accounts", "list", pid, "--org", "acme", "-f", "json"
    )
    account = next(a for a in json.loads(out) if a["name"] == "ci")
    assert key not in out
    code, out, err = run(
        cli_env, "projects", "service-accounts", "delete", pid, account["id"], "--org", "acme", "-y"
    )
    assert code == 0, err
    assert world.org.service_account(account["id"]) is None
