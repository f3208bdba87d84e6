"""Monthly showback per team (chargeback): each team's spend per calendar month (UTC), what no
team covers, and CSV/XLSX exports. Team spend counts each dollar once (see `teams`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.db.models import Budget, Organization
from usage_tracker.domain.money import usd_string
from usage_tracker.services.kit.exports import csv_text
from usage_tracker.services.kit.exports import to_xlsx as xlsx_bytes
from usage_tracker.services.reports.totals import summary
from usage_tracker.services.reports.types import ReportQuery
from usage_tracker.services.spend.budget_status import scope_spend
from usage_tracker.services.spend.teams import list_teams

FIELDS = ("month", "team", "cost_centre", "cost_usd", "share", "basis", "projects", "users", "keys")


@dataclass
class ShowbackRow:
    month: str
    team: str
    cost_centre: str | None
    cost_nanos: int | None
    share: float | None
    basis: str
    projects: int = 0
    users: int = 0
    keys: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "team": self.team,
            "cost_centre": self.cost_centre,
            "cost_usd": usd_string(self.cost_nanos),
            "share": None if self.share is None else round(self.share, 6),
            "basis": self.basis,
            "projects": self.projects,
            "users": self.users,
            "keys": self.keys,
        }


@dataclass
class Showback:
    org: str
    rows: list[ShowbackRow] = field(default_factory=list)

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.rows]


def months(first: date, last: date) -> list[date]:
    out, current = [], first.replace(day=1)
    while current <= last:
        out.append(current)
        current = (current + timedelta(days=32)).replace(day=1)
    return out


def showback(session: Session, org: Organization, first: date, last: date) -> Showback:
    """One row per month × team, then the month's unassigned remainder and org total."""
    result = Showback(org.slug)
    teams = list_teams(session, org)
    for month in months(first, last):
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        total = summary(session, ReportQuery(month, end, org=org.slug)).cost_nanos
        label = month.strftime("%Y-%m")
        assigned = 0
        for team in teams:
            probe = Budget(scope="team", scope_id=team.name, organization_id=org.id)
            spend = scope_spend(session, org, probe, month, end)
            nanos = sum(spend.daily.values())
            assigned += nanos
            result.rows.append(
                ShowbackRow(label, team.name, team.cost_centre, nanos,
                            nanos / total if total else None, spend.basis,
                            len(team.projects), len(team.users), len(team.keys))
            )  # fmt: skip
        if total is not None:
            rest = total - assigned
            result.rows.append(
                ShowbackRow(
                    label, "(unassigned)", None, rest, rest / total if total else None, "billed"
                )
            )
            result.rows.append(ShowbackRow(label, "(total)", None, total, 1.0, "billed"))
    return result


def to_csv(result: Showback) -> str:
    """CSV text (the one export writer: formula-safe names, amounts as numbers)."""
    return csv_text(result.to_json(), FIELDS, newline="\n")


def to_xlsx(result: Showback) -> bytes:
    """A workbook with one sheet; amounts are numbers shown as dollars."""
    title = f"Showback {result.org}"
    return xlsx_bytes(result.to_json(), FIELDS, title, money_columns=("cost_usd",))
