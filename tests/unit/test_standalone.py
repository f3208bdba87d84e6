"""The repository stands on its own: the fake's contract and the test data live inside it."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
from pathlib import Path

from tests.fakes import FakeAdminApi, build_org, load_spec
from tests.fakes.spec import SPEC_PATH, spec_path

REPO_ROOT = Path(__file__).resolve().parents[2]
README = SPEC_PATH.parent / "README.md"


def test_the_fake_validates_against_the_vendored_spec_and_nothing_else() -> None:
    assert spec_path() == SPEC_PATH
    assert SPEC_PATH.is_relative_to(REPO_ROOT)
    digest = hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()
    recorded = re.search(r"SHA-256 `([0-9a-f]{64})`", README.read_text())
    assert recorded is not None, "tests/fakes/openapi/README.md must record the spec's digest"
    assert recorded.group(1) == digest, "the vendored spec changed: record its version and digest"
    document = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    assert load_spec().document == document
    assert FakeAdminApi(build_org()).spec.document == document
    assert document["info"]["version"] in README.read_text()


def test_no_tracked_file_reads_outside_the_repository() -> None:
    tracked = subprocess.run(
        ["git", "ls-files", "src", "tests", "benchmarks", "scripts", "docs", "Makefile", ".ci"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    pattern = re.compile(r"\.\./shared|parents?(\[[0-9]\])? */ *\"shared\"")
    here = Path(__file__).relative_to(REPO_ROOT).as_posix()
    offenders = [
        name
        for name in tracked
        if name != here
        and (REPO_ROOT / name).is_file()
        and (REPO_ROOT / name).suffix not in {".json", ".png"}
        and pattern.search((REPO_ROOT / name).read_text(encoding="utf-8", errors="replace"))
    ]
    assert not offenders, f"these files point outside the repository: {offenders}"
