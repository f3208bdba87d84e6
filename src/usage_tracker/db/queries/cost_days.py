"""One record set's cost records of one day, straight through the DBAPI cursor: the FOCUS
export's hot path (a year of a large organization is hundreds of thousands of records).

Each record comes as a plain tuple: the nine columns of its group (`GROUP_WIDTH`: project,
line item, key, user, whether it is negative, currency, unit, model, kind), then amount (nano-
dollars) and quantity; ordered by the group's columns, so equal groups are adjacent.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from usage_tracker.db.queries.dbapi_rows import DbapiRows

_COLUMNS = (
    "project_id",
    "line_item",
    "api_key_id",
    "user_id",
    "amount_nanos < 0",
    "currency",
    "quantity_unit",
    "model",
    "token_kind",
    "amount_nanos",
    "quantity",
)
GROUP_WIDTH = 9


class CostDays:
    def __init__(self, session: Session) -> None:
        self._sql = DbapiRows(session)
        mark = self._sql.mark
        order = ", ".join(str(i + 1) for i in range(GROUP_WIDTH))
        self._statement = (
            f"SELECT {', '.join(_COLUMNS)} FROM cost_records "
            f"WHERE record_set_id = {mark} AND day = {mark} ORDER BY {order}"
        )

    def records(self, record_set_id: int, day: date) -> list[tuple[Any, ...]]:
        cursor = self._sql.cursor()
        try:
            cursor.execute(self._statement, (record_set_id, self._sql.day(day)))
            return list(cursor.fetchall())
        finally:
            cursor.close()
