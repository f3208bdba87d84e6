"""The CLI contract: commands, exit codes and JSON fields others rely on."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.integration.ledger_helpers import sample_total_nanos
from usage_tracker.cli.main import app
from usage_tracker.domain.money import usd_string

runner = CliRunner()


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def imported(cli_env: dict[str, str], samples_dir: Path) -> dict[str, str]:
    code, out, _ = run(
        cli_env,
        "import",
        str(samples_dir / "costs_by_project_line_item_key.json"),
        str(samples_dir / "costs_grouped_by_user.json"),
        str(samples_dir / "usage_completions_1d.json"),
    )
    assert code == 0, out
    return cli_env


def test_summary_json_contract(imported: dict[str, str], samples_dir: Path) -> None:
    code, out, _ = run(
        imported,
        "report",
        "summary",
        "--since",
        "2024-07-01",
        "--until",
        "2024-07-31",
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    assert data["since"] == "2024-07-01" and data["until"] == "2024-07-31"
    assert data["cost_usd"] == usd_string(
        sample_total_nanos(samples_dir / "costs_by_project_line_item_key.json")
    )
    assert isinstance(data["requests"], int) and data["requests"] > 0
    assert isinstance(data["input_tokens"], int) and isinstance(data["output_tokens"], int)


@pytest.mark.parametrize(
    ("command", "key"),
    [
        ("daily", "date"),
        ("monthly", "month"),
        ("users", "user_id"),
        ("projects", "project_id"),
        ("models", "model"),
        ("keys", "api_key_id"),
    ],
)
def test_breakdown_json_contract(imported: dict[str, str], command: str, key: str) -> None:
    code, out, _ = run(imported, "report", command, "--format", "json")
    assert code == 0
    rows = json.loads(out)
    assert isinstance(rows, list) and rows
    for row in rows:
        assert key in row and "cost_usd" in row and "requests" in row
        assert "input_tokens" in row and "output_tokens" in row


def test_breakdown_flag_and_filters(imported: dict[str, str]) -> None:
    code, out, _ = run(
        imported,
        "report",
        "daily",
        "--since",
        "2024-07-01",
        "--until",
        "2024-07-03",
        "--breakdown",
        "--format",
        "json",
    )
    assert code == 0
    rows = json.loads(out)
    assert [r["date"] for r in rows] == ["2024-07-01", "2024-07-02", "2024-07-03"]
    for row in rows:
        from decimal import Decimal

        assert sum(Decimal(b["cost_usd"]) for b in row["breakdown"]) == Decimal(row["cost_usd"])
    top = json.loads(run(imported, "report", "users", "--top", "2", "--format", "json")[1])
    assert len(top) == 2
    model = top[0]["user_id"]
    only = json.loads(run(imported, "report", "projects", "--user", model, "--format", "json")[1])
    assert sum(float(r["cost_usd"]) for r in only) == pytest.approx(float(top[0]["cost_usd"]))


def test_csv_and_table(imported: dict[str, str]) -> None:
    code, out, _ = run(imported, "report", "projects", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert rows and {"project_id", "cost_usd", "requests"} <= set(rows[0])
    code, out, _ = run(imported, "report", "monthly")
    assert code == 0 and "2024-07" in out and "Total" in out


def test_reimport_says_unchanged(imported: dict[str, str], samples_dir: Path) -> None:
    code, out, _ = run(imported, "import", str(samples_dir / "usage_completions_1d.json"))
    assert code == 0 and "already imported" in out


def test_bad_dates_are_explained(imported: dict[str, str]) -> None:
    code, _, err = run(imported, "report", "summary", "--since", "July")
    assert code != 0 and "--since must be a date like" in err
    code, _, err = run(
        imported, "report", "summary", "--since", "2024-07-10", "--until", "2024-07-01"
    )
    assert code != 0 and "before --since" in err


def test_info_masks_secrets(cli_env: dict[str, str]) -> None:
    key = "sk-admin-" + "s3cr3t" * 8 + "wxyz"
    env = {**cli_env, "OPENAI_ADMIN_KEY": key, "USAGE_TRACKER_SECRET_KEY": "hunter2hunter2"}
    code, out, _ = run(env, "info", "--json")
    assert code == 0
    assert key not in out and "hunter2" not in out and "wxyz" in out
    assert json.loads(out)["version"]


def test_console_script_exit_codes(
    cli_env: dict[str, str], samples_dir: Path, tmp_path: Path
) -> None:
    """The installed `usage-tracker` script: non-zero with a message when a file fails."""
    bad = tmp_path / "broken.json"
    bad.write_text('{"object": "page", "data": [{"start_time": 1}')
    script = Path(sys.executable).with_name("usage-tracker")
    env = {**cli_env, "PATH": os.environ.get("PATH", "")}
    ok = subprocess.run(
        [str(script), "import", str(samples_dir / "usage_completions_1d.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    failed = subprocess.run(
        [str(script), "import", str(bad), str(samples_dir / "costs_grouped_by_user.json")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode != 0
    assert "broken.json" in failed.stderr and "1 of 2 files were not imported" in failed.stderr
    assert "imported" in failed.stdout  # the good file still went in, on its own


def test_demo_command_if_empty(cli_env: dict[str, str], imported: dict[str, str]) -> None:
    code, out, _ = run(imported, "demo", "--if-empty")
    assert code == 0 and "already has data" in out
