"""What reports return: a query, a summary and breakdown rows, each with a JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from usage_tracker.domain.money import usd_string

DIMENSIONS = (
    "day",
    "week",
    "month",
    "user",
    "project",
    "model",
    "line_item",
    "api_key",
    "endpoint",
)
TIME_DIMENSIONS = ("day", "week", "month")
KEY_COLUMN = {
    "day": "date",
    "week": "week",
    "month": "month",
    "user": "user_id",
    "project": "project_id",
    "model": "model",
    "line_item": "line_item",
    "api_key": "api_key_id",
    "endpoint": "endpoint",
}
# Report metric → usage column it sums.
USAGE_SUMS = {
    "requests": "num_model_requests",
    "input_tokens": "input_tokens",
    "cached_input_tokens": "input_cached_tokens",
    "output_tokens": "output_tokens",
    "input_audio_tokens": "input_audio_tokens",
    "output_audio_tokens": "output_audio_tokens",
}


@dataclass(frozen=True)
class ReportQuery:
    """A date range (inclusive UTC days) with optional filters."""

    since: date
    until: date
    org: str | None = None
    project: str | None = None
    user: str | None = None
    model: str | None = None
    api_key: str | None = None
    endpoint: str | None = None

    def __post_init__(self) -> None:
        if self.until < self.since:
            raise ValueError(f"--until ({self.until}) is before --since ({self.since})")

    @property
    def days(self) -> int:
        return (self.until - self.since).days + 1


def filled_range(
    since: date | None, until: date | None, bounds: tuple[date, date] | None
) -> tuple[date, date]:
    """A report's range with a missing end filled in: from the first (to the last) day the
    ledger has data for (`bounds`, see `coverage.data_bounds`), or today on an empty ledger."""
    if since is not None and until is not None:
        return since, until
    first, last = bounds if bounds else (date.today(), date.today())
    return since or first, until or max(last, since or first)


def previous_period(q: ReportQuery) -> ReportQuery:
    """The period of equal length that ends the day before `q` starts."""
    until = q.since - timedelta(days=1)
    return replace(q, since=until - timedelta(days=q.days - 1), until=until)


@dataclass
class Metrics:
    cost_nanos: int | None = None
    requests: int = 0
    input_tokens: int = 0
    cached_input_tokens: int = 0
    output_tokens: int = 0
    input_audio_tokens: int = 0
    output_audio_tokens: int = 0
    # Estimated cost (usage × unit prices, services/reports/estimates.py); None when unknown.
    estimated_cost_nanos: int | None = None
    unpriced_models: list[str] = field(default_factory=list)

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens

    def add_cost(self, nanos: int) -> None:
        self.cost_nanos = (self.cost_nanos or 0) + int(nanos)

    def metrics_json(self) -> dict[str, Any]:
        return {
            "cost_usd": usd_string(self.cost_nanos),
            "requests": self.requests,
            "input_tokens": self.input_tokens,
            "cached_input_tokens": self.cached_input_tokens,
            "output_tokens": self.output_tokens,
            "input_audio_tokens": self.input_audio_tokens,
            "output_audio_tokens": self.output_audio_tokens,
            "total_tokens": self.total_tokens,
            "estimated_cost_usd": usd_string(self.estimated_cost_nanos),
            "unpriced_models": self.unpriced_models,
        }


@dataclass(frozen=True)
class ToolCount:
    """A tool endpoint's own count over the range: never part of model requests."""

    endpoint: str
    count: int
    unit: str  # calls | sessions | bytes
    combine: str  # "sum" over days, or "peak": the largest day (stored bytes)

    def to_json(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "count": self.count, "unit": self.unit,
                "over_days": self.combine}  # fmt: skip


@dataclass
class Summary(Metrics):
    since: date = date.min
    until: date = date.min
    active_users: int = 0
    projects: int = 0
    models: int = 0
    tools: list[ToolCount] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            **self.metrics_json(),
            "active_users": self.active_users,
            "projects": self.projects,
            "models": self.models,
            "tools": [t.to_json() for t in self.tools],
        }


@dataclass
class BreakdownRow(Metrics):
    key: str | None = None
    label: str | None = None
    share: float | None = None
    split: dict[str, int] = field(default_factory=dict)

    def cost_per_request_nanos(self) -> int | None:
        if self.cost_nanos is None or not self.requests:
            return None
        return self.cost_nanos // self.requests

    def cost_per_1k_tokens_nanos(self) -> int | None:
        """Cost per 1,000 tokens (input + output); None without both a cost and tokens."""
        if self.cost_nanos is None or not self.total_tokens:
            return None
        return self.cost_nanos * 1000 // self.total_tokens

    def to_json(self, by: str, split: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {KEY_COLUMN[by]: self.key}
        if by in ("user", "project", "api_key"):
            out["name"] = self.label
        out.update(self.metrics_json())
        out["share"] = None if self.share is None else round(self.share, 6)
        out["cost_per_request_usd"] = usd_string(self.cost_per_request_nanos())
        out["cost_per_1k_tokens_usd"] = usd_string(self.cost_per_1k_tokens_nanos())
        if split is not None:
            out["breakdown"] = [
                {KEY_COLUMN[split]: k, "cost_usd": usd_string(v)}
                for k, v in sorted(self.split.items(), key=lambda kv: -kv[1])
            ]
        return out
