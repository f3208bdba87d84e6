"""What a bulk operation's page, its JSON twin and the CLI's `--format json` show.

    view = operation_progress(session, op, live=runner.is_alive(op.id))
    view.state       # running | interrupted | succeeded | partial | failed
    view.done        # items finished (succeeded, failed or skipped) of view.counts["total"]
    view.to_json()   # /api/v1/operations/{id}

An operation stored as pending or running that no thread of this process runs was interrupted
(the process stopped mid-run): it is shown so, never as running forever, and *resume* runs its
pending and failed items.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.db.models import BulkOperation, BulkOperationItem
from usage_tracker.services.governance.bulk_operations import counts, operation_items


@dataclass(frozen=True)
class OperationProgress:
    op: BulkOperation
    items: list[BulkOperationItem]
    counts: dict[str, int]
    live: bool  # a thread of this process is running it now

    @property
    def done(self) -> int:
        return self.counts["total"] - self.counts["pending"]

    @property
    def interrupted(self) -> bool:
        return not self.live and self.op.status in ("pending", "running")

    @property
    def state(self) -> str:
        return "running" if self.live else "interrupted" if self.interrupted else self.op.status

    @property
    def unfinished(self) -> int:
        """What a resume (or a retry) runs: the pending and the failed items."""
        return self.counts["pending"] + self.counts["failed"]

    @property
    def resumable(self) -> bool:
        return not self.live and (self.interrupted or self.counts["failed"] > 0)

    def to_json(self) -> dict[str, Any]:
        return _json(self.op, self.items) | {
            "state": self.state,
            "live": self.live,
            "done": self.done,
        }


def operation_progress(session: Session, op: BulkOperation, *, live: bool) -> OperationProgress:
    items = operation_items(session, op)
    return OperationProgress(op, items, counts(items), live)


def operation_json(session: Session, op: BulkOperation) -> dict[str, Any]:
    """The operation and every item's result, as `--format json` prints it."""
    return _json(op, operation_items(session, op))


def _json(op: BulkOperation, items: list[BulkOperationItem]) -> dict[str, Any]:
    return {
        "operation_id": op.id,
        "kind": op.kind,
        "summary": op.summary,
        "actor": op.actor,
        "status": op.status,
        "attempts": op.attempts,
        "created_at": op.created_at.isoformat() if op.created_at else None,
        "finished_at": op.finished_at.isoformat() if op.finished_at else None,
        "counts": counts(items),
        "items": [
            {
                "id": i.id,
                "project_id": i.project_id,
                "target_id": i.target_id,
                "label": i.label,
                "status": i.status,
                "change": i.change,
                "before": i.before,
                "after": i.after,
                "error": i.error,
                "request_id": i.request_id,
            }
            for i in items
        ],
    }
