from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from usage_tracker.db.base import Base, BigIntPK
from usage_tracker.db.models.usage_metrics import UsageMetricColumns


class UsageRecord(UsageMetricColumns, Base):
    """A usage result of one endpoint for one bucket (1m, 1h or 1d), with every metric.

    Its dimensions (project, user, key, model, batch, tier…) are one `dims_id`, a row of
    `usage_dims`; its record set and day are its bucket's. A row is a few dozen bytes, which is
    what lets an import write millions of them a minute. `dims_id` has no foreign key: the
    combination is written in the same transaction before any row that uses it and is never
    deleted, and the check would cost a lookup per row (a sixth of the import's write time).
    """

    __tablename__ = "usage_records"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    bucket_id: Mapped[int] = mapped_column(ForeignKey("buckets.id", ondelete="CASCADE"), index=True)
    dims_id: Mapped[int] = mapped_column(BigInteger)
