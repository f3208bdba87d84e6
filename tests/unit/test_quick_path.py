"""The quick path's pieces (`cli/quick/`): argument reading, settings, and plain printing, each
held to what it stands in for (the Typer command, pydantic-settings, rich)."""

from __future__ import annotations

import io
import types
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import typer
from pydantic import SecretStr
from rich.console import Console

from usage_tracker.cli import report
from usage_tracker.cli.quick.args import OPTIONS, summary_args
from usage_tracker.cli.quick.database import (
    BUSY_SECONDS,
    STRING_SETTINGS,
    database_url,
    sqlite_path,
)
from usage_tracker.cli.quick.plain import prints_plain
from usage_tracker.cli.summary_text import plain_lines, summary_lines
from usage_tracker.db.engine import BUSY_TIMEOUT_MS
from usage_tracker.services.reports.empty_ledger import empty_summary
from usage_tracker.services.reports.types import ReportQuery, Summary, ToolCount
from usage_tracker.settings import Settings


def _summary_command() -> Any:
    group = typer.main.get_command(report.app)
    return group.commands["summary"]  # type: ignore[attr-defined]


def test_options_are_the_typer_commands() -> None:
    declared = {
        opt: param.name
        for param in _summary_command().params
        for opt in (*param.opts, *param.secondary_opts)
    }
    assert declared == OPTIONS


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["report", "summary"], {"fmt": "table"}),
        (["report", "summary", "--format", "JSON"], {"fmt": "json"}),
        (["report", "summary", "-fcsv"], {"fmt": "csv"}),
        (
            ["report", "summary", "--since=2025-01-01", "--until", "2025-01-31", "--api-key", "k"],
            {"since": "2025-01-01", "until": "2025-01-31", "api_key": "k", "fmt": "table"},
        ),
        (["report", "summary", "--org", "acme", "-f", "json"], {"org": "acme", "fmt": "json"}),
    ],
)
def test_reads_plain_arguments(argv: list[str], expected: dict[str, str]) -> None:
    assert summary_args(argv) == expected


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["report"],
        ["report", "users"],
        ["--version", "report", "summary"],
        ["report", "summary", "--help"],
        ["report", "summary", "--since"],  # missing value: click's error
        ["report", "summary", "--since="],
        ["report", "summary", "--org", "--model"],
        ["report", "summary", "--org", "a", "--org", "b"],
        ["report", "summary", "--key", "a", "--api-key", "b"],
        ["report", "summary", "--format", "xml"],
        ["report", "summary", "-f=json"],
        ["report", "summary", "--breakdown"],
        ["report", "summary", "extra"],
        ["report", "summary", "--", "--org", "a"],
        ["report", "summary", "--sinc", "2025-01-01"],
    ],
)
def test_declines_everything_else(argv: list[str]) -> None:
    assert summary_args(argv) is None


def _accepts_any_string(annotation: Any) -> bool:
    parts = set(annotation.__args__) if isinstance(annotation, types.UnionType) else {annotation}
    return parts - {type(None)} <= {str, Path} or parts - {type(None)} == {SecretStr}


def test_string_settings_are_the_fields_any_string_can_set() -> None:
    fields = Settings.model_fields
    assert {n for n, f in fields.items() if _accepts_any_string(f.annotation)} == STRING_SETTINGS


@pytest.mark.parametrize(
    "environ",
    [
        {"USAGE_TRACKER_DATABASE_URL": "sqlite:////srv/t.sqlite3"},
        {"usage_tracker_database_url": "postgresql+psycopg://u@h/db"},
        {"USAGE_TRACKER_DATABASE_URL": "  ", "USAGE_TRACKER_DATA_DIR": "/srv/data"},
        {"USAGE_TRACKER_DATA_DIR": "/srv/data", "OPENAI_ADMIN_KEY": "sk-admin-x"},
        {"Usage_Tracker_Data_Dir": "relative/dir", "USAGE_TRACKER_DEFAULT_ORG": "acme"},
    ],
)
def test_database_url_is_the_settings(
    environ: dict[str, str], monkeypatch: pytest.MonkeyPatch, clean_env: None
) -> None:
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert database_url(environ) == Settings().effective_database_url


