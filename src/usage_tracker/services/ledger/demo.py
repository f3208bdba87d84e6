"""A realistic, deterministic demo organization, written as export files and imported through
the same path as any user's files.

A year of daily data: projects, dozens of members with keys, a dozen models, a weekday rhythm,
growth over the year and a few spikes. The same seed and end day always give the same data.
"""

from __future__ import annotations

import csv
import json
import random
import string
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from usage_tracker.db.models import Organization, RecordSet
from usage_tracker.domain.money import NANOS_PER_UNIT
from usage_tracker.domain.price_table import TOKEN_PRICES_PER_MILLION, UNIT_PRICES
from usage_tracker.services.ledger.imports import ImportResult, import_file
from usage_tracker.services.orgs.organizations import ensure_organization

DEMO_ORG = "demo"
_PROJECTS = (
    "Support Assistant",
    "Search & Retrieval",
    "Data Platform",
    "Marketing Copy",
    "Mobile App",
    "Internal Tools",
    "Research Lab",
    "Nightly Batch",
)
_FIRST = (
    "Minji", "Jisoo", "Hyunwoo", "Seoyeon", "Jiho", "Yuna", "Dohyun", "Haeun", "Alex", "Sam",
    "Jordan", "Taylor", "Morgan", "Casey", "Riley", "Avery", "Priya", "Mateo", "Lena", "Omar",
)  # fmt: skip
_LAST = ("Kim", "Lee", "Park", "Choi", "Jung", "Kang", "Cho", "Yoon", "Smith", "Garcia", "Chen")
_CHAT_MODELS = (
    "gpt-5-2025-08-07",
    "gpt-5-mini-2025-08-07",
    "gpt-4.1-2025-04-14",
    "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano-2025-04-14",
    "gpt-4o-2024-08-06",
    "gpt-4o-mini-2024-07-18",
    "o1-2024-12-17",
    "o3-2025-04-16",
    "o4-mini-2025-04-16",
)
_WEEKDAY = (1.0, 1.05, 1.08, 1.02, 0.92, 0.34, 0.26)
_MICRO = 1000  # nano-dollars per micro-dollar: demo amounts are whole micro-dollars


def _rid(rng: random.Random, prefix: str, n: int) -> str:
    return prefix + "".join(rng.choices(string.ascii_letters + string.digits, k=n))


@dataclass
class _Habit:
    project: int
    key_id: str
    model: str
    requests: float  # typical weekday requests
    tokens_in: int
    tokens_out: int
    cached: float
    spikes: set[int] = field(default_factory=set)


@dataclass
class DemoOrg:
    projects: list[tuple[str, str]]
    members: list[dict[str, Any]]
    habits: dict[str, list[_Habit]]
    extras: dict[str, list[tuple[str, int, str, float]]]  # endpoint → (user, project, model, rate)


def build_org(rng: random.Random) -> DemoOrg:
    projects = [(_rid(rng, "proj_", 24), name) for name in _PROJECTS]
    members: list[dict[str, Any]] = []
    habits: dict[str, list[_Habit]] = {}
    names = [(f, last) for f in _FIRST for last in _LAST]
    rng.shuffle(names)
    for i, (first, last) in enumerate(names[:36]):
        uid = _rid(rng, "user-", 24)
        members.append(
            {
                "object": "organization.user",
                "id": uid,
                "name": f"{first} {last}",
                "email": f"{first.lower()}.{last.lower()}{i}@example.com",
                "role": "owner" if i < 2 else "reader",
                "added_at": 1_700_000_000 + i * 86_400 * 7,
            }
        )
        mine = []
        for p in rng.sample(range(len(projects)), k=rng.choice((1, 1, 2, 2, 3))):
            key = _rid(rng, "key_", 16)
            for model in rng.sample(_CHAT_MODELS, k=rng.choice((1, 2, 2, 3))):
                spikes = {rng.randrange(365) for _ in range(rng.choice((0, 0, 0, 1, 2)))}
                mine.append(
                    _Habit(
                        p,
                        key,
                        model,
                        requests=rng.lognormvariate(3.6, 1.0),
                        tokens_in=rng.randint(400, 4000),
                        tokens_out=rng.randint(120, 900),
                        cached=rng.uniform(0.0, 0.5),
                        spikes=spikes,
                    )
                )
        habits[uid] = mine
    users: list[str] = [m["id"] for m in members]
    extras = {
        "embeddings": [(u, rng.randrange(8), "text-embedding-3-small", 80.0) for u in users[:6]],
        "images": [(u, rng.randrange(8), "dall-e-3", 3.0) for u in users[6:9]],
        "audio_transcriptions": [(u, rng.randrange(8), "whisper-1", 900.0) for u in users[9:12]],
    }
    return DemoOrg(projects, members, habits, extras)


