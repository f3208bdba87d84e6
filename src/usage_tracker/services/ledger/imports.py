"""Import exported files into the ledger: one file, one transaction, all or nothing.

Which grouping answers which question (see docs/importing.md): a costs export grouped by project
and line item answers "what did we spend, where and on which model" and matches the invoice; one
grouped by user adds "who"; one grouped by API key adds "which key". They are views of the same
money: totals read one per day, never their sum.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.base import utcnow
from usage_tracker.db.engine import busy_message, is_busy, transaction
from usage_tracker.db.models import ImportRun
from usage_tracker.domain.endpoints import BUCKET_SECONDS, COSTS, width_for_seconds
from usage_tracker.domain.records import Bucket, Member, RecordSetKey
from usage_tracker.ingest.csv_export import CsvReader
from usage_tracker.ingest.detect import Detected, detect_shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.helper import iter_buckets_in_helper
from usage_tracker.ingest.json_stream import RowBucket, iter_buckets
from usage_tracker.ingest.results import grouping_of_costs, grouping_of_rows, grouping_of_usage
from usage_tracker.ingest.users import iter_members
from usage_tracker.services.ledger.names import upsert_members, upsert_project_names
from usage_tracker.services.ledger.writer import LedgerWriter
from usage_tracker.services.orgs.organizations import ensure_organization

Progress = Callable[[int], None]


class ImportFailed(Exception):
    """The file was not imported and nothing changed; str() says why and where."""


@dataclass
class ImportResult:
    file_name: str
    outcome: str  # "imported" | "duplicate"
    kind: str
    grouping: str | None
    width: str | None
    rows: int
    buckets: int
    first_day: date | None
    last_day: date | None
    import_id: int | None
    message: str


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    session_factory: sessionmaker[Session],
    org_slug: str,
    path: Path,
    *,
    file_name: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Import one file; a file already imported into this organization is a no-op."""
    name = file_name or path.name
    if not path.is_file():
        raise ImportFailed(
            f"{name}: {'a directory, not a file' if path.is_dir() else 'no such file'}"
        )
    sha = file_sha256(path)
    detected: Detected | None = None
    try:
        with transaction(session_factory) as session:
            org = ensure_organization(session, org_slug)
            previous = session.scalar(
                select(ImportRun)
                .where(ImportRun.organization_id == org.id, ImportRun.sha256 == sha)
                .order_by(ImportRun.id)
                .limit(1)
            )
            if previous is not None:
                when = previous.started_at.strftime("%Y-%m-%d %H:%M UTC")
                return ImportResult(
                    name,
                    "duplicate",
                    previous.kind,
                    previous.grouping,
                    previous.width,
                    0,
                    0,
                    previous.first_day,
                    previous.last_day,
                    previous.id,
                    f"{name}: already imported on {when} (import #{previous.id}); nothing changed",
                )
            run = ImportRun(organization_id=org.id, file_name=name, sha256=sha, kind="unknown")
            session.add(run)
            session.flush()
            with path.open("rb") as fh:
                detected = detect_shape(fh, name)
                if detected.shape in ("users", "user_map"):
                    _import_members(session, org.id, run, detected, fh, name)
                else:
                    _import_buckets(session, org.id, run, detected, fh, name, progress, path)
            run.finished_at = utcnow()
            return ImportResult(
                name,
                "imported",
                run.kind,
                run.grouping,
                run.width,
                run.rows,
                run.buckets,
                run.first_day,
                run.last_day,
                run.id,
                run.message or "",
            )
    except ParseError as exc:
        raise ImportFailed(_what_is_wrong(exc, detected)) from exc
    except OperationalError as exc:
        if is_busy(exc):  # behind a long import or sync (SQLite): a message, nothing written
            raise ImportFailed(f"{name}: {busy_message()}") from exc
        raise


def _what_is_wrong(exc: ParseError, detected: Detected | None) -> str:
    """The file, where, and what was expected there; a `.json` file that is not JSON says so."""
    what = f"{exc.position}: expected {exc.expected}"
    if detected is not None and detected.shape == "csv" and exc.file_name.lower().endswith(".json"):
        what = f"not JSON (it does not start with {{ or [), and not a CSV export: {what}"
    return f"{exc.file_name}: {what}. Nothing was imported from this file."


