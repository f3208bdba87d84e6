from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from usage_tracker.db.base import Base, UTCDateTime, utcnow
from usage_tracker.db.models.bulk_operation import BulkOperation
from usage_tracker.domain.enforcement import STEPS, action_status


class EnforcementAction(Base):
    """What a budget at 100 % did (or proposes to do) in a period, and how it was undone."""

    __tablename__ = "enforcement_actions"
    __table_args__ = (UniqueConstraint("budget_id", "period_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id", ondelete="CASCADE"))
    budget_id: Mapped[int] = mapped_column()
    period_start: Mapped[date] = mapped_column(Date)
    action: Mapped[str] = mapped_column(String(16))  # spend-limit | disable | revoke-keys
    targets: Mapped[Any] = mapped_column(JSON)  # project or key ids
    # proposed | applied | partial | failed | applying | restoring | restored | restore-failed |
    # irreversible: what was recorded; `status` derives an in-progress step from its operation.
    recorded_status: Mapped[str] = mapped_column("status", String(16), default="proposed")
    # The bulk operation carrying out the current step (disable, revoke keys, restore).
    operation_id: Mapped[int | None] = mapped_column(
        ForeignKey("bulk_operations.id", ondelete="SET NULL")
    )
    operation: Mapped[BulkOperation | None] = relationship(lazy="selectin")
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
    detail: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    recorded_applied_at: Mapped[datetime | None] = mapped_column("applied_at", UTCDateTime())
    recorded_restored_at: Mapped[datetime | None] = mapped_column("restored_at", UTCDateTime())

    def _ended(self) -> BulkOperation | None:
        """The operation carrying out the step the action is in, once it has ended."""
        op = self.operation
        if self.recorded_status not in STEPS or op is None or op.finished_at is None:
            return None
        return op

    @property
    def status(self) -> str:
        op = self._ended()
        return action_status(self.recorded_status, op.status if op else None)

    @status.setter
    def status(self, value: str) -> None:
        # What the ended step's operation said stays true after the action moves on.
        self.recorded_applied_at, self.recorded_restored_at = self.applied_at, self.restored_at
        self.recorded_status = value

    @property
    def applied_at(self) -> datetime | None:
        op = self._ended()
        return (
            op.finished_at
            if op and self.recorded_status == "applying"
            else (self.recorded_applied_at)
        )

    @applied_at.setter
    def applied_at(self, value: datetime | None) -> None:
        self.recorded_applied_at = value

    @property
    def restored_at(self) -> datetime | None:
        op = self._ended()
        return (
            op.finished_at
            if op and self.recorded_status == "restoring"
            else (self.recorded_restored_at)
        )

    @restored_at.setter
    def restored_at(self, value: datetime | None) -> None:
        self.recorded_restored_at = value
