"""CLI start-up: command groups are imported when used, and their listed help is their own."""

from __future__ import annotations

import importlib
import subprocess
import sys

import typer
from typer.testing import CliRunner

from usage_tracker.cli.lazy import LAZY
from usage_tracker.cli.main import app


def test_listed_help_is_each_commands_own() -> None:
    for group, entries in list(LAZY.items()):
        for name, (module, attr, listed) in list(entries.items()):
            target = getattr(importlib.import_module(module), attr)
            if isinstance(target, typer.Typer):
                own = target.info.help
            else:
                own = (target.__doc__ or "").strip().splitlines()[0]
            assert listed == own, f"{group} {name}"


def test_help_and_version_load_no_command_group() -> None:
    code = (
        "import sys\n"
        "from usage_tracker.cli.main import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "heavy = [m for m in ('sqlalchemy', 'openai', 'fastapi', 'usage_tracker.services.reports.totals')"
        " if m in sys.modules]\n"
        "print('HEAVY', heavy)\n"
    )
    for args in (["--help"], ["--version"]):
        out = subprocess.run(
            [sys.executable, "-c", code, *args], capture_output=True, text=True, check=True
        ).stdout
        assert "HEAVY []" in out, out


def test_lazy_groups_run_and_list_their_commands() -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for name in LAZY["usage-tracker"]:
        assert name in result.output
    result = runner.invoke(app, ["report", "--help"])
    assert result.exit_code == 0
    assert "summary" in result.output and "teams" in result.output
    result = runner.invoke(app, ["report", "teams", "--help"])
    assert result.exit_code == 0 and "--since" in result.output
