"""`usage-tracker import` says what is wrong with a file, and where; its bar says "writing"
while it writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.progress import Progress
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.ledger_helpers import bucket, completion, cost, page
from usage_tracker.cli.imports import FileProgress
from usage_tracker.cli.main import app
from usage_tracker.services.ledger.imports import import_file

runner = CliRunner()


def run(env: dict[str, str], *args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def _usage_doc() -> dict[str, Any]:
    return page([bucket(d, [completion(5, user_id="u1")]) for d in range(5)])


def _without(doc: dict[str, Any], index: int, key: str) -> dict[str, Any]:
    del doc["data"][index][key]
    return doc


def _with(doc: dict[str, Any], index: int, key: str, value: Any) -> dict[str, Any]:
    doc["data"][index][key] = value
    return doc


def _result(doc: dict[str, Any], key: str, value: Any) -> dict[str, Any]:
    doc["data"][2]["results"][0][key] = value
    return doc


BAD_FILES = [
    ("notes.json", "hello, this is not JSON\n", "notes.json: not JSON (it does not start with"),
    ("empty.json", "",
     "empty.json: start of file: expected a JSON or CSV export, but the file is empty"),
    ("cut.json", '{"object": "page", "data": [{"start_time": 1', "cut.json: byte"),
    ("usage.json", _without(_usage_doc(), 3, "start_time"),
     "usage.json: bucket 3: expected an integer `start_time` (epoch seconds), found none"),
    ("usage.json", _with(_usage_doc(), 3, "start_time", "yesterday"),
     "bucket 3: expected an integer `start_time` (epoch seconds), got 'yesterday'"),
    ("usage.json", _without(_usage_doc(), 1, "results"),
     "bucket 1: expected a `results` (or legacy `result`) array, found none"),
    ("usage.json", _result(_usage_doc(), "input_tokens", "many"),
     "bucket 2 (start_time 1719964800), result 0: expected `input_tokens` as a whole number, got 'many'"),
    ("usage.json", _result(_usage_doc(), "object", "organization.usage.nonsense.result"),
     "expected a known result `object`, got 'organization.usage.nonsense.result'"),
    ("costs.csv", "date,amount,line_item\n2024-07-01,lots,x\n",
     "costs.csv: line 2: expected a numeric cost amount, got 'lots'"),
    ("costs.csv", "a,b\n1,2\n", "costs.csv: line 1: expected a time column"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "message"), BAD_FILES)
def test_a_wrong_file_says_what_is_wrong(
    cli_env: dict[str, str], tmp_path: Path, name: str, content: Any, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    code, out, err = run(cli_env, "import", str(path))
    assert code == 1 and "imported" not in out
    text = " ".join(err.split())  # the console wraps long lines
    assert message in text and "Nothing was imported from this file." in text
    assert "1 of 1 files were not imported" in text


def test_a_directory_or_a_missing_file_is_named(cli_env: dict[str, str], tmp_path: Path) -> None:
    code, _, err = run(cli_env, "import", str(tmp_path), str(tmp_path / "nope.json"))
    assert code == 1
    assert f"{tmp_path.name}: a directory, not a file" in err and "nope.json: no such file" in err


def test_the_import_bar_says_writing_once_every_byte_is_read(
    session_factory: sessionmaker[Session], tmp_path: Path
) -> None:
    path = tmp_path / "costs.json"
    path.write_text(json.dumps(page([bucket(d, [cost("1.25")]) for d in range(30)])))
    size = path.stat().st_size
    with Progress(disable=True) as bar:
        progress = FileProgress(bar, path.name, size)
        assert bar.tasks[0].description == "costs.json: reading"
        seen: list[tuple[str, float]] = []

        def watch(nbytes: int) -> None:
            progress(nbytes)
            seen.append((bar.tasks[0].description, bar.tasks[0].completed))

        result = import_file(session_factory, "acme", path, progress=watch)
    assert result.outcome == "imported"
    assert seen[-1] == ("costs.json: writing", size)
    assert all(d == "costs.json: reading" for d, done in seen if done < size)