class _Costs:
    """Cost results at the finest grain (for the user export) and by project × line item."""

    def __init__(self, emails: dict[str, str]) -> None:
        self.emails = emails
        self.by_user: dict[int, list[dict[str, Any]]] = defaultdict(list)
        self.by_project: dict[tuple[int, str, str], int] = defaultdict(int)

    def add(
        self, ts: int, uid: str, pid: str, key: str, line: str, nanos: int, qty: float, unit: str
    ) -> None:
        if nanos <= 0:
            return
        self.by_user[ts].append(
            {
                "object": "organization.costs.result",
                "amount": {"value": _usd(nanos), "currency": "usd"},
                "line_item": line,
                "project_id": pid,
                "api_key_id": key,
                "quantity": qty,
                "quantity_unit": unit,
                "user_id": uid,
                "user_email": self.emails[uid],
            }
        )
        self.by_project[(ts, pid, line)] += nanos


def _nanos(amount: Decimal) -> int:
    return int((amount * NANOS_PER_UNIT / _MICRO).to_integral_value()) * _MICRO


def _usd(nanos: int) -> float:
    # Whole micro-dollars: the float's shortest repr is exactly the decimal amount.
    return float(Decimal(nanos) / NANOS_PER_UNIT)


def generate_files(out: Path, seed: int, until: date, days: int = 365) -> list[Path]:
    """Write the demo organization's exports into `out` and return them in import order."""
    rng = random.Random(seed)
    org = build_org(rng)
    collector = _Costs({m["id"]: m["email"] for m in org.members})
    usage: dict[str, dict[int, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    start = until - timedelta(days=days - 1)
    for offset in range(days):
        day = start + timedelta(days=offset)
        ts = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
        rhythm = _WEEKDAY[day.weekday()] * (0.6 + 0.8 * offset / days)

        for uid, habits in org.habits.items():
            for h in habits:
                spike = 6.0 if offset in h.spikes else 1.0
                n = int(h.requests * rhythm * spike * rng.lognormvariate(0, 0.25))
                if n <= 0:
                    continue
                tin = n * h.tokens_in
                cached = int(tin * h.cached)
                tout = n * h.tokens_out
                pid = org.projects[h.project][0]
                usage["completions"][ts].append(
                    {
                        "object": "organization.usage.completions.result",
                        "input_tokens": tin,
                        "output_tokens": tout,
                        "input_cached_tokens": cached,
                        "input_audio_tokens": 0,
                        "output_audio_tokens": 0,
                        "num_model_requests": n,
                        "project_id": pid,
                        "user_id": uid,
                        "api_key_id": h.key_id,
                        "model": h.model,
                        "batch": False,
                        "service_tier": "default",
                    }
                )
                price = TOKEN_PRICES_PER_MILLION[h.model]
                for kind, qty in (
                    ("input", tin - cached),
                    ("cached input", cached),
                    ("output", tout),
                ):
                    rate = price["cached_input" if kind == "cached input" else kind]
                    collector.add(
                        ts, uid, pid, h.key_id, f"{h.model}, {kind}",
                        _nanos(rate * qty / 1_000_000), float(qty), "tokens",
                    )  # fmt: skip
        for endpoint, entries in org.extras.items():
            for uid, p, model, per_day in entries:
                n = int(per_day * rhythm * rng.lognormvariate(0, 0.3))
                if n <= 0:
                    continue
                pid = org.projects[p][0]
                key = org.habits[uid][0].key_id
                row: dict[str, Any] = {
                    "object": f"organization.usage.{endpoint}.result",
                    "num_model_requests": max(1, n // 10),
                    "project_id": pid,
                    "user_id": uid,
                    "api_key_id": key,
                    "model": model,
                }
                if model in UNIT_PRICES:
                    unit, unit_price = UNIT_PRICES[model]
                    row[unit] = n
                    collector.add(ts, uid, pid, key, model, _nanos(unit_price * n), float(n), unit)
                else:
                    row["input_tokens"] = n * 1000
                    nanos = _nanos(TOKEN_PRICES_PER_MILLION[model]["input"] * n / 1000)
                    collector.add(ts, uid, pid, key, f"{model}, input", nanos, n * 1000.0, "tokens")
                usage[endpoint][ts].append(row)
    out.mkdir(parents=True, exist_ok=True)
    files = [out / "users.json"]
    files[0].write_text(json.dumps(org.members))
    files.append(_write_page(out / "costs_grouped_by_user.json", collector.by_user, start, days))
    files.append(_write_project_csv(out / "costs_by_project.csv", collector.by_project, org))
    for endpoint, buckets in usage.items():
        files.append(_write_page(out / f"usage_{endpoint}_1d.json", buckets, start, days))
    return files


def _write_page(
    path: Path, buckets: dict[int, list[dict[str, Any]]], start: date, days: int
) -> Path:
    first = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
    data = [
        {
            "object": "bucket",
            "start_time": first + i * 86400,
            "end_time": first + (i + 1) * 86400,
            "results": buckets.get(first + i * 86400, []),
        }
        for i in range(days)
    ]
    path.write_text(
        json.dumps({"object": "page", "data": data, "has_more": False, "next_page": None})
    )
    return path


def _write_project_csv(path: Path, costs: dict[tuple[int, str, str], int], org: DemoOrg) -> Path:
    names = dict(org.projects)
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["start_time", "end_time", "start_time_iso", "end_time_iso", "amount_value",
             "amount_currency", "line_item", "project_id", "project_name"]
        )  # fmt: skip
        for (ts, pid, line), nanos in sorted(costs.items()):
            iso = datetime.fromtimestamp(ts, tz=UTC).isoformat()
            end_iso = datetime.fromtimestamp(ts + 86400, tz=UTC).isoformat()
            writer.writerow(
                [ts, ts + 86400, iso, end_iso, _usd(nanos), "usd", line, pid, names[pid]]
            )
    return path


def has_data(session: Session, org: str = DEMO_ORG) -> bool:
    return (
        session.scalar(
            select(RecordSet.id).join(Organization).where(Organization.slug == org).limit(1)
        )
        is not None
    )


def load_demo(
    session_factory: sessionmaker[Session],
    seed: int = 7,
    until: date | None = None,
    days: int = 365,
) -> list[ImportResult]:
    """Generate the demo organization's files (`days` up to `until`) and import them into
    organization `demo`."""
    end = until or (datetime.now(UTC).date() - timedelta(days=1))
    with session_factory.begin() as session:
        ensure_organization(session, DEMO_ORG, "Demo Organization")
    with tempfile.TemporaryDirectory(prefix="usage-tracker-demo-") as tmp:
        return [
            import_file(session_factory, DEMO_ORG, path)
            for path in generate_files(Path(tmp), seed, end, days)
        ]
