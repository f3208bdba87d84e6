"""Budget periods: calendar months, quarters and years in UTC or an IANA time zone.

A period runs from local midnight on its first day to local midnight after its last day, so a
March in Europe/Berlin is 743 hours long and a February in a leap year has 29 days. The ledger's
finest cost grain is the UTC day, so a period is mapped to UTC days: each UTC day belongs to the
period that contains its midpoint (12:00 UTC), i.e. the period in which most of its hours fall.
In UTC that is exact; elsewhere it is off by at most the zone's offset at each end.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PERIODS = ("monthly", "quarterly", "yearly")
_MONTHS = {"monthly": 1, "quarterly": 3, "yearly": 12}
_NOON = timedelta(hours=12)


class PeriodError(ValueError):
    """An unknown period kind or time zone."""


def zone(name: str) -> ZoneInfo:
    """The IANA time zone `name` ("UTC", "Europe/Berlin", …)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        message = f"unknown time zone {name!r}; use an IANA name like Europe/Berlin"
        raise PeriodError(message) from None


def _check_kind(kind: str) -> int:
    if kind not in _MONTHS:
        raise PeriodError(f"period must be one of {', '.join(PERIODS)}, got {kind!r}")
    return _MONTHS[kind]


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """One calendar period: local dates `start`..`end` (inclusive) in time zone `tz`."""

    kind: str
    start: date
    end: date
    tz: str = "UTC"

    @property
    def start_at(self) -> datetime:
        """The instant (UTC) the period starts: local midnight of `start`."""
        return _local_midnight(self.start, self.tz)

    @property
    def end_at(self) -> datetime:
        """The instant (UTC) the period ends (exclusive): local midnight after `end`."""
        return _local_midnight(self.end + timedelta(days=1), self.tz)

    @property
    def hours(self) -> float:
        return (self.end_at - self.start_at).total_seconds() / 3600

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def contains(self, instant: datetime) -> bool:
        return self.start_at <= instant < self.end_at

    def utc_days(self) -> tuple[date, date]:
        """First and last UTC day (inclusive) whose midpoint falls inside the period."""
        return _first_noon_day(self.start_at), _first_noon_day(self.end_at) - timedelta(days=1)

    def next(self) -> Period:
        return period_containing(self.kind, self.end_at, self.tz)

    def previous(self) -> Period:
        return period_containing(self.kind, self.start_at - timedelta(seconds=1), self.tz)

    def label(self) -> str:
        if self.kind == "monthly":
            return self.start.strftime("%Y-%m")
        if self.kind == "quarterly":
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return str(self.start.year)


def _local_midnight(day: date, tz: str) -> datetime:
    # A midnight that a DST jump skips resolves (fold=0) to the instant of the jump.
    return datetime.combine(day, time(0), tzinfo=zone(tz)).astimezone(UTC)


def _first_noon_day(instant: datetime) -> date:
    """The first UTC date whose 12:00 UTC is at or after `instant`."""
    shifted = instant.astimezone(UTC) - _NOON
    day = shifted.date()
    return day if shifted.time() == time(0) else day + timedelta(days=1)


def period_containing(kind: str, instant: datetime, tz: str = "UTC") -> Period:
    """The `kind` period (in `tz`) that contains `instant` (an aware datetime)."""
    months = _check_kind(kind)
    if instant.tzinfo is None:
        raise PeriodError("a period needs an aware datetime")
    local = instant.astimezone(zone(tz)).date()
    first_month = (local.month - 1) // months * months + 1
    start = date(local.year, first_month, 1)
    end = _add_months(start, months) - timedelta(days=1)
    return Period(kind, start, end, tz)


def period_starting(kind: str, start: date, tz: str = "UTC") -> Period:
    """The period whose first local day is `start` (which must be a period boundary)."""
    months = _check_kind(kind)
    if start.day != 1 or (start.month - 1) % months:
        raise PeriodError(f"{start} does not start a {kind} period")
    return Period(kind, start, _add_months(start, months) - timedelta(days=1), tz)


def elapsed_fraction(period: Period, instant: datetime) -> float:
    """How much of the period (by time) has passed at `instant`, 0..1."""
    total = (period.end_at - period.start_at).total_seconds()
    done = (min(max(instant, period.start_at), period.end_at) - period.start_at).total_seconds()
    return done / total
