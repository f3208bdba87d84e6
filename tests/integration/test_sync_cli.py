"""The sync CLI against the fake Admin API served on loopback HTTP, reached by its base URL."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
import uvicorn
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.fakes import FakeAdminApi, Fault, build_org
from usage_tracker.cli.main import app
from usage_tracker.services.jobs.scheduler import start_scheduler
from usage_tracker.services.sync.status import sync_history
from usage_tracker.settings import Settings

runner = CliRunner()


class LoopbackFake:
    """The fake Admin API behind a real HTTP server on 127.0.0.1 (an ASGI adapter)."""

    def __init__(self) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.org = build_org(
            5, days=8, projects=3, users=6, keys_per_project=2, now=int(time.time())
        )
        self.fake = FakeAdminApi(self.org, base_url=f"http://127.0.0.1:{self.port}/v1")
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_level="warning", interface="asgi3"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    async def app(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        query = scope["query_string"].decode()
        url = f"http://127.0.0.1:{self.port}{scope['path']}" + (f"?{query}" if query else "")
        headers = [(k.decode(), v.decode()) for k, v in scope["headers"]]
        response = self.fake.handle(
            httpx2.Request(scope["method"], url, headers=headers, content=body)
        )
        await send(
            {
                "type": "http.response.start",
                "status": response.status_code,
                "headers": [(k.encode(), v.encode()) for k, v in response.headers.items()],
            }
        )
        await send({"type": "http.response.body", "body": response.content})

    def __enter__(self) -> LoopbackFake:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def api() -> Iterator[LoopbackFake]:
    with LoopbackFake() as served:
        yield served


def cli(env: dict[str, str], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env=env, input=stdin)
    return result.exit_code, result.stdout + result.stderr


def test_add_test_sync_status_and_reconcile_never_show_the_key(
    cli_env: dict[str, str], api: LoopbackFake
) -> None:
    key = api.org.admin_key
    env = {**cli_env, "USAGE_TRACKER_SYNC_BACKFILL_DAYS": "10"}
    base = api.fake.base_url
    outputs = []
    for args, stdin in (
        (("orgs", "add", "acme", "--name", "Acme", "--base-url", base, "--key-stdin"), key + "\n"),
        (("orgs", "list"), None),
        (("orgs", "test", "acme"), None),
        (("sync", "--org", "acme"), None),
        (("sync", "--status", "--org", "acme"), None),
    ):
        code, out = cli(env, *args, stdin=stdin)
        assert code == 0, out
        outputs.append(out)
    joined = "\n".join(outputs)
    assert key not in joined and key[9:] not in joined
    assert "sk-admin-…" + key[-4:] in outputs[1]
    assert "every permission" in outputs[2]
    assert "all ok" in outputs[3] and "costs_by_key" in outputs[4]
    code, out = cli(env, "report", "reconcile", "--org", "acme", "--format", "json")
    assert code == 0, out
    result = json.loads(out)
    assert result["within_tolerance"] is True and abs(result["drift_pct"]) < 0.01
    assert result["unpriced_models"] == [] and result["allocation"]["users"]
    code, out = cli(env, "report", "summary", "--org", "acme", "--format", "json")
    summary = json.loads(out)
    assert summary["estimated_cost_usd"] is not None and summary["cost_usd"] is not None


def test_the_environment_key_and_base_url_work_without_adding_and_failures_exit_1(
    cli_env: dict[str, str], api: LoopbackFake
) -> None:
    env = {
        **cli_env,
        "OPENAI_ADMIN_KEY": api.org.admin_key,
        "OPENAI_BASE_URL": api.fake.base_url,
        "USAGE_TRACKER_SYNC_BACKFILL_DAYS": "5",
        "USAGE_TRACKER_SYNC_MAX_RETRIES": "0",
    }
    api.fake.inject("/organization/costs", Fault.forbidden("api.usage.read", times=None))
    code, out = cli(env, "orgs", "test")
    assert code == 1 and "api.usage.read" in out
    code, out = cli(env, "sync")
    assert code == 1, out
    assert "403 on GET /organization/costs" in out and "api.usage.read" in out
    assert api.org.admin_key not in out
    code, out = cli(env, "sync", "--status")
    assert code == 0 and "partial" in out


def test_prices_list_and_set(cli_env: dict[str, str]) -> None:
    code, out = cli(cli_env, "prices", "set", "my-model", "input", "1.5")
    assert code == 0 and "$1.5 per 1M tokens" in out
    code, out = cli(cli_env, "prices", "list", "--json")
    rows = {(r["model"], r["kind"]): r for r in json.loads(out)}
    assert rows[("my-model", "input")]["source"] == "manual"
    assert rows[("gpt-4o-2024-08-06", "output")]["usd"] == "10.00"
    code, out = cli(cli_env, "prices", "set", "my-model", "tokens", "1")
    assert code == 1 and "unknown price kind" in out


def test_the_scheduler_syncs_in_the_background_and_stops(
    session_factory: sessionmaker[Session], settings: Settings, api: LoopbackFake
) -> None:
    s = settings.model_copy(
        update={
            "openai_admin_key": SecretStr(api.org.admin_key),
            "openai_base_url": api.fake.base_url,
            "sync_backfill_days": 3,
            "sync_interval_minutes": 60,
        }
    )
    stop = start_scheduler(s, session_factory, first_delay=0)
    try:
        deadline = time.monotonic() + 30
        runs: list[Any] = []
        while time.monotonic() < deadline:
            with session_factory() as session:
                runs = [r for r in sync_history(session) if r.finished_at]
            if runs:
                break
            time.sleep(0.1)
    finally:
        stop()
    assert runs and runs[0].trigger == "scheduler" and runs[0].status == "ok"
