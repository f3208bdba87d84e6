"""Migrations and models agree: an empty database upgraded to every head matches the metadata."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

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


def test_empty_database_upgrades_to_heads_matching_the_models(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        assert current_revisions(engine) == set()
        assert not is_up_to_date(engine)

        upgrade(engine)

        assert is_up_to_date(engine)
        assert current_revisions(engine) == head_revisions(engine)
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, Base.metadata)
        assert differences == []
    finally:
        engine.dispose()


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

