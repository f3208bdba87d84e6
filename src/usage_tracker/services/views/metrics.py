"""Prometheus metrics: spend and tokens, budgets, sync freshness — read from the database only.

Spend and tokens are month-to-date (the current calendar month in UTC, through today) per
organization, per project and per model, from the report services' rollups. Budgets are
evaluated as `budgets check` does (without sending anything). Sync freshness is the time since
the organization's last sync run that finished with status `ok`.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import Organization, SyncRun
from usage_tracker.domain.budgets import STATUSES
from usage_tracker.services.reports.coverage import available_dimensions
from usage_tracker.services.reports.totals import breakdown, summary
from usage_tracker.services.reports.types import Metrics, ReportQuery
from usage_tracker.services.spend.budget_status import BudgetState, evaluate_budget
from usage_tracker.services.spend.budgets import list_budgets

NANOS = 1_000_000_000
PREFIX = "usage_tracker"
TOKEN_KINDS = ("input", "cached_input", "output")
BUDGET_LABELS = ["organization", "scope", "id", "period"]


@dataclass
class Snapshot:
    """Everything one scrape reports, gathered before any metric is written."""

    now: datetime
    orgs: list[tuple[str, Metrics]]
    projects: list[tuple[str, str, Metrics]]
    models: list[tuple[str, str, Metrics]]
    budgets: list[BudgetState]
    last_sync: dict[str, datetime]


def _tokens(m: Metrics) -> dict[str, int]:
    return {
        "input": m.input_tokens,
        "cached_input": m.cached_input_tokens,
        "output": m.output_tokens,
    }


def snapshot(session: Session, now: datetime | None = None) -> Snapshot:
    now = now or datetime.now(UTC)
    today = now.astimezone(UTC).date()
    q_start = today.replace(day=1)
    snap = Snapshot(now, [], [], [], [], {})
    for org in session.scalars(select(Organization).order_by(Organization.slug)):
        q = ReportQuery(q_start, today, org=org.slug)
        snap.orgs.append((org.slug, summary(session, q)))
        dims = available_dimensions(session, org.slug)
        if "project" in dims:
            snap.projects += [(org.slug, r.key or "", r) for r in breakdown(session, q, "project")]
        if "model" in dims:
            snap.models += [(org.slug, r.key or "", r) for r in breakdown(session, q, "model")]
    for budget, _slug in list_budgets(session):
        org_row = session.get(Organization, budget.organization_id)
        assert org_row is not None
        snap.budgets.append(evaluate_budget(session, org_row, budget, now))
    finished = (
        select(Organization.slug, func.max(SyncRun.finished_at))
        .join(Organization, Organization.id == SyncRun.organization_id)
        .where(SyncRun.status == "ok", SyncRun.finished_at.is_not(None))
        .group_by(Organization.slug)
    )
    for slug, at in session.execute(finished):
        if at is not None:
            snap.last_sync[slug] = at if at.tzinfo else at.replace(tzinfo=UTC)
    return snap


def _gauge(name: str, doc: str, labels: list[str]) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{PREFIX}_{name}", doc, labels=labels)


class SnapshotCollector(Collector):
    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap

    def collect(self) -> Iterator[GaugeMetricFamily]:
        yield from self._spend("", ["organization"], [((s,), m) for s, m in self.snap.orgs])
        rows = [((s, k), m) for s, k, m in self.snap.projects]
        yield from self._spend("project_", ["organization", "project"], rows)
        rows = [((s, k), m) for s, k, m in self.snap.models]
        yield from self._spend("model_", ["organization", "model"], rows)
        yield from self._budgets()
        yield from self._sync()

    def _spend(
        self, prefix: str, labels: list[str], rows: Sequence[tuple[tuple[str, ...], Metrics]]
    ) -> Iterator[GaugeMetricFamily]:
        what = prefix.rstrip("_") or "organization"
        cost = _gauge(
            f"{prefix}month_to_date_cost_usd",
            f"Billed cost per {what}, this calendar month (UTC) so far, in USD.",
            labels,
        )
        tokens = _gauge(
            f"{prefix}month_to_date_tokens",
            f"Tokens per {what} and kind (input includes cached input), this month (UTC).",
            [*labels, "kind"],
        )
        requests = _gauge(
            f"{prefix}month_to_date_requests",
            f"Model requests per {what}, this calendar month (UTC) so far.",
            labels,
        )
        for key, m in rows:
            if m.cost_nanos is not None:
                cost.add_metric(list(key), m.cost_nanos / NANOS)
            for kind, n in _tokens(m).items():
                tokens.add_metric([*key, kind], n)
            requests.add_metric(list(key), m.requests)
        yield from (cost, tokens, requests)

    def _budgets(self) -> Iterator[GaugeMetricFamily]:
        docs = {
            "budget_amount_usd": "The budget for the current period (with rollover), in USD.",
            "budget_spent_usd": "Spent in the budget's current period, in USD.",
            "budget_utilisation_ratio": "Spent divided by the budget (1 = fully used).",
            "budget_forecast_usd": "Forecast spend by the end of the period, in USD.",
            "budget_forecast_ratio": "Forecast spend divided by the budget.",
        }
        families = {name: _gauge(name, doc, BUDGET_LABELS) for name, doc in docs.items()}
        status = _gauge(
            "budget_status",
            "1 for the budget's current status band, else 0.",
            [*BUDGET_LABELS, "status"],
        )
        runs_out = _gauge(
            "budget_runs_out_timestamp_seconds",
            "When the budget runs out at the current pace (Unix time, start of that UTC day).",
            BUDGET_LABELS,
        )
        for s in self.snap.budgets:
            b = s.budget
            key = [s.org, b.scope, b.scope_id, b.period]
            total = s.budget_nanos
            values = {
                "budget_amount_usd": total / NANOS,
                "budget_spent_usd": s.spent_nanos / NANOS,
                "budget_utilisation_ratio": s.spent_nanos / total if total else 0.0,
                "budget_forecast_usd": s.forecast_nanos / NANOS,
                "budget_forecast_ratio": s.forecast_nanos / total if total else 0.0,
            }
            for name, value in values.items():
                families[name].add_metric(key, value)
            for band in STATUSES:
                status.add_metric([*key, band], 1.0 if s.status == band else 0.0)
            if s.runs_out_on is not None:
                at = datetime(
                    s.runs_out_on.year, s.runs_out_on.month, s.runs_out_on.day, tzinfo=UTC
                )
                runs_out.add_metric(key, at.timestamp())
        yield from families.values()
        yield from (status, runs_out)

    def _sync(self) -> Iterator[GaugeMetricFamily]:
        at = _gauge(
            "last_successful_sync_timestamp_seconds",
            "When the organization's last sync with status ok finished (Unix time).",
            ["organization"],
        )
        age = _gauge(
            "seconds_since_last_successful_sync",
            "Seconds since the organization's last sync with status ok finished.",
            ["organization"],
        )
        for slug, finished in sorted(self.snap.last_sync.items()):
            at.add_metric([slug], finished.timestamp())
            age.add_metric([slug], max(0.0, (self.snap.now - finished).total_seconds()))
        yield from (at, age)


def exposition(session: Session, now: datetime | None = None) -> bytes:
    """The Prometheus text exposition (version 0.0.4) of the current state."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(SnapshotCollector(snapshot(session, now)))
    return generate_latest(registry)
