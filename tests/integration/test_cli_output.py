"""What the CLI prints: `--format csv` is the rows a spreadsheet wants (also where the output is
not a list), a table's Total is the whole result, and money is never cut at 80 columns."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from usage_tracker.cli.main import app
from usage_tracker.domain.money import format_usd, to_nanos

runner = CliRunner()


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.fixture
def imported(cli_env: dict[str, str], samples_dir: Path) -> dict[str, str]:
    files = ("costs_by_project_line_item_key.json", "costs_grouped_by_user.json",
             "usage_completions_1d.json")  # fmt: skip
    code, _, err = run(cli_env, "import", "--org", "acme", *(str(samples_dir / f) for f in files))
    assert code == 0, err
    return {**cli_env, "USAGE_TRACKER_DEFAULT_ORG": "acme"}


def test_summary_csv_is_one_row_of_the_json_totals(imported: dict[str, str]) -> None:
    code, out, _ = run(imported, "report", "summary", "--format", "csv")
    assert code == 0
    [row] = csv_rows(out)
    data = json.loads(run(imported, "report", "summary", "--format", "json")[1])
    assert list(row) == list(data)
    for name, value in data.items():
        expected = "" if value is None else "; ".join(value) if isinstance(value, list) else value
        assert row[name] == str(expected), name


def test_reconcile_and_budgets_csv(imported: dict[str, str]) -> None:
    code, out, _ = run(imported, "report", "reconcile", "-f", "csv")
    rows = csv_rows(out)
    data = json.loads(run(imported, "report", "reconcile", "-f", "json")[1])
    assert code == 0 and len(rows) == len(data["rows"]) > 0
    assert rows[0] == {k: "" if v is None else str(v) for k, v in data["rows"][0].items()}
    for scope_id, amount in (("proj_a", "250"), ("proj_b", "99.50")):
        code, _, err = run(imported, "budgets", "set", "--scope", "project", "--id", scope_id,
                           "--amount", amount)  # fmt: skip
        assert code == 0, err
    code, out, _ = run(imported, "budgets", "list", "-f", "csv")
    listed = csv_rows(out)
    assert code == 0 and [(r["id"], r["amount_usd"], r["thresholds"]) for r in listed] == [
        ("proj_a", "250.00", "50; 80; 100"),
        ("proj_b", "99.50", "50; 80; 100"),
    ]
    code, out, err = run(imported, "budgets", "bulk-set", "--id", "proj_a", "--id", "proj_c",
                         "--amount", "300", "--yes", "-f", "csv")  # fmt: skip
    assert code == 0, err
    assert csv_rows(out) == [
        {"scope": "project", "id": "proj_a", "current_usd": "250.00", "new_usd": "300.00",
         "delta_usd": "50.00"},
        {"scope": "project", "id": "proj_c", "current_usd": "", "new_usd": "300.00",
         "delta_usd": "300.00"},
    ]  # fmt: skip
    assert "Set 2 budget(s)." in err  # the note goes to stderr, stdout is the data
    code, out, _ = run(imported, "budgets", "check", "--no-anomalies", "-f", "csv")
    assert code == 0 and {r["id"] for r in csv_rows(out)} == {"proj_a", "proj_b", "proj_c"}


@pytest.mark.parametrize(
    "args",
    [("prices", "list"), ("users", "list"), ("channels", "list"), ("report", "teams")],
)
def test_lists_print_a_header_even_when_empty(imported: dict[str, str], args: tuple[str]) -> None:
    code, out, err = run(imported, *args, "--format", "csv")
    assert code == 0, err
    assert out.splitlines()[0].count(",") >= 3
    json_out = json.loads(run(imported, *args, "--format", "json")[1])
    assert len(csv_rows(out)) == len(json_out if isinstance(json_out, list) else [])


def _cost_cells(line: str) -> list[str]:
    return [cell.strip() for cell in line.split("│") if cell.strip().startswith("$")]


@pytest.mark.parametrize("columns", ["80", "200"])
def test_a_top_n_table_totals_every_row_and_never_cuts_money(
    imported: dict[str, str], columns: str
) -> None:
    env = {**imported, "COLUMNS": columns}
    every = json.loads(run(env, "report", "users", "--format", "json")[1])
    code, out, _ = run(env, "report", "users", "--top", "3")
    assert code == 0
    lines = out.splitlines()
    assert all(len(line) <= int(columns) for line in lines)
    whole = sum(to_nanos(r["cost_usd"]) for r in every)
    footer = next(line for line in lines if "Total" in line)
    assert f"Total ({len(every)})" in footer and format_usd(whole) in footer
    held = sum(Decimal(r["cost_usd"]) for r in every[:3]) / (Decimal(whole) / 10**9)
    assert f"{held:.1%}" in footer  # the share of the cost the three rows hold
    for row in every[:3]:
        assert format_usd(to_nanos(row["cost_usd"])) in out
    for line in lines:
        assert all("…" not in cell for cell in _cost_cells(line))
    narrow = columns == "80"
    assert ("Cached tok" in out) is not narrow and "Cost" in out and "$/request" in out
    code, out, _ = run(env, "report", "users")
    footer = next(line for line in out.splitlines() if "Total" in line)
    assert "100.0%" in footer and format_usd(whole) in footer


def test_money_columns_of_other_tables_fit_80_columns(imported: dict[str, str]) -> None:
    env = {**imported, "COLUMNS": "80"}
    run(env, "budgets", "set", "--scope", "project", "--id", "proj_" + "x" * 40, "--amount",
        "123456789.50")  # fmt: skip
    for args in (("report", "reconcile", "--top", "3"), ("report", "keys", "--breakdown"),
                 ("budgets", "check", "--no-anomalies"), ("budgets", "list"),
                 ("prices", "list")):  # fmt: skip
        code, out, err = run(env, *args)
        assert code == 0, err
        assert all(len(line) <= 80 for line in out.splitlines()), args
        for line in out.splitlines():
            assert all("…" not in cell for cell in _cost_cells(line)), args
    assert "$123,456,789.50" in run(env, "budgets", "list")[1]
