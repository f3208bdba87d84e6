"""Reports over a ledger that has no record sets (nothing imported or synced yet).

Every report over such a ledger has the same answer, whatever its range and filters: no cost
(unknown, not $0), no requests, no tokens. `summary` (`totals.py`) answers so as soon as
`ledger_is_empty` says there is nothing to read, and so does the quick CLI path
(`cli/quick/`), with the same statement over a plain DBAPI connection (sqlite3 or psycopg) and
without loading SQLAlchemy. The statement is written once, here.
"""

from __future__ import annotations

from typing import Any

from usage_tracker.services.reports.types import ReportQuery, Summary

_ANY_SET = "SELECT 1 FROM record_sets LIMIT 1"
_ANY_SET_OF_ORG = (
    "SELECT 1 FROM record_sets JOIN organizations ON organizations.id = "
    "record_sets.organization_id WHERE organizations.slug = {mark} LIMIT 1"
)


def ledger_is_empty(connection: Any, mark: str, org: str | None) -> bool:
    """Whether no record set (of organization `org`, or of any) exists. `connection` is a
    DBAPI connection; `mark` its parameter marker (`?` for sqlite3, `%s` for psycopg)."""
    cursor = connection.cursor()
    try:
        if org:  # as the record-set choice filters: an empty slug is no filter
            cursor.execute(_ANY_SET_OF_ORG.format(mark=mark), (org,))
        else:
            cursor.execute(_ANY_SET)
        return cursor.fetchone() is None
    finally:
        cursor.close()


def empty_summary(q: ReportQuery) -> Summary:
    """The summary of a ledger with no record sets: the range, and nothing in it."""
    return Summary(since=q.since, until=q.until)
