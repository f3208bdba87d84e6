"""Generated cost data for the FOCUS export tests: one organization's spend, seen as a
user-grouped export (every day) and a project × line item export (the first days only).

Both exports hold the same dollars for the days they share, so the ledger has two views of
those days: the export must count them once. Amounts are whole micro-dollars (exact through a
JSON float), quantities in the unit of their line item; credits are negative.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.integration.ledger_helpers import bucket, completion, cost, page, write_json
from usage_tracker.domain.money import to_nanos
from usage_tracker.services.ledger.imports import import_file

FIRST_DAY = date(2024, 7, 25)  # T0 + 24 days: the window crosses into August
FIRST_OFFSET = 24
DAYS = 20
SHARED_DAYS = 12  # days 0..11 are in both exports; the rest only in the user-grouped one
PROJECTS = ("proj_a", "proj_b", "proj_c")
KEYS = {"proj_a": ("key_a1", "key_a2"), "proj_b": ("key_b1",), "proj_c": ("key_c1",)}
USERS = ("user-ada", "user-bob", "user-cy")
# line item, quantity unit, quantity divisor (seconds come with one decimal)
ITEMS: tuple[tuple[str, str | None, int], ...] = (
    ("gpt-4o-2024-08-06, input", "tokens", 1),
    ("gpt-4o-2024-08-06, output", "tokens", 1),
    ("gpt-4.1-mini-2025-04-14, cached input", "tokens", 1),
    ("gpt-4o-mini-2024-07-18, input", "1000_tokens", 1),
    ("dall-e-3", "images", 1),
    ("whisper-1", "duration_seconds", 10),
    ("text-embedding-3-small", "tokens", 1),
    ("gpt-4o-mini-2024-07-18, batch input", "tokens", 1),
    ("Credit", None, 1),
)
CREDIT_ITEM = "Credit"
_orgs = itertools.count()


@dataclass(frozen=True)
class Entry:
    day: int  # 0 … DAYS-1
    project: str
    key: str
    user: str
    item: int
    micros: int
    quantity: int

    @property
    def line_item(self) -> str:
        return ITEMS[self.item][0]

    @property
    def nanos(self) -> int:
        return self.micros * 1000

    @property
    def on(self) -> date:
        return FIRST_DAY + timedelta(days=self.day)


@st.composite
def entries(draw: Any, min_size: int = 1, max_size: int = 30) -> list[Entry]:
    out = []
    for _ in range(draw(st.integers(min_size, max_size))):
        project = draw(st.sampled_from(PROJECTS))
        item = draw(st.integers(0, len(ITEMS) - 1))
        micros = draw(st.integers(0, 40_000_000))
        if ITEMS[item][0] == CREDIT_ITEM or draw(st.integers(0, 9)) == 0:
            micros = -draw(st.integers(1, 5_000_000))  # a credit, or a refund of usage
        out.append(
            Entry(
                day=draw(st.integers(0, DAYS - 1)),
                project=project,
                key=draw(st.sampled_from(KEYS[project])),
                user=draw(st.sampled_from(USERS)),
                item=item,
                micros=micros,
                quantity=draw(st.integers(0, 3_000_000)),
            )
        )
    return out


def _usd(micros: int) -> str:
    return str(Decimal(micros) / 1_000_000)


def _quantity(item: int, quantity: int) -> dict[str, Any]:
    _, unit, divisor = ITEMS[item]
    if unit is None:
        return {}
    value = quantity / divisor if divisor != 1 else quantity
    return {"quantity": value, "quantity_unit": unit}


def user_export(rows: list[Entry]) -> dict[str, Any]:
    by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in rows:
        by_day[e.day].append(
            cost(
                _usd(e.micros),
                project=e.project,
                line_item=e.line_item,
                api_key_id=e.key,
                user_id=e.user,
                user_email=f"{e.user.removeprefix('user-')}@example.com",
                **_quantity(e.item, e.quantity),
            )
        )
    return page([bucket(FIRST_OFFSET + d, by_day[d]) for d in sorted(by_day)])


def project_export(rows: list[Entry]) -> dict[str, Any]:
    """The project × line item view of the shared days (amounts and quantities summed)."""
    sums: dict[tuple[int, str, int], list[int]] = defaultdict(lambda: [0, 0])
    for e in rows:
        if e.day < SHARED_DAYS:
            cell = sums[(e.day, e.project, e.item)]
            cell[0] += e.micros
            cell[1] += e.quantity
    by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for (day, project, item), (micros, quantity) in sorted(sums.items()):
        by_day[day].append(
            cost(
                _usd(micros), project=project, line_item=ITEMS[item][0], **_quantity(item, quantity)
            )
        )
    return page([bucket(FIRST_OFFSET + d, by_day[d]) for d in sorted(by_day)])


def usage_export(rows: list[Entry]) -> dict[str, Any]:
    """Completions usage by project × user × model for the shared days (allocation weights)."""
    by_day: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in rows:
        model = e.line_item.split(",")[0]
        if e.day < SHARED_DAYS and e.line_item != CREDIT_ITEM:
            by_day[e.day].append(
                completion(
                    1 + e.quantity % 7,
                    100 + e.quantity % 1000,
                    10,
                    project_id=e.project,
                    user_id=e.user,
                    model=model,
                )
            )
    return page([bucket(FIRST_OFFSET + d, by_day[d]) for d in sorted(by_day)])


def new_org() -> str:
    return f"focus{next(_orgs)}"


def load(
    factory: Any, directory: Path, rows: list[Entry], *, usage: bool = False, org: str | None = None
) -> str:
    """Import the project and user exports of `rows` (and their usage) into a new organization."""
    slug = org or new_org()
    directory.mkdir(parents=True, exist_ok=True)
    docs = [("project", project_export(rows)), ("user", user_export(rows))]
    if usage:
        docs.append(("usage", usage_export(rows)))
    for name, doc in docs:
        if doc["data"]:
            import_file(factory, slug, write_json(directory / f"{slug}-{name}.json", doc))
    return slug


def truth_nanos(rows: list[Entry], since: date, until: date) -> int:
    return sum(e.nanos for e in rows if since <= e.on <= until)


def nanos_of(text: str) -> int:
    return to_nanos(text)
