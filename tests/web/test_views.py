"""Views, their JSON twins, exports, uploads, languages and static assets."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.web.conftest import csrf_of
from usage_tracker.db.engine import transaction
from usage_tracker.services.accounts.api_tokens import create_token, revoke_token
from usage_tracker.services.ledger.imports import import_history
from usage_tracker.services.reports import coverage as report_coverage
from usage_tracker.services.reports import totals as reports
from usage_tracker.services.reports.types import ReportQuery

VIEWS = ["/", "/users", "/projects", "/models", "/keys", "/data"]


def bounds(session_factory: sessionmaker[Session]) -> tuple[date, date]:
    with session_factory() as session:
        found = report_coverage.data_bounds(session)
    assert found is not None
    return found


@pytest.mark.parametrize("path", VIEWS)
def test_every_view_renders_empty(admin: TestClient, path: str) -> None:
    response = admin.get(path)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"


def test_navigation_says_what_data_is_missing(admin: TestClient) -> None:
    html = admin.get("/").text
    assert 'aria-disabled="true">Users' in html
    assert "needs cost or usage data grouped by user" in html
    assert "cannot answer this view" in admin.get("/users").text


@pytest.mark.parametrize("path", VIEWS)
def test_every_view_renders_with_data(admin: TestClient, loaded: str, path: str) -> None:
    response = admin.get(path + "?range=custom&since=2020-01-01&until=2029-12-31")
    assert response.status_code == 200, response.text
    assert "cannot answer this view" not in response.text


def test_summary_json_is_the_service_summary(
    admin: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    since, until = bounds(session_factory)
    url = f"/api/v1/summary?since={since}&until={until}"
    with session_factory() as session:
        expected = reports.summary(session, ReportQuery(since=since, until=until)).to_json()
    got = admin.get(url).json()
    assert got == expected
    assert got["cost_usd"] not in (None, "0.00")


def test_empty_summary_json_is_the_cli_answer(
    admin: TestClient, cli_env: dict[str, str], capsys: pytest.CaptureFixture[str], backend: str
) -> None:
    """Nothing imported: `/api/v1/summary` is what `report summary --format json` prints, by the
    quick path on SQLite (`cli/quick/`, no SQLAlchemy) and by the Typer app on PostgreSQL."""
    from usage_tracker.cli.main import app
    from usage_tracker.cli.quick.summary import run_quick_summary

    args = ["report", "summary", "--since", "2025-01-01", "--until", "2025-01-31", "-f", "json"]
    got = admin.get("/api/v1/summary?since=2025-01-01&until=2025-01-31").json()
    capsys.readouterr()
    environ = {"USAGE_TRACKER_DATABASE_URL": cli_env["USAGE_TRACKER_DATABASE_URL"]}
    assert run_quick_summary(args, environ) is (backend == "sqlite")
    if backend == "sqlite":
        assert json.loads(capsys.readouterr().out) == got
    result = CliRunner().invoke(app, args, env=environ)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == got
    assert got["cost_usd"] is None and got["requests"] == 0


def test_bearer_token_reads_the_api(
    app: object, anon: TestClient, loaded: str, session_factory: sessionmaker[Session]
) -> None:
    with transaction(session_factory) as session:
        _, plain = create_token(session, "grafana")
    since, until = bounds(session_factory)
    headers = {"Authorization": f"Bearer {plain}"}
    response = anon.get(f"/api/v1/summary?since={since}&until={until}", headers=headers)
    assert response.status_code == 200
    assert anon.get("/api/v1/users", headers=headers).status_code == 200
    # A token reads the API only: pages still want a sign-in.
    assert anon.get("/", headers=headers, follow_redirects=False).status_code == 303
    bad = {"Authorization": "Bearer utk_not-a-token"}
    assert anon.get("/api/v1/summary", headers=bad).status_code == 401
    with transaction(session_factory) as session:
        revoke_token(session, "grafana")
    assert anon.get("/api/v1/summary", headers=headers).status_code == 401


@pytest.mark.parametrize(
    "path", ["/api/v1/overview", "/api/v1/users", "/api/v1/projects", "/api/v1/models"]
)
def test_api_twins(admin: TestClient, loaded: str, path: str) -> None:
    response = admin.get(path + "?range=custom&since=2020-01-01&until=2029-12-31")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["filters"]["since"] == "2020-01-01"
    assert "summary" in body


def test_user_detail_and_filters(admin: TestClient, loaded: str) -> None:
    wide = "range=custom&since=2020-01-01&until=2029-12-31"
    users = admin.get(f"/api/v1/users?{wide}").json()["rows"]
    assert users
    user_id = users[0]["user_id"]
    detail = admin.get(f"/api/v1/users/{user_id}?{wide}").json()
    assert detail["user_id"] == user_id
    assert detail["daily"]
    total = sum(int(r["cost_usd"].replace(".", "")) for r in [users[0]])
    assert total > 0
    fragment = admin.get(f"/users/detail?key={user_id}&{wide}")
    assert fragment.status_code == 200
    assert 'type="application/json"' in fragment.text
    filtered = admin.get(f"/api/v1/summary?{wide}&user={user_id}").json()
    assert filtered["cost_usd"] == users[0]["cost_usd"]


def test_range_presets_and_bad_dates(admin: TestClient, loaded: str) -> None:
    for name in ("7d", "30d", "this_month", "last_month"):
        assert admin.get(f"/?range={name}").status_code == 200
    assert admin.get("/api/v1/summary?since=2025-02-30").status_code == 422
    assert admin.get("/api/v1/summary?since=2025-03-02&until=2025-03-01").status_code == 422
    assert admin.get("/?range=forever").status_code == 422


@pytest.mark.parametrize("table", ["daily", "users", "projects", "models", "imports"])
def test_exports(admin: TestClient, loaded: str, table: str) -> None:
    wide = "?range=custom&since=2020-01-01&until=2029-12-31"
    as_csv = admin.get(f"/export/{table}.csv{wide}")
    assert as_csv.status_code == 200
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    as_json = admin.get(f"/export/{table}.json{wide}").json()
    assert len(rows) == len(as_json) > 0
    xlsx = admin.get(f"/export/{table}.xlsx{wide}")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet is not None and sheet.max_row == len(rows) + 1


def test_upload_shows_result_and_changes_totals(
    admin: TestClient, samples_dir: Path, session_factory: sessionmaker[Session]
) -> None:
    token = csrf_of(admin, "/data")
    before = admin.get("/api/v1/summary?range=custom&since=2020-01-01&until=2029-12-31").json()
    assert before["cost_usd"] is None
    name = "costs_by_project_line_item_key.json"
    files = [
        ("files", (name, (samples_dir / name).read_bytes(), "application/json")),
        ("files", ("broken.json", b"{not json", "application/json")),
    ]
    response = admin.post(
        "/data/upload",
        files=files,
        data={"org": "acme"},
        headers={"X-CSRF-Token": token, "Accept": "application/json"},
    )
    assert response.status_code == 200, response.text
    good, bad = response.json()["results"]
    assert good["ok"] and good["outcome"] == "imported" and good["rows"] > 0
    assert not bad["ok"] and bad["error"].startswith("broken.json")
    after = admin.get("/api/v1/summary?range=custom&since=2020-01-01&until=2029-12-31").json()
    assert after["cost_usd"] not in (None, "0.00")
    assert name in admin.get("/data").text


def test_upload_without_csrf_is_rejected(
    admin: TestClient, session_factory: sessionmaker[Session], samples_dir: Path
) -> None:
    sample = samples_dir / "usage_completions_1d.json"  # imported when the token is there
    files = {"files": (sample.name, sample.read_bytes(), "application/json")}
    assert admin.post("/data/upload", files=files).status_code == 403
    forged = admin.post("/data/upload", files=files, headers={"X-CSRF-Token": "forged"})
    assert forged.status_code == 403
    with session_factory() as session:
        assert import_history(session) == []


def test_korean_and_theme_preferences(admin: TestClient, loaded: str) -> None:
    token = csrf_of(admin, "/")
    data = {"lang": "ko", "theme": "dark", "currency": "KRW", "csrf_token": token, "next": "/"}
    assert admin.post("/prefs", data=data, follow_redirects=False).status_code == 303
    html = admin.get("/?range=custom&since=2020-01-01&until=2029-12-31").text
    assert '<html lang="ko" data-theme="dark">' in html
    assert "개요" in html and "₩" in html


def test_static_assets_are_hashed_gzipped_and_cached(admin: TestClient) -> None:
    html = admin.get("/").text
    src = html.split('src="/static/')[1].split('"')[0]
    url = "/static/" + src
    response = admin.get(url, headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200
    assert response.headers["content-encoding"] == "gzip"
    assert "immutable" in response.headers["cache-control"]
    etag = response.headers["etag"]
    assert admin.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert admin.get("/static/000000000000/app.js").status_code == 404


def test_api_docs_are_served_locally(admin: TestClient) -> None:
    docs = admin.get("/api/docs").text
    assert "/api/v1/summary" in docs and "cdn" not in docs.lower()
    spec = admin.get("/api/openapi.json").json()
    assert "/api/v1/summary" in spec["paths"]


def test_chart_data_is_json_in_the_page(admin: TestClient, loaded: str) -> None:
    html = admin.get("/?range=custom&since=2020-01-01&until=2029-12-31").text
    blob = html.split('<script type="application/json" id="chart-daily">')[1].split("</script>")[0]
    spec = json.loads(blob)
    assert spec["kind"] == "bar" and spec["stacked"] and spec["bands"]["dates"]
    assert spec["series"] and spec["values"] == {"title": "Cost ($)", "unit": "money"}
