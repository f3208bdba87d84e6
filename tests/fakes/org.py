"""The state behind the fake Admin API: one organization, mutable between calls."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

DAY = 86_400


def day_start(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


@dataclass
class FakeProject:
    id: str
    name: str
    created_at: int
    archived_at: int | None = None

    @property
    def status(self) -> str:
        return "archived" if self.archived_at else "active"


@dataclass
class FakeUser:
    id: str
    name: str
    email: str
    role: str  # owner | reader
    added_at: int


@dataclass
class FakeServiceAccount:
    id: str
    project_id: str
    name: str
    role: str  # owner | member
    created_at: int


@dataclass
class FakeProjectUser:
    user_id: str
    project_id: str
    role: str  # owner | member
    added_at: int


@dataclass
class FakeApiKey:
    id: str
    project_id: str
    name: str
    redacted_value: str
    created_at: int
    last_used_at: int | None
    owner_type: str  # user | service_account
    owner_id: str


@dataclass
class FakeRateLimit:
    id: str
    project_id: str
    model: str
    limits: dict[str, int]


@dataclass
class FakeSpendAlert:
    id: str
    project_id: str | None
    threshold_amount: int  # USD cents
    recipients: list[str]


@dataclass
class FakeInvite:
    id: str
    email: str
    role: str
    status: str
    created_at: int
    expires_at: int | None


@dataclass
class FakeAdminKey:
    id: str
    name: str
    redacted_value: str
    created_at: int
    owner_id: str
    owner_name: str
    last_used_at: int | None = None


@dataclass
class FakeAuditLog:
    id: str
    type: str
    effective_at: int
    actor_email: str
    actor_id: str = "user_audit"
    actor_type: str = "session"  # session | api_key (a user's key)
    ip_address: str | None = None  # sessions only
    api_key_id: str | None = None  # api_key actors only
    project_id: str | None = None
    project_name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)  # the body under the event's type


@dataclass
class UsageFact:
    """Usage at the finest grain: one moment, one combination of dimensions."""

    ts: int
    dims: dict[str, Any]
    metrics: dict[str, int]


@dataclass
class CostFact:
    """One day's cost for a project × API key × line item."""

    ts: int  # start of the UTC day
    project_id: str
    api_key_id: str
    line_item: str
    amount: Decimal
    quantity: Decimal | None = None
    quantity_unit: str | None = None


@dataclass
class FakeOrg:
    admin_key: str
    now: int
    projects: list[FakeProject] = field(default_factory=list)
    users: list[FakeUser] = field(default_factory=list)
    former_users: list[FakeUser] = field(default_factory=list)  # removed; may still own keys
    service_accounts: list[FakeServiceAccount] = field(default_factory=list)
    project_users: list[FakeProjectUser] = field(default_factory=list)
    api_keys: list[FakeApiKey] = field(default_factory=list)
    rate_limits: list[FakeRateLimit] = field(default_factory=list)
    org_rate_limits: dict[str, dict[str, int]] = field(default_factory=dict)
    org_spend_limit: int | None = None  # USD cents, monthly
    project_spend_limits: dict[str, int] = field(default_factory=dict)
    spend_alerts: list[FakeSpendAlert] = field(default_factory=list)
    invites: list[FakeInvite] = field(default_factory=list)
    admin_keys: list[FakeAdminKey] = field(default_factory=list)
    audit_logs: list[FakeAuditLog] = field(default_factory=list)
    usage: dict[str, list[UsageFact]] = field(default_factory=dict)
    costs: list[CostFact] = field(default_factory=list)

    # --- lookups ------------------------------------------------------------------------------

    def project(self, project_id: str) -> FakeProject | None:
        return next((p for p in self.projects if p.id == project_id), None)

    def user(self, user_id: str) -> FakeUser | None:
        return next((u for u in self.users if u.id == user_id), None)

    def key_owner(self, user_id: str) -> FakeUser | None:
        """A key's owning user, also when that user has since left the organization."""
        return self.user(user_id) or next((u for u in self.former_users if u.id == user_id), None)

    def service_account(self, account_id: str) -> FakeServiceAccount | None:
        return next((a for a in self.service_accounts if a.id == account_id), None)

    # --- changing the data (late-arriving buckets) --------------------------------------------

    def add_usage(self, endpoint: str, ts: int, dims: dict[str, Any], **metrics: int) -> None:
        self.usage.setdefault(endpoint, []).append(UsageFact(ts, dict(dims), dict(metrics)))

    def add_cost(
        self,
        day: date,
        project_id: str,
        api_key_id: str,
        line_item: str,
        amount: Decimal | str,
        quantity: Decimal | int | None = None,
        quantity_unit: str | None = None,
    ) -> None:
        qty = None if quantity is None else Decimal(quantity)
        self.costs.append(
            CostFact(
                day_start(day),
                project_id,
                api_key_id,
                line_item,
                Decimal(amount),
                qty,
                quantity_unit,
            )
        )

    def change_day(self, day: date, factor: Decimal | str | int) -> None:
        """Scale one UTC day's usage and costs, as when late data arrives for a recent day."""
        ratio = Decimal(factor)
        start = day_start(day)
        for facts in self.usage.values():
            for fact in facts:
                if start <= fact.ts < start + DAY:
                    fact.metrics = {
                        k: int((v * ratio).to_integral_value(ROUND_HALF_EVEN))
                        for k, v in fact.metrics.items()
                    }
        for cost in self.costs:
            if cost.ts == start:
                cost.amount = (cost.amount * ratio).quantize(Decimal("0.000001"), ROUND_HALF_EVEN)
                if cost.quantity is not None:
                    cost.quantity = (cost.quantity * ratio).to_integral_value(ROUND_HALF_EVEN)

    # --- expected answers, for tests ------------------------------------------------------------

    def total_cost(self, start: int, end: int) -> Decimal:
        return sum((c.amount for c in self.costs if start <= c.ts < end), Decimal(0))

    def total_usage(self, endpoint: str, metric: str, start: int, end: int) -> int:
        return sum(
            f.metrics.get(metric, 0) for f in self.usage.get(endpoint, []) if start <= f.ts < end
        )
