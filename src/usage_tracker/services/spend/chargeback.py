"""Monthly showback per team (chargeback): each team's spend per calendar month (UTC), what no
team covers, and CSV/XLSX exports. Team spend counts each dollar once (see `teams`)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.db.models import Budget, Organization
from usage_tracker.domain.money import from_nanos, usd_string
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
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(result.to_json())
    return buf.getvalue()


def to_xlsx(result: Showback) -> bytes:
    """A workbook with one sheet; amounts are numbers formatted as dollars."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"Showback {result.org}"[:31]
    sheet.append(list(FIELDS))
    for row in result.rows:
        cost = float(from_nanos(row.cost_nanos)) if row.cost_nanos is not None else None
        sheet.append([row.month, row.team, row.cost_centre, cost, row.share, row.basis,
                      row.projects, row.users, row.keys])  # fmt: skip
    for cell in sheet["D"][1:]:
        cell.number_format = "$#,##0.00"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
