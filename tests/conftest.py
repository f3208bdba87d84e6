"""Fixtures for the whole suite: a real, migrated database per test on every backend.

Backends: ``sqlite`` always; ``postgresql`` too when ``USAGE_TRACKER_TEST_PG_URL`` names a server
(``make test`` starts a throwaway one). Each backend's schema is migrated once per session into a
template; every test gets its own copy (a copied SQLite file, ``CREATE DATABASE ... TEMPLATE``).

Under pytest-xdist (``-n``) every worker is its own session: its own SQLite template in its own
temp directory and its own PostgreSQL template, named after the worker (``tmpl_gw0_…``) so no two
workers ever create, copy or drop the same database. Passwords are hashed with argon2's cheapest
parameters in tests (`cheap_password_hashing`); production keeps its own (a test checks).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import openai._base_client
import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import NullPool

from usage_tracker.db.engine import make_engine, make_session_factory
from usage_tracker.db.migrate import upgrade
from usage_tracker.services.accounts import accounts
from usage_tracker.settings import Settings

REPO_ROOT = Path(__file__).resolve().parents[1]

# Rich consoles fix their width from COLUMNS when created (at the CLI's import) and otherwise read
# it on every print. In-process CLI tests (CliRunner) pass COLUMNS per call, so the CLI is imported
# here, before any test, without it — never first inside one test's environment.
_columns = os.environ.pop("COLUMNS", None)
import usage_tracker.cli.context  # noqa: E402, F401

if _columns is not None:
    os.environ["COLUMNS"] = _columns
# Read once at import: tests clear USAGE_TRACKER_* from the environment (see `clean_env`).
PG_URL = os.environ.get("USAGE_TRACKER_TEST_PG_URL", "")
BACKENDS = ["sqlite", *(["postgresql"] if PG_URL else [])]
_OUTER_ENV_PREFIXES = ("USAGE_TRACKER_", "OPENAI_")
# "gw0", "gw1", ... under pytest-xdist; "main" in a plain run.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "main")


# The modules that take longest (``--durations``, 2 cores) go first in the collection. Under
# `make check` xdist's loadscope then hands modules out by their number of tests (its default
# --loadscope-reorder), so this order only decides among modules of the same size: handing them
# out in this order instead (--no-loadscope-reorder, the list brought up to date) measured
# 307 s against 273-286 s. Only the order of modules changes; the tests of a module keep theirs.
SLOW_FIRST = (
    "tests/browser/test_walk",
    "tests/web/test_crawl.py",
    "tests/integration/test_ledger_edges.py",
    "tests/integration/test_ledger_properties.py",
    "tests/web/test_import_fuzz.py",
    "tests/integration/test_cross_views.py",
    "tests/browser/",
)


def _slowness_rank(item: pytest.Item) -> int:
    return next(
        (i for i, prefix in enumerate(SLOW_FIRST) if item.nodeid.startswith(prefix)),
        len(SLOW_FIRST),
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_slowness_rank)  # stable: everything else keeps the collection order


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """argon2 at its cheapest (t=1, 8 KiB, p=1) for the accounts the tests create: the production
    cost (~0.1 s a hash) is paid by tests/unit/test_password_cost.py alone."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_hasher", PasswordHasher.from_parameters(profiles.CHEAPEST))
        yield


def _pg_url(database: str) -> str:
    return make_url(PG_URL).set(database=database).render_as_string(hide_password=False)


def _migrate(url: str) -> None:
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


