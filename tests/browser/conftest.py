"""A real `usage-tracker serve` process on a free loopback port, and Debian's Chromium."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.conftest import REPO_ROOT
from usage_tracker.db.engine import make_engine, make_session_factory, transaction
from usage_tracker.services.accounts.accounts import create_account
from usage_tracker.services.ledger.imports import import_file

PASSWORD = "browser-pass-123"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
# The sample files' days (July 2024): presets count from today, so views of them ask for these.
SAMPLE_DAYS = "?range=custom&since=2024-06-01&until=2024-08-31"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _serve_command(port: int, setup: str = "") -> list[str]:
    """`usage-tracker serve` once the command is registered; until then its own module.
    `setup`: Python run first in the server's process (a test's constant, patched)."""
    from usage_tracker.cli.main import app

    args = ["serve", "--host", "127.0.0.1", "--port", str(port)]
    names = {c.name for c in app.registered_commands}
    if "serve" in names:
        code = f"{setup}\nfrom usage_tracker.cli.main import app; app()"
        return [sys.executable, "-c", code, *args]
    if setup:
        code = f"{setup}\nimport typer; from usage_tracker.cli.serve import serve_command\n"
        return [sys.executable, "-c", code + "typer.run(serve_command)", *args[1:]]
    return [sys.executable, "-m", "usage_tracker.cli.serve", *args[1:]]


@contextmanager
def running_dashboard(workdir: Path, url: str, setup: str = "", **extra_env: str) -> Iterator[str]:
    """Run `usage-tracker serve` on `url`'s database at a free loopback port; yield its base URL.

    The server is stopped by its process id when the block ends."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("USAGE_TRACKER_", "OPENAI_"))}
    env.update(USAGE_TRACKER_DATABASE_URL=url, USAGE_TRACKER_DATA_DIR=str(workdir / "data"))
    env.update(extra_env)
    port = _free_port()
    log = (workdir / "server.log").open("w")
    proc = subprocess.Popen(
        _serve_command(port, setup), env=env, stdout=log, stderr=subprocess.STDOUT, cwd=REPO_ROOT
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # a loaded machine starts slowly
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((workdir / "server.log").read_text()) from None
                time.sleep(0.2)
        yield base
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def dashboard_database(
    sqlite_template: Path, workdir: Path, *imports: Path, org: str = "acme"
) -> str:
    """URL of a migrated SQLite copy in `workdir` with accounts "ada" (admin) and "val"
    (viewer), and `imports` imported into `org` first."""
    db_path = workdir / "dashboard.sqlite3"
    shutil.copyfile(sqlite_template, db_path)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    factory = make_session_factory(engine)
    with transaction(factory) as session:
        create_account(session, "ada", PASSWORD, "admin")
        create_account(session, "val", PASSWORD, "viewer")
    for path in imports:
        import_file(factory, org, path)
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def server(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a dashboard on its own database, with accounts "ada" (admin), "val" (viewer)."""
    workdir = tmp_path_factory.mktemp("server")
    with running_dashboard(workdir, dashboard_database(sqlite_template, workdir)) as base:
        yield base


@pytest.fixture(scope="module")
def demo(demo_sqlite: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A dashboard on a copy of the demo organization (a year to yesterday); admin "ada"."""
    workdir = tmp_path_factory.mktemp("demo")
    db_path = workdir / "demo.sqlite3"
    shutil.copyfile(demo_sqlite, db_path)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        create_account(session, "ada", PASSWORD, "admin")
    engine.dispose()
    with running_dashboard(workdir, url) as base:
        yield base


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One Chromium per session (per xdist worker); each test has a fresh context of its own."""
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def console_errors() -> list[str]:
    """Console errors of the page; a test that provokes one on purpose removes it."""
    return []


@pytest.fixture
def page(browser: Browser, console_errors: list[str]) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, accept_downloads=True)
    page = context.new_page()
    errors = console_errors
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield page
    context.close()
    assert errors == [], errors


def sign_in(page: Page, base: str, name: str) -> None:
    page.goto(base + "/login")
    page.fill('input[name="name"]', name)
    page.fill('input[name="password"]', PASSWORD)
    page.click('button[type="submit"].primary')
    page.wait_for_url(base + "/")


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
