"""Rows straight through the DBAPI cursor of a session's connection, for the import's hot path.

Same transaction as the session; `COPY` on PostgreSQL, `executemany` on SQLite. Values written
into a statement as literals are only ever ints and ISO-day/grain words (`plain`).
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Date
from sqlalchemy.orm import Session

from usage_tracker.db.models import Bucket as BucketRow

_WORD = re.compile(r"[\w-]+", re.ASCII)  # ISO days, grains


def dbapi_connection(session: Session) -> tuple[Any, str]:
    """The DBAPI connection under the session's (same transaction) and its parameter marker."""
    bind = session.get_bind()
    mark = "?" if bind.dialect.paramstyle == "qmark" else "%s"
    return session.connection().connection, mark


class DbapiRows:
    """Plain DBAPI statements on the session's connection, for the bulk paths."""

    def __init__(self, session: Session) -> None:
        self.session = session
        dialect = session.get_bind().dialect
        self.name = dialect.name
        self.fast = self.name in ("sqlite", "postgresql")
        self.mark = "?" if dialect.paramstyle == "qmark" else "%s"
        day = Date().dialect_impl(dialect).bind_processor(dialect)
        self.day: Any = day or (lambda d: d)
        stamp = BucketRow.__table__.c.updated_at.type.bind_processor(dialect)
        self.stamp: Any = stamp or (lambda t: t)

    def cursor(self) -> Any:
        return self.session.connection().connection.cursor()

    def insert_sql(self, table: str, columns: tuple[str, ...], returning: bool = False) -> str:
        marks = ", ".join([self.mark] * len(columns))
        tail = " RETURNING id" if returning and self.name == "postgresql" else ""
        return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks}){tail}"

    def bulk(self, table: str, columns: tuple[str, ...], rows: list[tuple[Any, ...]]) -> None:
        cursor = self.cursor()
        try:
            if self.name == "postgresql":
                with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                cursor.executemany(self.insert_sql(table, columns), rows)
        finally:
            cursor.close()

    def bulk_with_heads(
        self,
        table: str,
        columns: tuple[str, ...],
        batches: list[tuple[tuple[Any, ...], list[tuple[Any, ...]]]],
        zeros: int = 0,
    ) -> None:
        """SQLite: rows that share their leading columns (a bucket's id), those written into the
        statement once per batch, and the last `zeros` columns 0; saves building and binding a
        longer tuple per row."""
        cursor = self.cursor()
        try:
            for head, rows in batches:
                bound = len(columns) - len(head) - zeros
                marks = ", ".join([*map(literal, head), *["?"] * bound, *["0"] * zeros])
                cursor.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows
                )
        finally:
            cursor.close()


def plain(head: tuple[Any, ...]) -> bool:
    """Whether every value can be written into a statement as a literal (`literal`)."""
    return all(type(v) is int or (type(v) is str and _WORD.fullmatch(v)) for v in head)


def literal(value: Any) -> str:
    if type(value) is int:
        return str(value)
    if isinstance(value, str) and _WORD.fullmatch(value):
        return f"'{value}'"
    raise ValueError(f"not a plain literal: {value!r}")
