"""The projects' cost efficiency: billed cost per 1,000 tokens and per model request, computed
from the ledger — the same figures on the page, in /api/v1/projects and in `report projects`
— and "—" where the period has no cost or no usage to divide."""

from __future__ import annotations

import html
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration.ledger_helpers import bucket, completion, cost, page, write_json
from usage_tracker.cli import report as report_cli
from usage_tracker.cli.context import reset_context
from usage_tracker.services.ledger.imports import import_file

COSTS = {"proj_a": ("3", "1"), "proj_b": ("0.5",), "proj_c": ("2",)}  # proj_c: no usage
USAGE = {"proj_a": [(100, 20_000, 5_000), (100, 20_000, 5_000)], "proj_b": [(10, 900, 100)]}
RANGE = "since=2024-07-01&until=2024-07-02&org=acme"


def _load(factory: sessionmaker[Session], tmp_path: Path) -> None:
    costs = [bucket(d, [cost(v, p) for p, vs in COSTS.items() for i, v in enumerate(vs) if i == d])
             for d in (0, 1)]  # fmt: skip
    usage = [
        bucket(d, [completion(r, i, o, project_id=p, model="gpt-4o")
                   for p, days in USAGE.items() for n, (r, i, o) in enumerate(days) if n == d])
        for d in (0, 1)
    ]  # fmt: skip
    import_file(factory, "acme", write_json(tmp_path / "costs.json", page(costs)))
    import_file(factory, "acme", write_json(tmp_path / "usage.json", page(usage)))


def _expected() -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Per project (cost per 1K tokens, cost per request), summed from the files' own numbers."""
    out: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for project, values in COSTS.items():
        total = sum(Decimal(v) for v in values)
        days = USAGE.get(project, [])
        requests = sum(r for r, _, _ in days)
        tokens = sum(i + o for _, i, o in days)
        out[project] = (total * 1000 / tokens if tokens else None,
                        total / requests if requests else None)  # fmt: skip
    return out


def _cell(value: Decimal | None) -> str:
    return "—" if value is None else f"${value.quantize(Decimal('0.0001'))}"


def test_page_api_and_cli_show_the_same_real_figures(
    admin: TestClient,
    session_factory: sessionmaker[Session],
    tmp_path: Path,
    cli_env: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _load(session_factory, tmp_path)
    expected = _expected()
    assert expected["proj_a"] == (Decimal("0.08"), Decimal("0.02"))  # $4 / 50K tokens, / 200
    text = html.unescape(admin.get("/projects?" + RANGE).text)
    panel = text[text.index("data-efficiency>") :]
    rows = re.findall(
        r'data-efficiency-row="([^"]*)">.*?data-per-1k>([^<]*)<.*?data-per-request>([^<]*)<',
        panel[: panel.index("</section>")],
    )
    assert [r[0] for r in rows] == ["proj_a", "proj_b", "proj_c"]  # cheapest first, unknown last
    for project, per_k, per_request in rows:
        assert (per_k, per_request) == tuple(_cell(v) for v in expected[project]), project
    api = {r["project_id"]: r for r in admin.get("/api/v1/projects?" + RANGE).json()["rows"]}
    for name, value in cli_env.items():
        monkeypatch.setenv(name, value)
    reset_context()
    try:
        result = CliRunner().invoke(
            report_cli.app,
            ["projects", "--since", "2024-07-01", "--until", "2024-07-02", "--org", "acme",
             "--format", "json"],
        )  # fmt: skip
    finally:
        reset_context()
    assert result.exit_code == 0, result.output
    cli = {r["project_id"]: r for r in json.loads(result.output)}
    for project, (per_k, per_request) in expected.items():
        for source in (api, cli):
            row = source[project]
            got_k, got_r = row["cost_per_1k_tokens_usd"], row["cost_per_request_usd"]
            assert (None if got_k is None else Decimal(got_k)) == per_k, (project, row)
            assert (None if got_r is None else Decimal(got_r)) == per_request, (project, row)
