"""Import exported files into the ledger: one file, one transaction, all or nothing.

Which grouping answers which question (see docs/importing.md): a costs export grouped by project
and line item answers "what did we spend, where and on which model" and matches the invoice; one
grouped by user adds "who"; one grouped by API key adds "which key". They are views of the same
money: totals read one per day, never their sum.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.base import utcnow
from usage_tracker.db.engine import busy_message, is_busy, transaction
from usage_tracker.db.models import ImportRun
from usage_tracker.domain.endpoints import BUCKET_SECONDS, COSTS, width_for_seconds
from usage_tracker.domain.records import Bucket, Member, RecordSetKey
from usage_tracker.ingest.bom import open_export
from usage_tracker.ingest.csv_export import CsvReader
from usage_tracker.ingest.detect import Detected, detect_shape
from usage_tracker.ingest.errors import ParseError
from usage_tracker.ingest.helper import iter_buckets_in_helper
from usage_tracker.ingest.json_stream import iter_buckets
from usage_tracker.ingest.results import dims_beyond
from usage_tracker.ingest.users import iter_members
from usage_tracker.services.ledger.names import upsert_members, upsert_project_names
from usage_tracker.services.ledger.writer import LedgerWriter, WriteSummary
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
    """Import one file; a file already imported into this organization is a no-op.

    The record set's grouping is every dimension the whole file has values for. It is read off
    the first bucket with rows; a later bucket with values in more dimensions (a user-grouped
    export whose first days are service-account rows) rolls the first attempt back and imports
    the file again with the whole file's grouping, so no file is ever split across record sets.
    """
    name = file_name or path.name
    if not path.is_file():
        raise ImportFailed(
            f"{name}: {'a directory, not a file' if path.is_dir() else 'no such file'}"
        )
    sha = file_sha256(path)
    try:
        return _import_once(session_factory, org_slug, path, name, sha, progress, ())
    except _Regroup as regroup:
        return _import_once(session_factory, org_slug, path, name, sha, progress, regroup.grouping)


def _import_once(
    session_factory: sessionmaker[Session],
    org_slug: str,
    path: Path,
    name: str,
    sha: str,
    progress: Progress | None,
    grouping: tuple[str, ...],
) -> ImportResult:
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
                return _duplicate(name, previous)
            run = ImportRun(organization_id=org.id, file_name=name, sha256=sha, kind="unknown")
            session.add(run)
            session.flush()
            with open_export(path) as fh:
                detected = detect_shape(fh, name)
                if detected.shape in ("users", "user_map"):
                    _import_members(session, org.id, run, detected, fh, name)
                else:
                    _import_buckets(
                        session, org.id, run, detected, fh, name, progress, path, grouping
                    )
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


def _duplicate(name: str, previous: ImportRun) -> ImportResult:
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


class _Regroup(Exception):
    """The file has values in dimensions its first buckets lacked: import again, so grouped."""

    def __init__(self, grouping: tuple[str, ...]) -> None:
        super().__init__(grouping)
        self.grouping = grouping


def _import_buckets(
    session: Session,
    org_id: int,
    run: ImportRun,
    detected: Detected,
    fh: object,
    name: str,
    progress: Progress | None,
    path: Path | None = None,
    grouping: tuple[str, ...] = (),
) -> None:
    """Write the file's buckets into one record set, grouped by every dimension the whole file
    has values for (`grouping` holds what an earlier pass found; see `_Regroup`)."""
    writer = LedgerWriter(session, org_id, import_id=run.id)
    csv_reader = CsvReader(name) if detected.shape == "csv" else None
    buckets = _buckets(detected, fh, name, progress, path, csv_reader)
    pending: list[Bucket] = []
    key: RecordSetKey | None = None
    rs_id = 0
    emails: dict[str, str] = {}
    for index, bucket in enumerate(buckets):
        width = _checked_width(bucket, index, name, key)
        if not bucket.rows and bucket.start % BUCKET_SECONDS[width]:
            continue  # an empty bucket off the UTC grid holds nothing to count
        if key is None:
            if not bucket.rows:
                pending.append(bucket)
                continue
            found = tuple(sorted({*grouping, *dims_beyond(bucket, ())}))
            key = RecordSetKey(bucket.kind, width, found)
            rs_id = writer.record_set(key)
        _check_aligned(bucket, index, name, width)
        extra = dims_beyond(bucket, key.grouping)
        if extra:
            raise _Regroup(_whole_file_grouping({*key.grouping, *extra}, buckets))
        for early in pending:
            writer.write(rs_id, early)
        pending.clear()
        writer.write(rs_id, bucket)
        for record in bucket.costs:
            if record.user_id and record.user_email:
                emails[record.user_id] = record.user_email
        emails.update(getattr(bucket, "emails", None) or ())  # a row bucket's
    if key is None:
        raise ParseError(name, "whole file", "at least one result; every bucket is empty")
    summary = writer.finish()
    if emails:
        upsert_members(
            session, org_id, (Member(uid, email=e) for uid, e in emails.items()), source="file"
        )
    if csv_reader is not None:
        upsert_project_names(session, org_id, csv_reader.project_names)
    _describe(run, name, key, summary)


def _buckets(
    detected: Detected,
    fh: object,
    name: str,
    progress: Progress | None,
    path: Path | None,
    csv_reader: CsvReader | None,
) -> Iterator[Bucket]:
    if csv_reader is not None:
        return csv_reader.iter_buckets(fh, progress)  # type: ignore[arg-type]
    if path is not None and _use_helper(path):
        return iter_buckets_in_helper(str(path), detected.shape, name, progress)
    return iter_buckets(fh, detected.shape, name, progress, rows=True)  # type: ignore[arg-type]


def _checked_width(bucket: Bucket, index: int, name: str, key: RecordSetKey | None) -> str:
    """The bucket's width; one of 1m, 1h, 1d and the same for the whole file."""
    seconds = bucket.end - bucket.start
    where = f"bucket {index} (start_time {bucket.start})"
    if seconds not in BUCKET_SECONDS.values():
        raise ParseError(name, where, "a 1m, 1h or 1d bucket")
    width = width_for_seconds(seconds)
    if key is not None and width != key.width:
        raise ParseError(
            name, where, f"{key.width} buckets like the rest of the file, found one of {seconds} s"
        )
    return width