def _import_members(
    session: Session, org_id: int, run: ImportRun, detected: Detected, fh: object, name: str
) -> None:
    members = list(iter_members(fh, detected.shape, name))  # type: ignore[arg-type]
    count = upsert_members(session, org_id, members, source="file")
    run.kind, run.rows = "users", count
    run.message = f"{name}: {count} users mapped to names and e-mails"


def _import_buckets(
    session: Session,
    org_id: int,
    run: ImportRun,
    detected: Detected,
    fh: object,
    name: str,
    progress: Progress | None,
    path: Path | None = None,
) -> None:
    writer = LedgerWriter(session, org_id, import_id=run.id)
    csv_reader: CsvReader | None = None
    if detected.shape == "csv":
        csv_reader = CsvReader(name)
        buckets = csv_reader.iter_buckets(fh, progress)  # type: ignore[arg-type]
    elif path is not None and _use_helper(path):
        buckets = iter_buckets_in_helper(str(path), detected.shape, name, progress)
    else:
        buckets = iter_buckets(fh, detected.shape, name, progress, rows=True)  # type: ignore[arg-type]
    pending: list[Bucket] = []
    key: RecordSetKey | None = None
    rs_id = 0
    emails: dict[str, str] = {}
    for index, bucket in enumerate(buckets):
        seconds = bucket.end - bucket.start
        if seconds not in BUCKET_SECONDS.values():
            raise ParseError(
                name, f"bucket {index} (start_time {bucket.start})", "a 1m, 1h or 1d bucket"
            )
        if key is None:
            if not bucket.rows:
                pending.append(bucket)
                continue
            grouping = (
                grouping_of_costs(bucket.costs)
                if bucket.is_costs
                # The first bucket with rows: every combination in it is new to the reader.
                else grouping_of_rows(bucket.usage_rows, bucket.new_dims)
                if isinstance(bucket, RowBucket)
                else grouping_of_usage(bucket.usage)
            )
            key = RecordSetKey(bucket.kind, width_for_seconds(seconds), grouping)
            rs_id = writer.record_set(key)
        elif width_for_seconds(seconds) != key.width:
            raise ParseError(
                name,
                f"bucket {index} (start_time {bucket.start})",
                f"{key.width} buckets like the rest of the file, found one of {seconds} s",
            )
        for early in pending:
            writer.write(rs_id, early)
        pending.clear()
        writer.write(rs_id, bucket)
        for record in bucket.costs:
            if record.user_id and record.user_email:
                emails[record.user_id] = record.user_email
    if key is None:
        raise ParseError(name, "whole file", "at least one result; every bucket is empty")
    summary = writer.finish()
    if emails:
        upsert_members(
            session, org_id, (Member(uid, email=e) for uid, e in emails.items()), source="file"
        )
    if csv_reader is not None:
        upsert_project_names(session, org_id, csv_reader.project_names)
    run.kind = COSTS if key.kind == COSTS else f"usage:{key.kind}"
    run.grouping = ",".join(key.grouping)
    run.width = key.width
    run.rows, run.buckets = summary.rows, summary.buckets
    run.first_day, run.last_day = summary.first_day, summary.last_day
    replaced = (
        f", {summary.replaced_buckets} replaced older copies" if summary.replaced_buckets else ""
    )
    run.message = (
        f"{name}: {summary.rows} {run.kind} rows in {summary.buckets} {key.width} buckets "
        f"({summary.first_day} to {summary.last_day}), grouped by "
        f"{', '.join(key.grouping) or 'nothing'}{replaced}"
    )


# Files at least this large are parsed in a helper process while this one writes (2+ cores).
HELPER_MIN_BYTES = 64 << 20


def _use_helper(path: Path) -> bool:
    return (os.cpu_count() or 1) > 1 and path.stat().st_size >= HELPER_MIN_BYTES


def import_history(session: Session, org: str | None = None, limit: int = 50) -> list[ImportRun]:
    query = select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)
    if org is not None:
        from usage_tracker.services.orgs.organizations import get_organization

        query = query.where(ImportRun.organization_id == get_organization(session, org).id)
    return list(session.scalars(query))