class SdkClock:
    """The `time` module as the OpenAI SDK's retry loop sees it, with `sleep` only recorded."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def __getattr__(self, name: str) -> object:
        return getattr(time, name)


@pytest.fixture(autouse=True)
def sdk_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """No test waits for the SDK's retries: the backoff and Retry-After waits it would sleep are
    recorded here instead (a test asserts on them). In-process only; a subprocess sleeps."""
    clock = SdkClock()
    monkeypatch.setattr(openai._base_client, "time", clock)
    return clock.slept


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    """AUTOCOMMIT connection to the test server, for CREATE/DROP DATABASE."""
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    yield engine
    engine.dispose()


def _create_pg_database(admin: Engine, prefix: str, template: str | None = None) -> str:
    name = f"{prefix}_{WORKER}_{uuid.uuid4().hex[:12]}"
    clause = f" TEMPLATE {template}" if template else ""
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}{clause}"))
    return name


def _drop_pg_database(admin: Engine, name: str) -> None:
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


@pytest.fixture(scope="session")
def pg_template(pg_admin: Engine) -> Iterator[str]:
    """Name of a PostgreSQL database migrated to head once per session."""
    name = _create_pg_database(pg_admin, "tmpl")
    _migrate(_pg_url(name))
    yield name
    _drop_pg_database(pg_admin, name)


class PgClones:
    """Test databases cloned from the worker's template one test ahead, dropped behind.

    One background thread does the CREATE DATABASE ... TEMPLATE for the next test while this
    one runs, and the DROP of the last one after it: PostgreSQL's copying overlaps the tests'
    Python instead of adding ~0.3-1 s to each. One thread, so the template is never copied twice
    at once (PostgreSQL refuses a template in use)."""

    def __init__(self, admin: Engine, template: str) -> None:
        self.admin, self.template = admin, template
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-clones")
        self._next: Future[str] | None = None

    def take(self) -> str:
        name = (self._next or self._clone()).result()
        self._next = self._clone()
        return name

    def give_back(self, name: str) -> None:
        self._thread.submit(_drop_pg_database, self.admin, name)

    def close(self) -> None:
        if self._next is not None:
            self.give_back(self._next.result())
        self._thread.shutdown(wait=True)

    def _clone(self) -> Future[str]:
        return self._thread.submit(_create_pg_database, self.admin, "t", self.template)


@pytest.fixture(scope="session")
def pg_clones(pg_admin: Engine, pg_template: str) -> Iterator[PgClones]:
    clones = PgClones(pg_admin, pg_template)
    yield clones
    clones.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session."""
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def demo_sqlite(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with the demo organization (a year to yesterday, seed 7), built once per
    run and shared by the xdist workers (the first to ask builds it under a lock): tests copy
    it, never change it."""
    from datetime import UTC, datetime, timedelta

    from usage_tracker.services.ledger.demo import load_demo

    until = datetime.now(UTC).date() - timedelta(days=1)
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if WORKER != "main" else base
    path = shared / f"demo-{until.isoformat()}.sqlite3"
    with (shared / "demo.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.exists():
            building = path.with_suffix(f".{WORKER}.tmp")
            shutil.copyfile(sqlite_template, building)
            engine = make_engine(f"sqlite:///{building}")
            load_demo(make_session_factory(engine), seed=7, until=until)
            engine.dispose()
            building.rename(path)
    return path


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """``"sqlite"`` or ``"postgresql"``; tests using a database run once per backend."""
    return str(request.param)


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh database of this test's own, already migrated to head."""
    if backend == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path)
        yield f"sqlite:///{path}"
        return
    clones: PgClones = request.getfixturevalue("pg_clones")
    name = clones.take()
    yield _pg_url(name)
    clones.give_back(name)


@pytest.fixture
def empty_db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """URL of a fresh database with no tables at all (for migration tests)."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    name = _create_pg_database(admin, "e")
    yield _pg_url(name)
    _drop_pg_database(admin, name)


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> sessionmaker[Session]:
    return make_session_factory(engine)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every USAGE_TRACKER_* and OPENAI_* variable of the outer environment."""
    for name in list(os.environ):
        if name.startswith(_OUTER_ENV_PREFIXES):
            monkeypatch.delenv(name)


@pytest.fixture
def settings(clean_env: None, db_url: str, tmp_path: Path) -> Settings:
    """Settings for the test database; no OpenAI admin key, nothing from the outer environment."""
    return Settings(database_url=db_url, data_dir=tmp_path / "data")


@pytest.fixture
def cli_env(db_url: str, tmp_path: Path) -> dict[str, str]:
    """Environment for running ``usage-tracker`` in a subprocess against the test database."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith((*_OUTER_ENV_PREFIXES, "XDG_"))
    }
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env.update(
        USAGE_TRACKER_DATABASE_URL=db_url,
        USAGE_TRACKER_DATA_DIR=str(tmp_path / "data"),
        HOME=str(home),
        NO_COLOR="1",
        COLUMNS="200",
    )
    return env


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The sample export files vendored in the repository (``tests/data/samples``)."""
    return REPO_ROOT / "tests" / "data" / "samples"
