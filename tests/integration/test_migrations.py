"""Migrations and models agree: an empty database upgraded to every head matches the metadata."""

from __future__ import annotations

from datetime import UTC, date, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select, text

import usage_tracker.db.models  # noqa: F401  (registers every table)
from usage_tracker.db.base import Base
from usage_tracker.db.engine import make_engine
from usage_tracker.db.migrate import (
    alembic_config,
    current_revisions,
    head_revisions,
    is_up_to_date,
    upgrade,
)
from usage_tracker.db.models import UsageDims, UsageRecord
from usage_tracker.domain.endpoints import USAGE_DIMENSIONS, USAGE_METRICS
from usage_tracker.domain.usage_dims import dims_id


def test_empty_database_upgrades_to_heads_matching_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        assert current_revisions(engine) == set()
        assert not is_up_to_date(engine)

        upgrade(engine)

        assert is_up_to_date(engine)
        assert current_revisions(engine) == head_revisions()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


def test_the_static_heads_are_alembics_heads() -> None:
    """The schema check reads the newest revisions from the version files without Alembic;
    they must be the heads Alembic's own script directory computes."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert head_revisions() == set(script.get_heads())
    assert len(head_revisions()) >= 1


def test_the_schema_check_does_not_load_alembic(engine: Engine) -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from usage_tracker.db.engine import make_engine\n"
        "from usage_tracker.db.migrate import is_up_to_date\n"
        f"print(is_up_to_date(make_engine({engine.url.render_as_string(False)!r})))\n"
        "print(any(m == 'alembic' or m.startswith('alembic.') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_upgrade_is_idempotent(engine: Engine) -> None:
    assert is_up_to_date(engine)
    upgrade(engine)
    assert is_up_to_date(engine)


def test_openai_audit_logs_migration_downgrades_and_upgrades_again(empty_db_url: str) -> None:
    def run(step: str, target: str) -> None:
        cfg = alembic_config(empty_db_url)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            getattr(command, step)(cfg, target)

    engine = make_engine(empty_db_url)
    try:
        upgrade(engine)
        assert "openai_audit_events" in inspect(engine).get_table_names()
        run("downgrade", "0008_perf2")
        assert current_revisions(engine) == {"0008_perf2"}
        assert "openai_audit_events" not in inspect(engine).get_table_names()
        run("upgrade", "0009_openai_audit_logs")
        assert current_revisions(engine) == {"0009_openai_audit_logs"}
        assert "openai_audit_events" in inspect(engine).get_table_names()
        upgrade(engine)
        assert is_up_to_date(engine)
    finally:
        engine.dispose()


_OLD_DIMS = ("project_id", "user_id", "api_key_id", "model", "batch", "service_tier")


def test_usage_dims_migration_keeps_every_row_and_goes_back(empty_db_url: str) -> None:
    """Rows written in the wide shape (0009) get their combination's id, the one the importer
    computes, and come back unchanged on downgrade."""

    def run(step: str, target: str) -> None:
        cfg = alembic_config(empty_db_url)
        with engine.begin() as connection:
            cfg.attributes["connection"] = connection
            getattr(command, step)(cfg, target)

    now = datetime(2026, 1, 2, tzinfo=UTC)
    wide = [
        ("proj_a", "user-1", "key_1", "gpt-4o", False, "default", 1, 100, 10),
        ("proj_a", "user-1", "key_1", "gpt-4o", True, "default", 2, 200, 20),
        ("proj_a", None, None, "gpt-4o", None, None, 3, 300, 30),
        ("proj_b", "user-2", "key_2", "o3", False, "flex", 4, 400, 40),
        ("proj_b", "user-2", "key_2", "o3", False, "flex", 5, 500, 50),  # same combination
    ]
    engine = make_engine(empty_db_url)
    try:
        run("upgrade", "0009_openai_audit_logs")
        with engine.begin() as c:
            c.execute(
                text(
                    "INSERT INTO organizations (id, slug, name, created_at) VALUES (1, 'o', 'O', :t)"
                ),
                {"t": now},
            )
            c.execute(
                text(
                    "INSERT INTO record_sets (id, organization_id, kind, width, grouping, created_at)"
                    " VALUES (1, 1, 'completions', '1h', 'model,project_id', :t)"
                ),
                {"t": now},
            )
            c.execute(
                text(
                    "INSERT INTO buckets (id, record_set_id, start_time, end_time, day, rows, "
                    "updated_at) VALUES (7, 1, 1767312000, 1767315600, :d, 5, :t)"
                ),
                {"d": date(2026, 1, 2), "t": now},
            )
            metrics = {m: 0 for m in USAGE_METRICS}
            for i, (*dims, requests, inp, out) in enumerate(wide, start=1):
                values = {
                    **metrics,
                    **dict(zip(_OLD_DIMS, dims, strict=True)),
                    "num_model_requests": requests,
                    "input_tokens": inp,
                    "output_tokens": out,
                }
                columns = ["id", "bucket_id", "record_set_id", "bucket_start", "day", *values]
                c.execute(
                    text(
                        f"INSERT INTO usage_records ({', '.join(columns)}) VALUES "
                        f"(:id, 7, 1, 1767312000, :day, {', '.join(':' + k for k in values)})"
                    ),
                    {"id": i, "day": date(2026, 1, 2), **values},
                )

        upgrade(engine)
        assert is_up_to_date(engine)
        with engine.connect() as c:
            rows = c.execute(
                select(
                    UsageRecord.id,
                    UsageRecord.num_model_requests,
                    UsageRecord.input_tokens,
                    UsageRecord.output_tokens,
                    *(getattr(UsageDims, d) for d in USAGE_DIMENSIONS),
                    UsageRecord.dims_id,
                )
                .join(UsageDims, UsageDims.id == UsageRecord.dims_id)
                .order_by(UsageRecord.id)
            ).all()
            assert c.scalar(select(func.count()).select_from(UsageDims)) == 4
        assert len(rows) == len(wide)
        for row, (*dims, requests, inp, out) in zip(rows, wide, strict=True):
            full = (*dims, None, None, None, None)
            assert tuple(row[4:14]) == full
            assert row[14] == dims_id(full)  # the importer's id for the same combination
            assert tuple(row[1:4]) == (requests, inp, out)

        run("downgrade", "0009_openai_audit_logs")
        assert "usage_dims" not in inspect(engine).get_table_names()
        with engine.connect() as c:
            back = c.execute(
                text(
                    f"SELECT record_set_id, bucket_start, {', '.join(_OLD_DIMS)}, "
                    "num_model_requests, input_tokens, output_tokens FROM usage_records ORDER BY id"
                )
            ).all()
        assert [
            (r[0], r[1], *r[2:6], bool(r[6]) if r[6] is not None else None, *r[7:]) for r in back
        ] == [(1, 1767312000, *w) for w in wide]
    finally:
        engine.dispose()