@pytest.mark.parametrize(
    "environ",
    [
        {"USAGE_TRACKER_SMTP_PORT": "x"},  # would make the settings invalid
        {"USAGE_TRACKER_SYNC_INTERVAL_MINUTES": "5"},  # valid, but only pydantic can tell
        {"USAGE_TRACKER_DATA_DIR": "/a", "usage_tracker_data_dir": "/b"},
        {"USAGE_TRACKER_DATA_DIR": ""},
    ],
)
def test_database_url_declines_what_it_cannot_be_sure_of(environ: dict[str, str]) -> None:
    assert database_url(environ) is None


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("sqlite:////srv/t.sqlite3", "/srv/t.sqlite3"),
        ("sqlite:///rel.sqlite3", "rel.sqlite3"),
        ("sqlite://", None),
        ("sqlite:///:memory:", None),
        ("sqlite:///~/t.sqlite3", None),
        ("sqlite:////srv/t.sqlite3?mode=ro", None),
        ("sqlite:////srv/a%20b.sqlite3", None),
        ("sqlite:////srv/a#b.sqlite3", None),
        ("sqlite://///srv/t.sqlite3", None),
        ("sqlite:////srv/with space/t.sqlite3", "/srv/with space/t.sqlite3"),
        ("sqlite+pysqlite:////srv/t.sqlite3", None),
        ("postgresql+psycopg://u@h/db", None),
    ],
)
def test_sqlite_path(url: str, path: str | None) -> None:
    assert sqlite_path(url) == path


def test_busy_timeout_is_the_engines() -> None:
    assert BUSY_SECONDS * 1000 == BUSY_TIMEOUT_MS


def _rich(lines: list[str], environ: dict[str, str]) -> str:
    out = io.StringIO()
    console = Console(file=out, _environ=environ)
    for line in lines:
        console.print(line, highlight=False)
    return out.getvalue()


TOOLS = [ToolCount("web_search_calls", 12_345, "calls", "sum"),
         ToolCount("vector_stores", 10**9, "bytes", "peak")]  # fmt: skip
SUMMARIES = [
    empty_summary(ReportQuery(date(2025, 1, 1), date(2025, 1, 31))),
    Summary(since=date(2025, 1, 1), until=date(2025, 1, 31), cost_nanos=123_456_789_000_000, requests=9_876_543, input_tokens=10**12,
            output_tokens=10**11, active_users=2000, projects=200, models=31, tools=TOOLS),
]  # fmt: skip


@pytest.mark.parametrize("summary", SUMMARIES)
@pytest.mark.parametrize(
    "environ",
    [
        {"COLUMNS": "200"},
        {"COLUMNS": "80"},
        {"COLUMNS": "40"},
        {"COLUMNS": "0"},
        {"COLUMNS": "200", "FORCE_COLOR": "1"},
        {"COLUMNS": "200", "FORCE_COLOR": ""},
        {"COLUMNS": "200", "TTY_COMPATIBLE": "1"},
        {"COLUMNS": "200", "TTY_COMPATIBLE": "0", "FORCE_COLOR": "1"},
    ],
)
def test_plain_lines_are_what_rich_prints(summary: Summary, environ: dict[str, str]) -> None:
    q = ReportQuery(summary.since, summary.until)
    before = Summary(since=q.since, until=q.until, cost_nanos=10**14)
    lines = summary_lines(q, summary, before)
    plain = plain_lines(lines)
    written = "".join(f"{line}\n" for line in plain)
    plain_here = prints_plain(plain, io.StringIO(), environ)
    if environ == {"COLUMNS": "200"}:
        assert plain_here
    if plain_here:  # otherwise the quick path has rich print them
        assert written == _rich(lines, environ)


def test_plain_is_declined_where_rich_would_change_the_lines() -> None:
    q = ReportQuery(date(2025, 1, 1), date(2025, 1, 31))
    lines = plain_lines(summary_lines(q, SUMMARIES[1], None))
    assert not prints_plain(lines, io.StringIO(), {"COLUMNS": "40"})
    assert not prints_plain(lines, io.StringIO(), {"COLUMNS": "200", "FORCE_COLOR": "1"})
    assert prints_plain(lines, io.StringIO(), {"COLUMNS": "200"})
