"""The `usage-tracker budgets set/check` contract, through typer's CliRunner (the installed
script in a real process is tests/integration/test_cli.py::test_console_script_exit_codes)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner, Result

from tests.integration.ledger_helpers import bucket, cost, page, write_json
from usage_tracker.cli.main import app

FIELDS = {"scope", "id", "period_start", "period_end", "budget_usd", "spent_usd", "percent",
          "status", "forecast_usd", "runs_out_on"}  # fmt: skip


def _run(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def test_set_then_check_json(cli_env: dict[str, str], tmp_path: Path) -> None:
    costs = write_json(
        tmp_path / "c.json", page([bucket(d, [cost("4", "proj_a")]) for d in (0, 1)])
    )
    assert _run(cli_env, "import", str(costs), "--org", "acme").exit_code == 0
    done = _run(cli_env, "budgets", "set", "--org", "acme", "--scope", "project", "--id",
                "proj_a", "--amount", "250", "--thresholds", "50,80,100")  # fmt: skip
    assert done.exit_code == 0, done.stderr
    bad = _run(cli_env, "budgets", "set", "--org", "acme", "--scope", "project", "--id", "p",
               "--amount", "-1")  # fmt: skip
    assert bad.exit_code != 0 and "more than $0" in (bad.stderr + bad.stdout)
    check = _run(cli_env, "budgets", "check", "--format", "json", "--no-anomalies")
    assert check.exit_code == 0, check.stderr
    [row] = json.loads(check.stdout)
    assert set(row) >= FIELDS
    assert (row["scope"], row["id"], row["budget_usd"]) == ("project", "proj_a", "250.00")
    assert row["status"] in ("safe", "caution", "warning", "over")
    assert row["period_start"].endswith("-01") and isinstance(row["percent"], float)
    assert row["runs_out_on"] is None or len(row["runs_out_on"]) == 10
    listed = json.loads(_run(cli_env, "budgets", "list", "--format", "json").stdout)
    assert listed[0]["amount_usd"] == "250.00" and listed[0]["thresholds"] == [50, 80, 100]
