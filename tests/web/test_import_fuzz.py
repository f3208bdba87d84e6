"""Hundreds of mutated exports through every import path: never a traceback, invalid values
always refused, a refused file changes nothing.

Mutations are generated from the vendored samples with a seeded random source (so a failure
names its case and reproduces): cut files, flipped and deleted bytes, byte-order marks, NULs,
bad UTF-8, duplicate keys, wrong types, and values the schema does not allow (negative or huge
counts, over-long ids, non-numeric amounts, bad times). The service path takes all of them;
the CLI (in-process) and the upload route each take a share.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.ledger_helpers import table_counts
from tests.web.conftest import csrf_of
from usage_tracker.cli.main import app as cli_app
from usage_tracker.services.ledger.imports import ImportFailed, import_file

SAMPLES = (
    "costs_grouped_by_user.json",
    "usage_completions_1d.json",
    "costs_by_project_line_item_key.json",
)
CASES_PER_SAMPLE = 120
Mutation = Callable[[random.Random, bytes, Any], tuple[bytes, bool]]  # → content, must refuse


def _results(doc: Any) -> list[dict[str, Any]]:
    return [r for b in doc["data"] for r in b.get("results", b.get("result", []))]


def _dump(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _cut(rng: random.Random, raw: bytes, _doc: Any) -> tuple[bytes, bool]:
    return raw[: rng.randrange(1, len(raw) - 1)], True


def _flip(rng: random.Random, raw: bytes, _doc: Any) -> tuple[bytes, bool]:
    at = rng.randrange(len(raw))
    return raw[:at] + bytes([rng.randrange(256)]) + raw[at + 1 :], False


def _delete(rng: random.Random, raw: bytes, _doc: Any) -> tuple[bytes, bool]:
    at = rng.randrange(len(raw))
    return raw[:at] + raw[at + 1 + rng.randrange(8) :], False


def _bom(_rng: random.Random, raw: bytes, _doc: Any) -> tuple[bytes, bool]:
    return b"\xef\xbb\xbf" + raw, False  # valid: must import


def _nul_or_bad_utf8(rng: random.Random, raw: bytes, _doc: Any) -> tuple[bytes, bool]:
    at = rng.randrange(len(raw) // 2, len(raw))
    return raw[:at] + rng.choice([b"\x00", b"\xff\xfe", b"\xc3"]) + raw[at:], False


def _duplicate_data(_rng: random.Random, raw: bytes, doc: Any) -> tuple[bytes, bool]:
    first = json.dumps(doc["data"][:1])
    return raw.rstrip()[:-1] + f', "data": {first}}}'.encode(), True


_BAD_VALUES: list[tuple[str, Any]] = [
    ("num_model_requests", -1),
    ("num_model_requests", 2**70),
    ("input_tokens", -5),
    ("input_tokens", "many"),
    ("input_tokens", 1.5),
    ("project_id", "p" * 5000),
    ("user_id", "u" * 5000),
    ("api_key_id", ["k"]),
]


def _bad_value(rng: random.Random, _raw: bytes, doc: Any) -> tuple[bytes, bool]:
    """A value the schema does not allow, in a field the result's kind has."""
    target = rng.choice(_results(doc))
    ids = [(f, v) for f, v in _BAD_VALUES if f in ("project_id", "user_id", "api_key_id")]
    if "amount" in target or "cost" in target:
        choices = [
            *ids,
            ("line_item", {"x": 1}),
            ("line_item", "l" * 5000),
            ("amount", {"value": "abc", "currency": "usd"}),
            ("amount", {"value": 1e300, "currency": "usd"}),
            ("amount", "12"),
        ]
    else:
        choices = [*ids, *[(f, v) for f, v in _BAD_VALUES if f.startswith(("num_", "input"))]]
    field, value = rng.choice(choices)
    target[field] = value
    return _dump(doc), True


def _bad_time(rng: random.Random, _raw: bytes, doc: Any) -> tuple[bytes, bool]:
    bucket = rng.choice(doc["data"])
    bucket["start_time"] = rng.choice(["yesterday", -86400 * 10**12, None, 10**20, True])
    return _dump(doc), True


