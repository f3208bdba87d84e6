"""Ledger records: one normalised shape for everything the importer and the sync produce."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from usage_tracker.domain.endpoints import COSTS


@dataclass(slots=True)
class CostRecord:
    """One cost result: a daily amount for a project / line item / key / user grouping."""

    amount_nanos: int
    currency: str = "usd"
    project_id: str | None = None
    line_item: str | None = None
    api_key_id: str | None = None
    user_id: str | None = None
    user_email: str | None = None
    quantity: float | None = None
    quantity_unit: str | None = None


@dataclass(slots=True)
class UsageRecord:
    """One usage result of one endpoint; metrics keyed by the Admin API's field names."""

    endpoint: str
    metrics: dict[str, int]
    dims: dict[str, str | bool | None]


@dataclass(slots=True)
class Bucket:
    """A time bucket [start, end) of one record kind, with its results."""

    kind: str  # "costs" or a usage endpoint name
    start: int  # epoch seconds, UTC
    end: int
    costs: list[CostRecord] = field(default_factory=list)
    usage: list[UsageRecord] = field(default_factory=list)
    # Dimensions the results carry as a field even where its value is null: the Costs API has no
    # `user_id`, so a cost result with one comes from an export grouped by user.
    declared_dims: set[str] = field(default_factory=set)

    @property
    def width_seconds(self) -> int:
        return self.end - self.start

    @property
    def is_costs(self) -> bool:
        return self.kind == COSTS

    @property
    def rows(self) -> int:
        return len(self.costs) + len(self.usage)


@dataclass(frozen=True, slots=True)
class RecordSetKey:
    """What makes two sets of records views of the same spend, or not.

    Two record sets of the same kind are alternative views: totals read one of them per day,
    never their sum.
    """

    kind: str
    width: str
    grouping: tuple[str, ...]

    @property
    def label(self) -> str:
        dims = "+".join(self.grouping) or "total"
        return f"{self.kind}/{self.width}/{dims}"


@dataclass(slots=True)
class Member:
    """An OpenAI organization user, as known from a user-info file or the Admin API."""

    user_id: str
    name: str | None = None
    email: str | None = None
    role: str | None = None
    added_at: datetime | None = None


def utc_day(epoch_seconds: int) -> date:
    """The UTC calendar day an epoch timestamp falls on (never the server's local zone)."""
    return datetime.fromtimestamp(epoch_seconds, tz=UTC).date()


def utc_datetime(epoch_seconds: int) -> datetime:
    return datetime.fromtimestamp(epoch_seconds, tz=UTC)
