"""Anomaly scan: a project's, key's or model's daily billed cost far above its own baseline.

Looks at the last complete UTC day with data and the 28 days before it (see `domain.anomaly`
for the statistic and the noise filters). Each finding is an alert keyed by organization,
dimension, id and day, so it is sent once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.domain.anomaly import DEFAULT_WINDOW, Anomaly, scan
from usage_tracker.domain.money import format_usd, usd_string
from usage_tracker.services.reports.coverage import data_bounds
from usage_tracker.services.reports.totals import breakdown
from usage_tracker.services.reports.types import ReportQuery

DIMENSIONS = ("project", "api_key", "model")


@dataclass(frozen=True)
class Finding:
    org: str
    dimension: str
    key: str
    anomaly: Anomaly

    @property
    def dedup_key(self) -> str:
        return f"anomaly:{self.org}:{self.dimension}:{self.key}:{self.anomaly.day.isoformat()}"

    def subject(self) -> str:
        a = self.anomaly
        return (
            f"Spend anomaly: {self.dimension} {self.key} spent {format_usd(a.spent_nanos)} "
            f"on {a.day} (usually {format_usd(a.baseline_nanos)})"
        )

    def to_json(self) -> dict[str, Any]:
        a = self.anomaly
        return {
            "kind": "anomaly",
            "org": self.org,
            "dimension": self.dimension,
            "id": self.key,
            "day": a.day.isoformat(),
            "spent_usd": usd_string(a.spent_nanos),
            "baseline_usd": usd_string(a.baseline_nanos),
            "score": a.score,
        }


def daily_by(
    session: Session, org: str, dimension: str, since: date, until: date
) -> dict[str, dict[date, int]]:
    """{key: {day: nanos}} of billed cost per day for each value of `dimension`."""
    out: dict[str, dict[date, int]] = {}
    rows = breakdown(session, ReportQuery(since, until, org=org), "day", split=dimension)
    for row in rows:
        if not row.key:
            continue
        day = date.fromisoformat(row.key)
        for key, nanos in row.split.items():
            if key != "(none)" and nanos:
                out.setdefault(key, {})[day] = nanos
    return out


def scan_organization(session: Session, org: str, today: date, *, min_nanos: int) -> list[Finding]:
    bounds = data_bounds(session, org)
    if bounds is None:
        return []
    day = min(today - timedelta(days=1), bounds[1])
    since = day - timedelta(days=DEFAULT_WINDOW)
    findings = []
    for dimension in DIMENSIONS:
        try:
            series = daily_by(session, org, dimension, since, day)
        except ValueError:
            continue
        for key, anomaly in sorted(scan(series, day, min_nanos=min_nanos).items()):
            findings.append(Finding(org, dimension, key, anomaly))
    return findings
