"""The FOCUS export from the CLI, the API (token or session) and the Data page: one file."""

from __future__ import annotations

import re
import sys
from html import unescape
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.integration import focus_data as data
from tests.integration.focus_checks import check_csv, check_parquet
from usage_tracker.cli.main import app as cli
from usage_tracker.db.engine import transaction
from usage_tracker.services.accounts.api_tokens import create_token

SINCE, UNTIL = "2024-07-28", "2024-08-10"
runner = CliRunner()


@pytest.fixture
def org(session_factory: sessionmaker[Session], tmp_path: Path) -> str:
    rows = [
        data.Entry(d, p, data.KEYS[p][0], u, i, 100_000 * (d + 1) + i, 1_000 * d)
        for d in range(0, data.DAYS, 3)
        for p in ("proj_a", "proj_c")
        for u in data.USERS[:2]
        for i in (0, 4, 5, 8)
    ]
    return data.load(session_factory, tmp_path, rows, org="acme")


def _cli(env: dict[str, str], *args: str) -> bytes:
    result = runner.invoke(
        cli, ["export", "focus", "--since", SINCE, "--until", UNTIL, *args], env=env
    )
    assert result.exit_code == 0, result.output
    return result.stdout_bytes


def _form(client: TestClient) -> tuple[str, dict[str, str]]:
    """The Data page's FOCUS form: its action and the values it submits by default."""
    page = client.get(f"/data?range=custom&since={SINCE}&until={UNTIL}&org=acme").text
    form = re.search(r"<form[^>]*data-focus-export.*?</form>", page, re.S)
    assert form, "no FOCUS export form on the Data page"
    action = re.search(r'action="([^"]+)"', form.group(0))
    assert action
    fields = dict(
        re.findall(r'<input type="(?:hidden|date)" name="(\w+)" value="([^"]*)"', form.group(0))
    )
    fields["format"] = re.findall(r'<option value="(\w+)"', form.group(0))[0]
    return unescape(action.group(1)), fields


def test_cli_api_and_data_page_give_the_same_file(
    admin: TestClient,
    anon: TestClient,
    org: str,
    cli_env: dict[str, str],
    session_factory: sessionmaker[Session],
    tmp_path: Path,
) -> None:
    from_cli = _cli(cli_env, "--org", org)
    rows = check_csv(from_cli)
    assert rows and {r["BillingAccountId"] for r in rows} == {org}
    with transaction(session_factory) as session:
        _, token = create_token(session, "finops")
    query = f"since={SINCE}&until={UNTIL}&org={org}"
    by_token = anon.get(
        f"/api/v1/export/focus?{query}", headers={"Authorization": f"Bearer {token}"}
    )
    assert by_token.status_code == 200, by_token.text
    assert by_token.headers["content-type"].startswith("text/csv")
    assert f'filename="focus_{org}_{SINCE}_{UNTIL}.csv"' in by_token.headers["content-disposition"]
    action, fields = _form(admin)
    assert fields == {"org": org, "since": SINCE, "until": UNTIL, "format": "csv"}
    from_page = admin.get(action, params=fields)
    assert from_page.status_code == 200
    assert from_cli == by_token.content == from_page.content
    # Parquet, and the user allocation, the same way.
    out = tmp_path / "bill.parquet"
    _cli(cli_env, "--org", org, "--format", "parquet", "--output", str(out))
    api = admin.get(f"/api/v1/export/focus?{query}&format=parquet&allocate_users=true")
    assert (
        api.status_code == 200 and api.headers["content-type"] == "application/vnd.apache.parquet"
    )
    allocated = tmp_path / "allocated.parquet"
    _cli(cli_env, "--org", org, "-f", "parquet", "--allocate-users", "-o", str(allocated))
    assert allocated.read_bytes() == api.content
    check_parquet(api.content)
    assert check_parquet(out.read_bytes())
    assert not list(tmp_path.glob(".*.tmp*"))  # written through a temporary file, renamed


def test_the_api_needs_a_sign_in_or_a_token(anon: TestClient, org: str) -> None:
    response = anon.get(f"/api/v1/export/focus?since={SINCE}&until={UNTIL}")
    assert response.status_code == 401


def test_bad_ranges_and_formats_are_refused(admin: TestClient, cli_env: dict[str, str]) -> None:
    assert admin.get("/api/v1/export/focus?since=2024-08-02&until=2024-08-01").status_code == 422
    assert (
        admin.get(f"/api/v1/export/focus?since={SINCE}&until={UNTIL}&format=xlsx").status_code
        == 422
    )
    assert admin.get("/api/v1/export/focus?since=2024-08-02").status_code == 422
    result = runner.invoke(
        cli, ["export", "focus", "--since", "2024-08-02", "--until", "2024-08-01"], env=cli_env
    )
    assert result.exit_code == 1 and "before" in result.stderr


def test_parquet_without_the_extra_says_how_to_get_it(
    admin: TestClient, cli_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow → ImportError
    response = admin.get(f"/api/v1/export/focus?since={SINCE}&until={UNTIL}&format=parquet")
    assert response.status_code == 501
    assert "openai-usage-tracker[parquet]" in response.json()["detail"]
    result = runner.invoke(
        cli,
        [
            "export",
            "focus",
            "--since",
            SINCE,
            "--until",
            UNTIL,
            "-f",
            "parquet",
            "-o",
            str(tmp_path / "x.parquet"),
        ],
        env=cli_env,
    )
    assert result.exit_code == 1
    assert "openai-usage-tracker[parquet]" in " ".join(result.stderr.split())
    assert not (tmp_path / "x.parquet").exists()
    page = admin.get("/data").text
    assert '<option value="parquet">' not in page and '<option value="csv">' in page
