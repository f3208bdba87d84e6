"""Keep the day and month rollups and the day coverage of a record set in step with its rows.

Called once per import or sync with the days it touched: the days are recomputed from the raw
records (so a replaced bucket leaves no trace of its older copy), then their months from the days.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, delete, func, insert, literal, select
from sqlalchemy.orm import Session

from usage_tracker.db.models import (
    Bucket,
    CostRecord,
    CostRollup,
    RecordSetDay,
    UsageDims,
    UsageRecord,
    UsageRollup,
)
from usage_tracker.db.models.rollup import CostDayModel, UsageDayModel
from usage_tracker.domain.endpoints import USAGE_METRICS

_COST_DIMS = ("project_id", "user_id", "api_key_id", "line_item", "model", "token_kind")
_USAGE_DIMS = ("project_id", "user_id", "api_key_id", "model")
# Usage metrics totalled per day on record_set_days (the ones reports show).
DAY_TOTALS = (
    "num_model_requests",
    "input_tokens",
    "input_cached_tokens",
    "output_tokens",
    "input_audio_tokens",
    "output_audio_tokens",
)
# Usage per day and model (`usage_day_models`): the day totals first, then what estimates use.
DAY_MODEL_METRICS = (*DAY_TOTALS, "images", "characters", "seconds")
USAGE_ROLLUP_DIMS = _USAGE_DIMS
_CHUNK = 400


def _chunks(days: Sequence[date]) -> Iterable[Sequence[date]]:
    for i in range(0, len(days), _CHUNK):
        yield days[i : i + _CHUNK]


def month_start(day: date) -> date:
    return day.replace(day=1)


def month_end(day: date) -> date:
    nxt = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def refresh_days(
    session: Session,
    record_set_id: int,
    is_costs: bool,
    days: Iterable[date],
    *,
    derived: bool = True,
) -> None:
    """Recompute rollups and coverage for these days of one record set, then their months.

    `derived=False` recomputes only the day rollups (the caller runs `refresh_derived`)."""
    ordered = sorted(set(days))
    if not ordered:
        return
    rollup, dims = (CostRollup, _COST_DIMS) if is_costs else (UsageRollup, _USAGE_DIMS)
    metrics = ("amount_nanos",) if is_costs else USAGE_METRICS
    for chunk in _chunks(ordered):
        session.execute(
            delete(rollup).where(
                rollup.record_set_id == record_set_id,
                rollup.grain == "day",
                rollup.period.in_(chunk),
            )
        )
        source = _cost_days(record_set_id, chunk) if is_costs else _usage_days(record_set_id, chunk)
        session.execute(
            insert(rollup).from_select(
                ["record_set_id", "grain", "period", *dims, *metrics, "rows"],
                source,
            )
        )
    if derived:
        refresh_derived(session, record_set_id, is_costs, ordered)


def _cost_days(record_set_id: int, days: Sequence[date]) -> Select[Any]:
    group_cols = [CostRecord.day, *(getattr(CostRecord, d) for d in _COST_DIMS)]
    return (
        select(
            literal(record_set_id),
            literal("day"),
            *group_cols,
            func.sum(CostRecord.amount_nanos),
            func.count(),
        )
        .where(CostRecord.record_set_id == record_set_id, CostRecord.day.in_(days))
        .group_by(*group_cols)
    )


def _usage_days(record_set_id: int, days: Sequence[date]) -> Select[Any]:
    """The day rollup rows of these days from the raw usage rows: summed per bucket day and
    combination of dimensions first (integers), then per rollup key."""
    per_dims = (
        select(
            Bucket.day.label("day"),
            UsageRecord.dims_id.label("dims_id"),
            *(func.sum(getattr(UsageRecord, m)).label(m) for m in USAGE_METRICS),
            func.count().label("rows"),
        )
        .join(Bucket, Bucket.id == UsageRecord.bucket_id)
        .where(Bucket.record_set_id == record_set_id, Bucket.day.in_(days))
        .group_by(Bucket.day, UsageRecord.dims_id)
        .subquery()
    )
    group_cols = [per_dims.c.day, *(getattr(UsageDims, d) for d in _USAGE_DIMS)]
    return (
        select(
            literal(record_set_id),
            literal("day"),
            *group_cols,
            *(func.sum(per_dims.c[m]) for m in USAGE_METRICS),
            func.sum(per_dims.c.rows),
        )
        .join_from(per_dims, UsageDims, UsageDims.id == per_dims.c.dims_id)
        .group_by(*group_cols)
    )


def refresh_derived(
    session: Session, record_set_id: int, is_costs: bool, days: Iterable[date]
) -> None:
    """Recompute what follows from the day rollups of these days: coverage, then their months."""
    ordered = sorted(set(days))
    rollup, dims = (CostRollup, _COST_DIMS) if is_costs else (UsageRollup, _USAGE_DIMS)
    metrics = ("amount_nanos",) if is_costs else USAGE_METRICS
    for chunk in _chunks(ordered):
        _refresh_coverage(session, record_set_id, is_costs, chunk)
    for month in sorted({month_start(d) for d in ordered}):
        _refresh_month(session, rollup, dims, metrics, record_set_id, month)


def _refresh_coverage(
    session: Session, record_set_id: int, is_costs: bool, days: Sequence[date]
) -> None:
    """Coverage and day totals: rows from the buckets, totals from the day rollups."""
    session.execute(
        delete(RecordSetDay).where(
            RecordSetDay.record_set_id == record_set_id, RecordSetDay.day.in_(days)
        )
    )
    per_model: Any = CostDayModel if is_costs else UsageDayModel
    session.execute(
        delete(per_model).where(per_model.record_set_id == record_set_id, per_model.day.in_(days))
    )
    rows = session.execute(
        select(Bucket.day, func.sum(Bucket.rows))
        .where(Bucket.record_set_id == record_set_id, Bucket.day.in_(days))
        .group_by(Bucket.day)
    ).all()
    if not rows:
        return
    names = ("amount_nanos",) if is_costs else DAY_TOTALS
    totals = (
        _cost_totals(session, record_set_id, days)
        if is_costs
        else _usage_totals(session, record_set_id, days)
    )
    zeros = [0] * len(names)
    session.execute(
        insert(RecordSetDay),
        [
            {
                "record_set_id": record_set_id,
                "day": day,
                "rows": int(count or 0),
                **{n: int(v or 0) for n, v in zip(names, totals.get(day, zeros), strict=True)},
            }
            for day, count in rows
        ],
    )


def _cost_totals(session: Session, record_set_id: int, days: Sequence[date]) -> dict[Any, Any]:
    """Day totals of the cost, from the day rollups summed per day and model, which are stored
    on the way (`cost_day_models`)."""
    per_model = session.execute(
        select(CostRollup.period, CostRollup.model, func.sum(CostRollup.amount_nanos))
        .where(
            CostRollup.record_set_id == record_set_id,
            CostRollup.grain == "day",
            CostRollup.period.in_(days),
        )
        .group_by(CostRollup.period, CostRollup.model)
    ).all()
    if per_model:
        session.execute(
            insert(CostDayModel),
            [
                {"record_set_id": record_set_id, "day": period, "model": model,
                 "amount_nanos": int(nanos or 0)}
                for period, model, nanos in per_model
            ],
        )  # fmt: skip
    totals: dict[Any, list[int]] = {}
    for period, _, nanos in per_model:
        totals.setdefault(period, [0])[0] += int(nanos or 0)
    return totals


def _usage_totals(session: Session, record_set_id: int, days: Sequence[date]) -> dict[Any, Any]:
    """Day totals of `DAY_TOTALS`, from the day rollups summed per day and model, which are
    stored on the way (`usage_day_models`)."""
    per_model = [
        (period, model, [int(v or 0) for v in values])
        for period, model, *values in session.execute(
            select(
                UsageRollup.period,
                UsageRollup.model,
                *(func.sum(getattr(UsageRollup, n)) for n in DAY_MODEL_METRICS),
            )
            .where(
                UsageRollup.record_set_id == record_set_id,
                UsageRollup.grain == "day",
                UsageRollup.period.in_(days),
            )
            .group_by(UsageRollup.period, UsageRollup.model)
        )
    ]
    if per_model:
        session.execute(
            insert(UsageDayModel),
            [
                {"record_set_id": record_set_id, "day": period, "model": model,
                 **dict(zip(DAY_MODEL_METRICS, values, strict=True))}
                for period, model, values in per_model
            ],
        )  # fmt: skip
    totals: dict[Any, list[int]] = {}
    width = len(DAY_TOTALS)
    for period, _, values in per_model:
        found = totals.get(period)
        if found is None:
            totals[period] = values[:width]
        else:
            totals[period] = [a + b for a, b in zip(found, values[:width], strict=True)]
    return totals


def _refresh_month(
    session: Session,
    rollup: type[CostRollup] | type[UsageRollup],
    dims: Sequence[str],
    metrics: Sequence[str],
    record_set_id: int,
    month: date,
) -> None:
    session.execute(
        delete(rollup).where(
            rollup.record_set_id == record_set_id,
            rollup.grain == "month",
            rollup.period == month,
        )
    )
    group_cols = [getattr(rollup, d) for d in dims]
    source = (
        select(
            literal(record_set_id),
            literal("month"),
            literal(month),
            *group_cols,
            *(func.sum(getattr(rollup, m)) for m in metrics),
            func.sum(rollup.rows),
        )
        .where(
            and_(
                rollup.record_set_id == record_set_id,
                rollup.grain == "day",
                rollup.period.between(month, month_end(month)),
            )
        )
        .group_by(*group_cols)
    )
    session.execute(
        insert(rollup).from_select(
            ["record_set_id", "grain", "period", *dims, *metrics, "rows"], source
        )
    )
