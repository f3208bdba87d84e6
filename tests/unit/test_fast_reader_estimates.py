"""The estimate's fast paths (per-day, per-model totals; a breakdown's shared pass; a top N's
keys) give the same estimates as reading the rollups directly."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from pathlib import Path

from benchmarks.generate import Params, ensure_files
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.models import RecordSet, UsageRollup
from usage_tracker.db.models.rollup import UsageDayModel
from usage_tracker.db.queries.rollups import DAY_MODEL_METRICS
from usage_tracker.services.ledger.imports import import_file
from usage_tracker.services.reports.estimates import METRICS, estimate_by, estimate_nanos
from usage_tracker.services.reports.prices import price_book
from usage_tracker.services.reports.totals import ReportQuery, breakdown, summary

TINY = Params(days=3, projects=4, users=12, per_hour=6, seed=5)


def test_fast_estimates_equal_the_rollups(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    files = ensure_files(tmp_path, TINY, log=lambda _m: None)
    import_file(session_factory, "bench", files.usage)
    import_file(session_factory, "bench", files.costs)
    q = ReportQuery(date(2024, 1, 1), date(2024, 1, TINY.days))
    with session_factory() as session:
        # usage_day_models is the day rollups summed per day and model
        group = [UsageRollup.record_set_id, UsageRollup.period, UsageRollup.model]
        sums = [func.sum(getattr(UsageRollup, m)) for m in DAY_MODEL_METRICS]
        rollups = sorted(
            tuple(map(str, row))
            for row in session.execute(
                select(*group, *sums).where(UsageRollup.grain == "day").group_by(*group)
            )
        )
        columns = [getattr(UsageDayModel, m) for m in ("record_set_id", "day", "model",
                                                        *DAY_MODEL_METRICS)]  # fmt: skip
        stored = sorted(tuple(map(str, row)) for row in session.execute(select(*columns)))
        assert stored == rollups and stored

        # the daily estimate, priced from the day rollups directly
        book = price_book(session, session.scalar(select(RecordSet.organization_id)) or 0)
        want: dict[str, int] = defaultdict(int)
        metric_sums = [func.sum(getattr(UsageRollup, m)) for m in METRICS]
        for period, model, *values in session.execute(
            select(UsageRollup.period, UsageRollup.model, *metric_sums)
            .where(UsageRollup.grain == "day")
            .group_by(UsageRollup.period, UsageRollup.model)
        ):
            metrics = dict(zip(METRICS, values, strict=True))
            nanos = estimate_nanos(book, "completions", model, metrics)
            want[period.isoformat()] += nanos or 0  # unpriced models: none of the estimate
        days = breakdown(session, q, "day")
        assert {r.key: r.estimated_cost_nanos for r in days} == want
        assert all(want.values())
        assert summary(session, q).estimated_cost_nanos == sum(want.values())

        # per user: the shared pass, the top N and the estimate's own query agree
        own = {key[0]: e.value for key, e in estimate_by(session, q, ("user",)).items()}
        every = {r.key: r.estimated_cost_nanos for r in breakdown(session, q, "user")}
        top = {r.key: r.estimated_cost_nanos for r in breakdown(session, q, "user", top=3)}
        assert every == {k: own.get(k) for k in every} and len(every) > 3
        assert top == {k: every[k] for k in top} and len(top) == 3
        projects = {r.key: r.estimated_cost_nanos for r in breakdown(session, q, "project")}
        by_project = {key[0]: e.value for key, e in estimate_by(session, q, ("project",)).items()}
        assert projects == {k: by_project.get(k) for k in projects}