def _wrong_type(rng: random.Random, _raw: bytes, doc: Any) -> tuple[bytes, bool]:
    bucket = rng.choice(doc["data"])
    key = "results" if "results" in bucket else "result"
    bucket[key] = rng.choice(["x", 5, {"a": 1}, [1, 2], [None]])
    return _dump(doc), True


MUTATIONS: list[Mutation] = [
    _cut, _flip, _delete, _bom, _nul_or_bad_utf8, _duplicate_data, _bad_value, _bad_time,
    _wrong_type,
]  # fmt: skip


def _cases(samples_dir: Path) -> Iterator[tuple[str, bytes, bool]]:
    for sample in SAMPLES:
        raw = (samples_dir / sample).read_bytes()
        for i in range(CASES_PER_SAMPLE):
            rng = random.Random(f"{sample}:{i}")
            mutate = MUTATIONS[i % len(MUTATIONS)]
            content, must_refuse = mutate(rng, raw, json.loads(raw))
            yield f"{sample}#{i}:{mutate.__name__}", content, must_refuse


def test_mutated_exports_end_in_a_message_and_invalid_ones_are_refused(
    session_factory: sessionmaker[Session], tmp_path: Path, samples_dir: Path
) -> None:
    refused = imported = 0
    before = table_counts(
        session_factory
    )  # the state before each case (counted again after an import)
    for n, (case, content, must_refuse) in enumerate(_cases(samples_dir)):
        path = tmp_path / f"case{n}.json"
        path.write_bytes(content)
        try:
            import_file(session_factory, f"org{n}", path)
        except ImportFailed as exc:
            refused += 1
            message = str(exc)
            assert message.startswith(f"case{n}.json") and "Traceback" not in message, case
            assert len(message) < 600, (case, message)
            assert table_counts(session_factory) == before, f"{case}: a refused file changed data"
            continue
        imported += 1
        assert not must_refuse, f"{case}: an invalid file was imported"
        before = table_counts(session_factory)
    assert refused > 200 and imported > 20, (refused, imported)


def test_mutated_exports_through_the_cli_never_give_a_traceback(
    cli_env: dict[str, str], tmp_path: Path, samples_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    runner = CliRunner()
    assert runner.invoke(cli_app, ["db", "upgrade"]).exit_code == 0
    cases = list(_cases(samples_dir))[::6]
    paths = []
    for n, (_case, content, _must) in enumerate(cases):
        path = tmp_path / f"cli{n}.json"
        path.write_bytes(content)
        paths.append(str(path))
    # One run with every file: each failure is named and the others still import.
    result = runner.invoke(cli_app, ["import", "--org", "fuzz", *paths])
    text = result.stdout + (result.stderr or "")
    assert result.exception is None or isinstance(result.exception, SystemExit), text
    assert "Traceback" not in text
    failed = [p for p in paths if f"failed: {Path(p).name}:" in text]
    assert result.exit_code == (1 if failed else 0)
    refusals = [n for n, (_c, _b, must) in enumerate(cases) if must]
    for n in refusals:
        assert f"failed: cli{n}.json:" in text, cases[n][0]


def test_mutated_exports_uploaded_never_give_a_500(admin: TestClient, samples_dir: Path) -> None:
    token = csrf_of(admin, "/data")
    cases = list(_cases(samples_dir))[3::9]
    for n, (case, content, must_refuse) in enumerate(cases):
        response = admin.post(
            "/data/upload",
            files=[("files", (f"up{n}.json", content, "application/json"))],
            data={"org": f"up{n}"},
            headers={"X-CSRF-Token": token, "Accept": "application/json"},
        )
        assert response.status_code < 500, (case, response.text[:300])
        assert "Traceback" not in response.text
        (result,) = response.json()["results"]
        if must_refuse:
            assert not result["ok"] and result["error"].startswith(f"up{n}.json"), case