def _check_aligned(bucket: Bucket, index: int, name: str, width: str) -> None:
    """Buckets start on the UTC grid of their width, or the file is refused: the amounts of a
    day in another time zone cannot be split exactly between two UTC days."""
    seconds = BUCKET_SECONDS[width]
    if bucket.start % seconds == 0:
        return
    moment = datetime.fromtimestamp(bucket.start, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    grid = "00:00 UTC" if width == "1d" else f"a whole {'hour' if width == '1h' else 'minute'}"
    raise ParseError(
        name,
        f"bucket {index} (start_time {bucket.start} = {moment})",
        f"{width} buckets that start at {grid}; this one does not (an export in a local time "
        "zone?), and its amounts cannot be split exactly between UTC days. Export again with "
        "the time zone set to UTC, or with hourly buckets (bucket_width=1h)",
    )


def _whole_file_grouping(grouping: set[str], rest: Iterable[Bucket]) -> tuple[str, ...]:
    """`grouping` and every dimension the buckets still to come have values for."""
    for bucket in rest:
        grouping |= dims_beyond(bucket, tuple(grouping))
    return tuple(sorted(grouping))


def _describe(run: ImportRun, name: str, key: RecordSetKey, summary: WriteSummary) -> None:
    run.kind = COSTS if key.kind == COSTS else f"usage:{key.kind}"
    run.grouping = ",".join(key.grouping)
    run.width = key.width
    run.rows, run.buckets = summary.rows, summary.buckets
    run.first_day, run.last_day = summary.first_day, summary.last_day
    replaced = (
        f", {summary.replaced_buckets} replaced older copies" if summary.replaced_buckets else ""
    )
    if summary.superseded_days:
        replaced += (
            f", {summary.superseded_days} days of older exports grouped otherwise disagreed "
            "with it and were replaced"
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
