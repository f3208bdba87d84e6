"""The CLI says what is wrong: an unknown --org lists the organizations there are, `budgets
set` says what it replaced, the template file style has its own option."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from usage_tracker.cli.main import app

runner = CliRunner()


def run(env: dict[str, str], *args: str, input: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def acme(cli_env: dict[str, str], samples_dir: Path) -> dict[str, str]:
    code, _, err = run(
        cli_env, "import", "--org", "acme", str(samples_dir / "costs_by_project_line_item_key.json")
    )
    assert code == 0, err
    return cli_env


def _commands(group: Any, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], Any]]:
    out = []
    for name, command in group.commands.items():
        if hasattr(command, "commands"):
            out += _commands(command, (*path, name))
        else:
            out.append(((*path, name), command))
    return out


def _required_args(path: tuple[str, ...], command: Any, tmp_path: Path) -> list[str]:
    """Stand-ins for a command's required arguments and options (never the organization)."""
    special = {
        ("ratelimits", "set"): ["max_requests_per_1_minute=5"],
        ("budgets", "bulk-set"): ["--id", "proj_a", "--amount", "5"],
        # Dates are checked before the organization: give real ones.
        ("export", "focus"): ["--since", "2025-01-01", "--until", "2025-01-31"],
    }
    args = list(special.get(path, []))
    for p in command.params:
        if not p.required or (p.param_type_name == "option" and p.opts[0] in args):
            continue
        annotation = p.type_descriptor.annotation
        if p.param_type_name == "argument":
            if path[-1] == "import":  # a template file
                file = tmp_path / "t.json"
                file.write_text(json.dumps({"limits": {}}))
                value = str(file)
            else:
                value = "5" if annotation is int else "x"
            args += [] if path in special and p.name == "values" else [value]
        else:
            args += [p.opts[0], "5" if annotation is int else "x"]
    return args + (["--yes"] if any("--yes" in p.opts for p in command.params) else [])


def test_an_unknown_org_lists_the_organizations_on_every_command(
    acme: dict[str, str], tmp_path: Path
) -> None:
    """Every command with --org but `import` (which creates an organization, and says so)."""
    tried = []
    for path, command in _commands(typer.main.get_command(app)):
        if path == ("import",) or not any("--org" in p.opts for p in command.params):
            continue
        args = [*path, *_required_args(path, command, tmp_path), "--org", "nowhere"]
        code, _, err = run(acme, *args)
        text = " ".join(err.split())
        assert code == 1, (args, err)
        assert "no organization 'nowhere'; the organizations here: acme" in text, (args, err)
        tried.append(path)
    assert len(tried) > 40


def test_import_into_a_new_org_says_so(acme: dict[str, str], samples_dir: Path) -> None:
    code, out, err = run(
        acme, "import", "--org", "beta", str(samples_dir / "usage_completions_1d.json")
    )
    assert code == 0 and "imported" in out
    assert "organization 'beta' is new" in " ".join(err.split()) and "acme" in err


def test_budgets_set_over_a_budget_says_what_it_replaced(acme: dict[str, str]) -> None:
    base = ["budgets", "set", "--scope", "project", "--id", "proj_a", "--org", "acme"]
    code, out, _ = run(acme, *base, "--amount", "250")
    assert code == 0 and "(new)" in out and "Replaced" not in out
    code, out, _ = run(
        acme, *base, "--amount", "500", "--enforce", "disable", "--thresholds", "80,100"
    )
    text = " ".join(out.split())
    assert code == 0 and "(new)" not in out
    assert "Replaced the existing budget:" in text
    assert "amount $250.00 → $500.00" in text and "thresholds 50,80,100 → 80,100" in text
    assert "enforce none → disable" in text and "period" not in text.split("Replaced")[1]
    code, out, _ = run(
        acme, *base, "--amount", "500", "--enforce", "disable", "--thresholds", "80,100"
    )
    assert code == 0 and "Unchanged: the budget already had these settings." in out


def test_template_export_style_and_its_deprecated_old_name(
    acme: dict[str, str], tmp_path: Path
) -> None:
    legacy = [{"id": "rl-gpt-4o", "model": "gpt-4o", "max_requests_per_1_minute": 500,
               "max_tokens_per_1_minute": 30000}]  # fmt: skip
    file = tmp_path / "small.json"
    file.write_text(json.dumps(legacy))
    assert (
        run(acme, "ratelimits", "templates", "import", "small", str(file), "--org", "acme")[0] == 0
    )
    export = ["ratelimits", "templates", "export", "small", "--org", "acme"]
    code, out, err = run(acme, *export, "--style", "legacy")
    assert code == 0 and json.loads(out) == legacy and "deprecated" not in err
    code, out, err = run(acme, *export, "--format", "legacy")
    assert code == 0 and json.loads(out) == legacy
    assert "deprecated" in err and "--style" in err and len(err.strip().splitlines()) == 1
    code, out, _ = run(acme, *export)
    assert code == 0 and json.loads(out)["limits"]["gpt-4o"]["max_requests_per_1_minute"] == 500
    code, _, err = run(acme, *export, "--style", "legacy", "--format", "tracker")
    assert code == 1 and "give --style only" in err
    code, help_text, _ = run(acme, *export, "--help")
    assert "--style" in help_text and "--format" not in help_text
