"""Running bulk changes through the Admin API: bounded concurrency, per-item results.

    op = bulk_operations.create_operation(session, org_id, "template.apply", actor, summary, items)
    run_operation(session, client, op)           # every pending item, at most 8 at a time
    retry_failed(session, client, op)            # only the items that failed
    run_operation(session, client, op, resume=True)  # pending and failed: after an interruption

The operation and its planned items are stored first (`bulk_operations`). Calls run in worker
threads (the SDK client is thread-safe); the database is written only by the calling thread, one
commit per finished item, so a page shows exactly what has happened so far. Every item's outcome
is written to the audit log with OpenAI's request id. One operation is never run by two threads
of a process at once (`AlreadyRunning`; `is_running` tells); the web runs operations in the
background with `bulk_runner`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from usage_tracker.db.base import utcnow
from usage_tracker.db.models import ApiKey, BulkOperation, BulkOperationItem, RateLimitSnapshot
from usage_tracker.db.queries import inventory, stored_rate_limits
from usage_tracker.db.queries.template_assignments import assign_template_id
from usage_tracker.openai_admin import AdminApiError
from usage_tracker.openai_admin.actions import delete_project_api_key_call, update_rate_limit_call
from usage_tracker.services.audit.log import record_audit
from usage_tracker.services.governance.bulk_operations import (
    DELETE_KEY,
    UPDATE,
    counts,
    operation_items,
)

if TYPE_CHECKING:
    from usage_tracker.openai_admin.client import AdminClient


DEFAULT_WORKERS = 8

# Told after each finished item: (items done, items in this run, the item). Set by `reporting`.
ItemProgress = Callable[[int, int, BulkOperationItem], None]
_progress: ContextVar[ItemProgress | None] = ContextVar("bulk_progress", default=None)


@contextmanager
def reporting(callback: ItemProgress) -> Iterator[None]:
    """Within the block, every bulk run reports each finished item to `callback` (a CLI's
    progress bar); the items are committed as they finish whether or not anyone listens."""
    token = _progress.set(callback)
    try:
        yield
    finally:
        _progress.reset(token)


# The operations a thread of this process is running now (a page shows them as running).
_running: set[int] = set()
_running_lock = threading.Lock()


class AlreadyRunning(RuntimeError):
    def __init__(self, operation_id: int) -> None:
        self.operation_id = operation_id
        super().__init__(
            f"operation {operation_id} is already running; its page shows the progress"
        )


def is_running(operation_id: int) -> bool:
    """Whether a thread of this process is running the operation now."""
    with _running_lock:
        return operation_id in _running


@contextmanager
def _claim(operation_id: int) -> Iterator[None]:
    with _running_lock:
        if operation_id in _running:
            raise AlreadyRunning(operation_id)
        _running.add(operation_id)
    try:
        yield
    finally:
        with _running_lock:
            _running.discard(operation_id)


@dataclass(frozen=True)
class _Call:
    item_id: int
    action: str
    project_id: str
    target_id: str
    change: dict[str, int]


@dataclass(frozen=True)
class _Outcome:
    status: str
    after: Any = None
    request_id: str | None = None
    error: str | None = None
    http_status: int | None = None


def _call(client: AdminClient, call: _Call, refused_is_skip: bool) -> _Outcome:
    try:
        if call.action == UPDATE:
            limit, request_id = update_rate_limit_call(
                client, call.project_id, call.target_id, **call.change
            )
            return _Outcome("succeeded", stored_rate_limits.limit_json(limit), request_id)
        if call.action == DELETE_KEY:
            deleted, request_id = delete_project_api_key_call(
                client, call.project_id, call.target_id
            )
            if not deleted:
                return _Outcome("failed", None, request_id, "the API did not confirm the deletion")
            return _Outcome("succeeded", {"deleted": True}, request_id)
        return _Outcome("failed", error=f"unknown action {call.action}")
    except AdminApiError as exc:
        skipped = refused_is_skip and exc.status == 400
        text = f"cannot be edited: {exc}" if skipped else str(exc)
        return _Outcome("skipped" if skipped else "failed", None, exc.request_id, text, exc.status)
    except Exception as exc:  # a bug must show as a failed item, never as a silent success
        return _Outcome("failed", error=f"{type(exc).__name__}: {exc}")


def _after_success(session: Session, op: BulkOperation, item: BulkOperationItem) -> None:
    if item.action == UPDATE and isinstance(item.after, dict):
        stored_rate_limits.store_limit_json(
            session, op.organization_id, item.project_id, item.after
        )
    elif item.action == DELETE_KEY:
        inventory.forget_key(session, op.organization_id, item.target_id)
        session.execute(
            delete(ApiKey).where(
                ApiKey.organization_id == op.organization_id, ApiKey.key_id == item.target_id
            )
        )


def run_operation(
    session: Session,
    client: AdminClient,
    op: BulkOperation,
    *,
    only_failed: bool = False,
    resume: bool = False,
    max_workers: int = DEFAULT_WORKERS,
) -> BulkOperation:
    """Run the pending items (`only_failed`: the failed ones; `resume`: both — what an
    interrupted run left); returns `op` updated. The items to run are pending until done.
    Raises AlreadyRunning when another thread of this process is running `op` now."""
    wanted = ("failed",) if only_failed else ("pending", "failed") if resume else ("pending",)
    with _claim(op.id):
        todo = [i for i in operation_items(session, op) if i.status in wanted]
        for item in todo:
            item.status = "pending"
        refused_is_skip = bool(op.params.get("refused_is_skip"))
        op.status = "running"
        op.attempts += 1
        session.commit()
        calls = [_Call(i.id, i.action, i.project_id, i.target_id, dict(i.change)) for i in todo]
        by_id = {i.id: i for i in todo}
        with ThreadPoolExecutor(max_workers=max(1, max_workers)) as pool:
            futures = {pool.submit(_call, client, c, refused_is_skip): c.item_id for c in calls}
            report = _progress.get()
            try:
                for done, future in enumerate(as_completed(futures), start=1):
                    item = by_id[futures[future]]
                    _record(session, op, item, future.result())
                    session.commit()
                    if report is not None:
                        report(done, len(todo), item)
            except BaseException:
                pool.shutdown(cancel_futures=True)  # calls not yet made are not made
                raise
        _finish(session, op)
    return op


def retry_failed(
    session: Session,
    client: AdminClient,
    op: BulkOperation,
    *,
    max_workers: int = DEFAULT_WORKERS,
) -> BulkOperation:
    """Run again only the items that failed; succeeded and skipped items are left alone."""
    return run_operation(session, client, op, only_failed=True, max_workers=max_workers)


def fail_unfinished(session: Session, op: BulkOperation, error: str) -> BulkOperation:
    """After an exception outside the items' own calls (the key was removed, the database
    failed): every item still pending fails with `error`, audited like any failed item, and the
    operation ends — it is never left `running` with nothing running it."""
    for item in operation_items(session, op):
        if item.status == "pending":
            _record(session, op, item, _Outcome("failed", error=error))
    session.commit()
    _finish(session, op)
    return op


def _record(session: Session, op: BulkOperation, item: BulkOperationItem, out: _Outcome) -> None:
    item.status = out.status
    item.after = out.after
    item.request_id = out.request_id
    item.error = out.error
    item.attempts += 1
    if out.status == "succeeded":
        _after_success(session, op, item)
    target_type = "rate_limit" if item.action == UPDATE else "api_key"
    record_audit(
        session,
        organization_id=op.organization_id,
        actor=op.actor,
        action=item.action,
        target_type=target_type,
        target_id=f"{item.project_id}/{item.target_id}",
        before=item.before,
        after=out.after if out.status == "succeeded" else item.change or None,
        result={"succeeded": "ok", "failed": "failed", "skipped": "skipped"}[out.status],
        request_id=out.request_id,
        detail=f"{op.summary} (operation {op.id}, {item.label})"
        + (f": {out.error}" if out.error else ""),
        operation_id=op.id,
    )


def _finish(session: Session, op: BulkOperation) -> None:
    items = operation_items(session, op)
    n = counts(items)
    if n["failed"] == 0:
        op.status = "succeeded"
    else:
        op.status = "partial" if n["succeeded"] or n["skipped"] else "failed"
    op.finished_at = utcnow()
    if op.status == "succeeded":
        _on_complete(session, op, items)
    target_type, target_id = op.params.get("target", ("bulk_operation", str(op.id)))
    record_audit(
        session,
        organization_id=op.organization_id,
        actor=op.actor,
        action=op.kind,
        target_type=target_type,
        target_id=target_id,
        before=None,
        after={k: v for k, v in n.items() if k != "pending"},
        result="ok" if op.status == "succeeded" else "failed",
        detail=f"{op.summary} (operation {op.id}, attempt {op.attempts}): {op.status}",
        operation_id=op.id,
    )
    session.commit()


def _on_complete(session: Session, op: BulkOperation, items: list[BulkOperationItem]) -> None:
    """What a fully successful operation settles: a restored snapshot, an assigned template."""

    snapshot_id = op.params.get("snapshot_id")
    if op.kind == "project.restore" and snapshot_id is not None:
        snapshot = session.get(RateLimitSnapshot, snapshot_id)
        if snapshot is not None and snapshot.restored_at is None:
            snapshot.restored_at = utcnow()
    template_id = op.params.get("template_id")
    if op.kind == "template.apply" and template_id is not None:
        for project_id in op.params.get("projects", []):
            assign_template_id(session, op.organization_id, project_id, template_id)
