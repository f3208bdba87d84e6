"""`report summary` by the quick path (`cli/quick/`) and by the Typer app print the same bytes
and exit the same way, on SQLite and PostgreSQL; the quick path answers only what it is sure
of (an empty ledger in a migrated SQLite database) and declines the rest to the Typer app.

The comparisons run in this process (the Typer app through CliRunner, the quick path called as
the entry point calls it); the installed `usage-tracker` script runs as a process of its own
where the script is what is checked: its answer, its fallback, and the modules it loads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from usage_tracker.cli.main import app
from usage_tracker.cli.quick.summary import run_quick_summary
from usage_tracker.db.engine import transaction
from usage_tracker.services.orgs.organizations import ensure_organization

SCRIPT = Path(sys.executable).with_name("usage-tracker")
TYPER_APP = "from usage_tracker.cli.main import app; app(prog_name='usage-tracker')"

ANSWERED = [
    [],
    ["-f", "json"],
    ["--format", "CSV"],
    ["--since", "2025-01-01", "--until=2025-03-31", "--project", "proj_1", "--model", "gpt-4o"],
    ["--since", "2025-02-01", "--user", "user_1", "--api-key", "key_1", "-fjson"],
]
DECLINED = [
    ["--org", "acme"],  # there is no organization yet
    ["--since", "2025-13-01"],
    ["--since", "2025-02-01", "--until", "2025-01-01"],
    ["--until", "2000-01-01"],  # before today, the default first day of an empty ledger
    ["--format", "xml"],
    ["--breakdown"],
    ["--help"],
]


def _env(cli_env: dict[str, str]) -> dict[str, str]:
    return {**cli_env, "PATH": os.environ.get("PATH", "")}


def _script(env: dict[str, str], args: list[str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [str(SCRIPT), "report", "summary", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def _typer_process(env: dict[str, str], args: list[str]) -> tuple[int, str, str]:
    done = subprocess.run(
        [sys.executable, "-c", TYPER_APP, "report", "summary", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    return done.returncode, done.stdout, done.stderr


def _typer(env: dict[str, str], args: list[str]) -> tuple[int, str, str]:
    """The Typer app's answer, in this process."""
    result = CliRunner().invoke(app, ["report", "summary", *args], env=env)
    return result.exit_code, result.stdout, result.stderr


def _quick(
    env: dict[str, str], args: list[str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str] | None:
    """The quick path's answer, as the entry point gets it (None: declined, nothing printed)."""
    capsys.readouterr()
    answered = run_quick_summary(["report", "summary", *args], env)
    out, err = capsys.readouterr()
    if not answered:
        assert (out, err) == ("", ""), "a declined answer prints nothing"
        return None
    return 0, out, err


@pytest.mark.parametrize("args", ANSWERED + DECLINED, ids=" ".join)
def test_same_bytes_as_the_typer_app(
    args: list[str],
    cli_env: dict[str, str],
    backend: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _env(cli_env)
    expected = _typer(env, args)
    answers = backend == "sqlite" and args in ANSWERED
    assert _quick(env, args, capsys) == (expected if answers else None)
    assert (expected[0] == 0) is (args in ANSWERED or args == ["--help"])


@pytest.mark.parametrize("args", [ANSWERED[1], DECLINED[0], DECLINED[2]], ids=" ".join)
def test_the_installed_script_answers_as_the_typer_app_process(
    args: list[str], cli_env: dict[str, str]
) -> None:
    """The console script (quick path first) against the Typer app run as its own process:
    an answer, the fallback's error for an unknown organization, and a refused range."""
    env = _env(cli_env)
    assert _script(env, args) == _typer_process(env, args)


def test_an_organization_named_in_any_case(
    cli_env: dict[str, str],
    backend: str,
    session_factory: sessionmaker[Session],
    capsys: pytest.CaptureFixture[str],
) -> None:
    with transaction(session_factory) as session:
        ensure_organization(session, "acme")
    env = _env(cli_env)
    for args in (["--org", "acme"], ["--org", "ACME", "-f", "json"], ["--org", "other"]):
        expected = _typer(env, args)
        answers = backend == "sqlite" and args[1] != "other"
        assert _quick(env, args, capsys) == (expected if answers else None), args


def test_declines_a_ledger_with_data(
    cli_env: dict[str, str],
    samples_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = _env(cli_env)
    sample = samples_dir / "costs_grouped_by_user.json"
    imported = CliRunner().invoke(app, ["import", str(sample)], env=env)
    assert imported.exit_code == 0, imported.stdout
    assert _quick(env, [], capsys) is None
    code, out, err = _script(env, ["-f", "json"])  # the script falls back to the Typer app
    assert (code, out, err) == _typer(env, ["-f", "json"])
    assert code == 0
    assert json.loads(out)["cost_usd"] not in (None, "0.00")


def test_a_database_that_needs_upgrading(
    cli_env: dict[str, str],
    empty_db_url: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Not migrated: declined; the Typer app migrates it and answers; then the quick path."""
    env = _env({**cli_env, "USAGE_TRACKER_DATABASE_URL": empty_db_url})
    assert _quick(env, ["-f", "json"], capsys) is None
    first = _script(env, ["-f", "json"])
    assert first[0] == 0, first[2]
    again = _quick(env, ["-f", "json"], capsys)
    assert again == (first if empty_db_url.startswith("sqlite") else None)
    assert _typer(env, ["-f", "json"]) == first


def test_quick_path_loads_no_heavy_package(cli_env: dict[str, str], backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the quick path declines PostgreSQL (psycopg alone costs more than the aim)")
    code = (
        "import sys\n"
        "sys.argv = ['usage-tracker', 'report', 'summary']\n"
        "from usage_tracker.cli.entry import main\n"
        "main()\n"
        "heavy = {'sqlalchemy', 'typer', 'click', 'pydantic', 'pydantic_settings', 'rich',"
        " 'alembic', 'psycopg', 'platformdirs'}\n"
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}), file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], env=_env(cli_env), capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == "[]"
    assert "Active users  0" in done.stdout


@pytest.mark.parametrize(
    "argv", [["--version"], ["--help"], ["report", "--help"], ["report", "users", "-f", "json"]]
)
def test_other_commands_go_to_the_typer_app(argv: list[str], cli_env: dict[str, str]) -> None:
    from usage_tracker.cli.quick.args import summary_args

    assert summary_args(argv) is None  # the entry point hands these to the Typer app at once
    if argv == ["--help"]:  # and the script's answer is the Typer app's, as a process too
        env = _env(cli_env)
        run = [subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
               for cmd in ([str(SCRIPT), *argv], [sys.executable, "-c", TYPER_APP, *argv])]  # fmt: skip
        assert run[0].returncode == run[1].returncode == 0, run[0].stderr
        assert (run[0].stdout, run[0].stderr) == (run[1].stdout, run[1].stderr)
