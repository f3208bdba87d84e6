"""`usage-tracker users` and `usage-tracker tokens` (the Typer apps, in process)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from usage_tracker.cli import tokens, users
from usage_tracker.cli.context import reset_context


@pytest.fixture
def run(cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()

    def invoke(app, *args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
        reset_context()
        try:
            return runner.invoke(app, list(args), input=stdin)
        finally:
            reset_context()

    return invoke


def test_users_create_list_disable_reset(run) -> None:  # type: ignore[no-untyped-def]
    made = run(
        users.app, "create", "ada", "--role", "admin", "--password-stdin", stdin="pw-123456\n"
    )
    assert made.exit_code == 0, made.output
    again = run(users.app, "create", "ada", "--password-stdin", stdin="pw-123456\n")
    assert again.exit_code == 1 and "already exists" in again.output
    bad_role = run(users.app, "create", "bob", "--role", "owner", "--password-stdin", stdin="x\n")
    assert bad_role.exit_code == 1
    listed = json.loads(run(users.app, "list", "--json").output)
    assert listed[0]["name"] == "ada" and listed[0]["role"] == "admin"
    assert run(users.app, "disable", "ada").exit_code == 0
    assert json.loads(run(users.app, "list", "--json").output)[0]["disabled"] is True
    reset = run(users.app, "reset-password", "ada", "--password-stdin", stdin="new-pw-123\n")
    assert reset.exit_code == 0
    assert run(users.app, "disable", "nobody").exit_code == 1


def test_tokens_create_prints_once(run) -> None:  # type: ignore[no-untyped-def]
    made = run(tokens.app, "create", "grafana")
    assert made.exit_code == 0, made.output
    token = made.stdout.strip().splitlines()[-1]
    assert token.startswith("utk_")
    listed = run(tokens.app, "list")
    assert "grafana" in listed.output and token not in listed.output
    assert run(tokens.app, "revoke", "grafana").exit_code == 0
    assert "revoked" in run(tokens.app, "list").output
