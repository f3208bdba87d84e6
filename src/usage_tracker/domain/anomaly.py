"""Spend anomalies: a day far above its own trailing baseline, by a robust statistic.

The baseline is the median of the trailing window (28 days by default) and the spread is the
median absolute deviation (MAD) scaled by 1.4826, so one earlier spike does not hide the next.
A day is anomalous when its robust z-score reaches `z` (default 6) and it is at least
`min_nanos` above the median (so cents never page anyone) and the series has at least
`min_history` days of history since it first had spend. When the spread is zero (a flat
series) it is floored at 10 % of the median, or at `min_nanos` for a series of zeros.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

MAD_SCALE = 1.4826
DEFAULT_WINDOW = 28
DEFAULT_Z = 6.0
DEFAULT_MIN_HISTORY = 14


@dataclass(frozen=True)
class Anomaly:
    day: date
    spent_nanos: int
    baseline_nanos: int  # the trailing median
    spread_nanos: int  # the scaled MAD (after flooring)
    score: float  # robust z-score

    @property
    def ratio(self) -> float | None:
        return self.spent_nanos / self.baseline_nanos if self.baseline_nanos else None


def detect(
    series: Mapping[date, int],
    day: date,
    *,
    min_nanos: int,
    window: int = DEFAULT_WINDOW,
    z: float = DEFAULT_Z,
    min_history: int = DEFAULT_MIN_HISTORY,
) -> Anomaly | None:
    """The anomaly on `day` of this daily series (absent days are zero), or None."""
    spent = series.get(day, 0)
    history_days = [day - timedelta(days=i) for i in range(window, 0, -1)]
    active = [d for d in history_days if series.get(d, 0)]
    if not active:
        return None
    history = [series.get(d, 0) for d in history_days if d >= active[0]]
    if len(history) < min_history:
        return None
    center = median(history)
    mad = median(abs(v - center) for v in history)
    spread = max(MAD_SCALE * mad, 0.1 * center, float(min_nanos) if center == 0 else 0.0, 1.0)
    excess = spent - center
    if excess < min_nanos:
        return None
    score = excess / spread
    if score < z:
        return None
    return Anomaly(day, spent, int(center), int(spread), round(score, 2))


def scan(
    series_by_key: Mapping[str, Mapping[date, int]],
    day: date,
    *,
    min_nanos: int,
    window: int = DEFAULT_WINDOW,
    z: float = DEFAULT_Z,
    min_history: int = DEFAULT_MIN_HISTORY,
) -> dict[str, Anomaly]:
    """Anomalies on `day` for every series (a project's, key's or model's), keyed like the input."""
    found = {}
    for key, series in series_by_key.items():
        hit = detect(series, day, min_nanos=min_nanos, window=window, z=z, min_history=min_history)
        if hit is not None:
            found[key] = hit
    return found
