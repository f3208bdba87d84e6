"""Weekday-aware forecast of a period's spend, and the day the budget runs out at this pace.

Each remaining day is expected to cost what the same weekday cost on average over the trailing
window (four weeks by default), so a team that spends on weekdays and not at weekends is not
forecast to spend at weekends. With less history than two weeks the plain daily mean is used.
The last observed day may be partial (today): it counts as the larger of what it has so far and
what its weekday is expected to cost. All amounts are integer nano-dollars.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

DEFAULT_WINDOW = 28
MIN_WEEKDAY_HISTORY = 14


@dataclass(frozen=True)
class Forecast:
    spent_nanos: int
    projected_nanos: int  # spend expected by the period's end, including what is spent
    runs_out_on: date | None  # first day cumulative spend reaches the budget, within the period
    daily: list[tuple[date, int, bool]] = field(default_factory=list)  # (day, nanos, projected)

    def cumulative(self) -> list[tuple[date, int]]:
        total, out = 0, []
        for day, nanos, _ in self.daily:
            total += nanos
            out.append((day, total))
        return out


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def expected_daily(
    series: Mapping[date, int], before: date, window: int = DEFAULT_WINDOW
) -> dict[int, int]:
    """Expected spend per weekday (0 = Monday) from the `window` days before `before`.

    Days absent from `series` count as zero, but only from the first day that has data.
    """
    history = [d for d in _days(before - timedelta(days=window), before - timedelta(days=1))]
    known = [d for d in history if d in series]
    if not known:
        return dict.fromkeys(range(7), 0)
    history = [d for d in history if d >= min(known)]
    if len(history) < MIN_WEEKDAY_HISTORY:
        mean = sum(series.get(d, 0) for d in history) // len(history)
        return dict.fromkeys(range(7), mean)
    out = {}
    for weekday in range(7):
        same = [series.get(d, 0) for d in history if d.weekday() == weekday]
        out[weekday] = sum(same) // len(same) if same else 0
    return out


def forecast(
    series: Mapping[date, int],
    *,
    start: date,
    end: date,
    observed_until: date,
    budget_nanos: int,
    window: int = DEFAULT_WINDOW,
) -> Forecast:
    """Forecast the UTC days `start`..`end` from daily spend `series` known up to `observed_until`.

    `series` may hold days before `start` (the trailing history the weekday means come from).
    """
    last_seen = min(observed_until, end)
    expected = expected_daily(series, min(max(last_seen, start), end), window)
    daily: list[tuple[date, int, bool]] = []
    spent = 0
    for day in _days(start, end):
        actual = series.get(day, 0)
        if day < last_seen:
            daily.append((day, actual, False))
            spent += actual
        elif day == last_seen:
            guess = expected[day.weekday()]
            daily.append((day, max(actual, guess), actual < guess))
            spent += actual
        else:
            daily.append((day, expected[day.weekday()], True))
    projected = sum(n for _, n, _ in daily)
    runs_out = None
    if budget_nanos > 0:
        total = 0
        for day, nanos, _ in daily:
            total += nanos
            if total >= budget_nanos:
                runs_out = day
                break
    return Forecast(spent, max(projected, spent), runs_out, daily)
