"""`report summary` over an empty ledger, without Typer, SQLAlchemy or pydantic.

Answers only when every step is certain: the arguments read plainly (`args.py`), the settings
name an existing SQLite file (`database.py`), its schema is at the newest revision, `--org`
(when given) exists, and the ledger has no record set of it (`empty_ledger.ledger_is_empty`,
the statement `summary` itself runs). Otherwise it returns False having printed nothing.
"""

from __future__ import annotations

import os
import sqlite3
import sys
from datetime import date
from typing import Any

from usage_tracker.cli.output import Format, print_data
from usage_tracker.cli.quick.args import summary_args
from usage_tracker.cli.quick.database import database_url, open_existing, sqlite_path
from usage_tracker.cli.quick.plain import prints_plain
from usage_tracker.cli.summary_text import plain_lines, summary_lines
from usage_tracker.db.migrate import dbapi_revisions, head_revisions
from usage_tracker.services.reports.empty_ledger import empty_summary, ledger_is_empty
from usage_tracker.services.reports.types import (
    ReportQuery,
    Summary,
    filled_range,
    previous_period,
)

_ORG = "SELECT 1 FROM organizations WHERE slug = ?"


def run_quick_summary(argv: list[str], environ: Any = os.environ) -> bool:
    """Print `report summary`'s answer and return True, or print nothing and return False."""
    args = summary_args(argv)
    return args is not None and answer_summary(args, environ)


def answer_summary(args: dict[str, str], environ: Any = os.environ) -> bool:
    """`run_quick_summary` for arguments already read (`args.summary_args`)."""
    url = database_url(environ)
    path = sqlite_path(url) if url is not None else None
    if path is None:
        return False
    query = _query(args)
    if query is None:
        return False
    connection = open_existing(path)
    if connection is None:
        return False
    try:
        if not _answerable(connection, query.org):
            return False
    except sqlite3.Error:
        return False
    finally:
        connection.close()
    _print(Format(args["fmt"]), query, empty_summary(query), environ)
    return True


def _query(args: dict[str, str]) -> ReportQuery | None:
    try:
        since = date.fromisoformat(args["since"]) if "since" in args else None
        until = date.fromisoformat(args["until"]) if "until" in args else None
        start, end = filled_range(since, until, None)  # an empty ledger has no bounds
        return ReportQuery(start, end, args.get("org"), args.get("project"), args.get("user"),
                           args.get("model"), args.get("api_key"))  # fmt: skip
    except ValueError:
        return None


def _answerable(connection: sqlite3.Connection, org: str | None) -> bool:
    """Schema at the newest revision, `org` known (looked up as `get_organization` does), and
    no record set to read."""
    if dbapi_revisions(connection) != head_revisions():
        return False
    if org is not None and connection.execute(_ORG, (org.strip().lower(),)).fetchone() is None:
        return False
    return ledger_is_empty(connection, "?", org)


def _print(fmt: Format, q: ReportQuery, result: Summary, environ: Any) -> None:
    if fmt != Format.table:
        print_data(fmt, result.to_json(), [result.to_json()])
        return
    lines = summary_lines(q, result, empty_summary(previous_period(q)))
    plain = plain_lines(lines)
    if prints_plain(plain, sys.stdout, environ):
        sys.stdout.write("".join(f"{line}\n" for line in plain))
        return
    from usage_tracker.cli.consoles import console

    for line in lines:
        console.print(line, highlight=False)
