"""A budget's state now: its period, spend, status band, forecast and the basis of its spend.

Spend is read from the ledger's daily rollups (`reports.breakdown(by="day")`) over the UTC days
the budget's period maps to (see `domain.periods`). Organization, project and key budgets use
billed cost; user budgets use billed cost when a user-grouped cost export answers, else the
estimated cost (usage × prices); team budgets add their members' slices (`teams.team_terms`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.db.models import Budget, Organization
from usage_tracker.domain.budgets import (
    budget_status,
    parse_thresholds,
    percent_used,
    rollover_nanos,
)
from usage_tracker.domain.forecast import DEFAULT_WINDOW, forecast
from usage_tracker.domain.money import usd_string
from usage_tracker.domain.periods import Period, period_containing
from usage_tracker.services.ledger.scope_names import name_of
from usage_tracker.services.reports.coverage import data_bounds
from usage_tracker.services.reports.estimates import estimate_by
from usage_tracker.services.reports.totals import breakdown
from usage_tracker.services.reports.types import ReportQuery
from usage_tracker.services.spend.teams import Term, team_info, team_terms

_FILTER = {"project": "project", "user": "user", "key": "api_key"}


@dataclass
class Spend:
    daily: dict[date, int] = field(default_factory=dict)
    basis: str = "billed"  # billed | estimated | allocated | unavailable


@dataclass
class BudgetState:
    budget: Budget
    org: str
    period: Period
    utc_since: date
    utc_until: date
    base_nanos: int
    rollover_nanos: int
    spent_nanos: int
    forecast_nanos: int
    runs_out_on: date | None
    spend_basis: str
    observed_until: date | None
    daily: list[tuple[date, int, bool]] = field(default_factory=list)
    name: str | None = None  # the project's, user's, key's or org's name; None when unnamed

    @property
    def label(self) -> str:
        return self.name or self.budget.scope_id

    @property
    def budget_nanos(self) -> int:
        return self.base_nanos + self.rollover_nanos

    @property
    def status(self) -> str:
        return budget_status(self.spent_nanos, self.budget_nanos)

    @property
    def percent(self) -> float:
        return float(percent_used(self.spent_nanos, self.budget_nanos))

    @property
    def over_nanos(self) -> int:
        return max(0, self.spent_nanos - self.budget_nanos)

    @property
    def at_risk(self) -> bool:
        """Not over yet, but forecast to go over within the period."""
        return self.status != "over" and self.runs_out_on is not None

    def to_json(self) -> dict[str, Any]:
        b = self.budget
        return {
            "scope": b.scope,
            "id": b.scope_id,
            "name": self.name,
            "period_start": self.period.start.isoformat(),
            "period_end": self.period.end.isoformat(),
            "budget_usd": usd_string(self.budget_nanos),
            "spent_usd": usd_string(self.spent_nanos),
            "percent": self.percent,
            "status": self.status,
            "forecast_usd": usd_string(self.forecast_nanos),
            "runs_out_on": self.runs_out_on.isoformat() if self.runs_out_on else None,
            "spend_basis": self.spend_basis,
            "over_usd": usd_string(self.over_nanos),
            "budget_id": b.id,
            "org": self.org,
            "period": b.period,
            "timezone": b.timezone,
            "utc_days": [self.utc_since.isoformat(), self.utc_until.isoformat()],
            "base_usd": usd_string(self.base_nanos),
            "rollover_usd": usd_string(self.rollover_nanos),
            "thresholds": list(parse_thresholds(b.thresholds)),
            "enforce": b.enforce,
            "data_until": self.observed_until.isoformat() if self.observed_until else None,
        }

    def burn_json(self) -> dict[str, Any]:
        """Cumulative actual and projected spend per day against the budget line (for charts)."""
        total, points = 0, []
        for day, nanos, projected in self.daily:
            total += nanos
            points.append(
                {"day": day.isoformat(), "usd": usd_string(total), "projected": projected}
            )
        return {"budget_usd": usd_string(self.budget_nanos), "points": points}


def scope_terms(session: Session, org: Organization, budget: Budget) -> list[Term]:
    if budget.scope == "org":
        return [Term(1)]
    if budget.scope == "team":
        return team_terms(session, org, team_info(session, org, budget.scope_id))
    return [Term(1, **{_FILTER[budget.scope]: budget.scope_id})]


def _term_daily(
    session: Session, slug: str, term: Term, since: date, until: date
) -> tuple[dict[date, int], str]:
    """Billed cost per day where the ledger has it for this slice, else the estimate."""
    q = ReportQuery(
        since, until, org=slug, project=term.project, user=term.user, api_key=term.api_key
    )
    rows = breakdown(session, q, "day")
    if any(r.cost_nanos is not None for r in rows):
        billed = {date.fromisoformat(r.key): r.cost_nanos or 0 for r in rows if r.key}
        return billed, "billed"
    estimated: dict[date, int] = {}
    for key, estimate in estimate_by(session, q, ["day"]).items():
        if estimate.value is not None and key[0] is not None:
            day = key[0] if isinstance(key[0], date) else date.fromisoformat(str(key[0]))
            estimated[day] = estimated.get(day, 0) + estimate.value
    if estimated:
        return estimated, "estimated"
    return {}, "billed" if not rows else "unavailable"


def scope_spend(
    session: Session, org: Organization, budget: Budget, since: date, until: date
) -> Spend:
    """Daily spend of the budget's scope over UTC days `since`..`until`."""
    spend = Spend()
    bases = set()
    for term in scope_terms(session, org, budget):
        daily, basis = _term_daily(session, org.slug, term, since, until)
        bases.add(basis)
        for day, nanos in daily.items():
            spend.daily[day] = spend.daily.get(day, 0) + term.sign * nanos
    if budget.scope == "team":
        spend.basis = "allocated"
    elif bases == {"billed"} or not bases:
        spend.basis = "billed"
    else:
        spend.basis = sorted(bases - {"billed"})[0]
    return spend


def evaluate_budget(
    session: Session, org: Organization, budget: Budget, now: datetime | None = None
) -> BudgetState:
    """The budget's period containing `now`, its spend so far and the forecast to period end."""
    now = now or datetime.now(UTC)
    period = period_containing(budget.period, now, budget.timezone)
    first, last = period.utc_days()
    bounds = data_bounds(session, org.slug)
    observed = min(now.astimezone(UTC).date(), bounds[1]) if bounds else None
    history_start = first - timedelta(days=DEFAULT_WINDOW)
    until = max(min(last, observed or history_start), history_start)
    spend = scope_spend(session, org, budget, history_start, until)
    carried = 0
    if budget.rollover and budget.created_at < period.start_at:
        previous = period.previous()
        p_first, p_last = previous.utc_days()
        before = scope_spend(session, org, budget, p_first, p_last)
        carried = rollover_nanos(budget.amount_nanos, sum(before.daily.values()))
    total = budget.amount_nanos + carried
    result = forecast(
        spend.daily,
        start=first,
        end=last,
        observed_until=observed or first - timedelta(days=1),
        budget_nanos=total,
    )
    return BudgetState(
        budget=budget,
        org=org.slug,
        period=period,
        utc_since=first,
        utc_until=last,
        base_nanos=budget.amount_nanos,
        rollover_nanos=carried,
        spent_nanos=result.spent_nanos,
        forecast_nanos=result.projected_nanos,
        runs_out_on=result.runs_out_on,
        spend_basis=spend.basis,
        observed_until=observed,
        daily=result.daily,
        name=name_of(session, org.id, budget.scope, budget.scope_id, ledger=False).name,
    )
