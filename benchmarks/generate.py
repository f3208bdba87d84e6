"""Write a synthetic organization as Usage/Costs API page files, streaming (never all in memory).

Usage: hourly completions buckets, results grouped by project_id, user_id, api_key_id, model,
batch and service_tier (what the Admin API returns for that group_by). Costs: daily buckets,
project × line item. The same parameters always give the same bytes; files are cached by their
parameters and written to a temporary name first, so an interrupted run never leaves a partial file
that looks finished. A `.meta.json` beside each file holds the totals the import must reproduce.
"""

from __future__ import annotations

import json
import os
import random
import string
from dataclasses import asdict, dataclass
from pathlib import Path

DAY = 86400
HOUR = 3600
START = 1_704_067_200  # 2024-01-01T00:00:00Z
# Results per hourly bucket on an average hour: 365 × 24 × 491 ≈ 4.3 million results.
RESULTS_PER_HOUR = 491
_WEEKDAY = (1.12, 1.15, 1.16, 1.13, 1.06, 0.72, 0.66)
# UTC hour rhythm (a Europe/Americas/Asia mix: never zero, busiest in the afternoon).
_HOURS = tuple(0.55 + 0.9 * max(0.0, 1 - abs(h - 14) / 10) for h in range(24))
_MODELS = (
    ("gpt-5-2025-08-07", 1250, 10000),
    ("gpt-5-mini-2025-08-07", 250, 2000),
    ("gpt-4.1-2025-04-14", 2000, 8000),
    ("gpt-4.1-mini-2025-04-14", 400, 1600),
    ("gpt-4.1-nano-2025-04-14", 100, 400),
    ("gpt-4o-2024-08-06", 2500, 10000),
    ("gpt-4o-mini-2024-07-18", 150, 600),
    ("o3-2025-04-16", 2000, 8000),
    ("o4-mini-2025-04-16", 1100, 4400),
    ("o1-2024-12-17", 15000, 60000),
    ("gpt-4.1-2025-04-14-batch", 1000, 4000),
    ("gpt-realtime-2025-08-28", 4000, 16000),
)
_TIERS = ("default", "default", "default", "default", "flex", "priority")


@dataclass(frozen=True)
class Params:
    days: int = 365
    projects: int = 200
    users: int = 2000
    seed: int = 1
    per_hour: int = RESULTS_PER_HOUR

    @property
    def tag(self) -> str:
        return f"d{self.days}-p{self.projects}-u{self.users}-r{self.per_hour}-s{self.seed}"


@dataclass
class Totals:
    """What a correct import of the files must report back."""

    usage_rows: int = 0
    usage_buckets: int = 0
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_rows: int = 0
    cost_buckets: int = 0
    cost_nanos: int = 0


@dataclass(frozen=True)
class BenchFiles:
    usage: Path
    costs: Path
    totals: Totals


def _rid(rng: random.Random, prefix: str, n: int) -> str:
    return prefix + "".join(rng.choices(string.ascii_letters + string.digits, k=n))


def _combos(rng: random.Random, p: Params) -> list[tuple[str, int, int, int]]:
    """(rendered dimensions, model index, typical requests, project index) per usage group."""
    projects = [_rid(rng, "proj_", 24) for _ in range(p.projects)]
    out = []
    for _ in range(p.users):
        user = _rid(rng, "user-", 24)
        for project in rng.sample(range(p.projects), k=min(p.projects, rng.choice((1, 1, 2)))):
            key = _rid(rng, "key_", 16)
            for model in rng.sample(range(len(_MODELS)), k=rng.choice((1, 1, 2))):
                tier = rng.choice(_TIERS)
                batch = "true" if model == 10 else "false"
                dims = (
                    f'"project_id":"{projects[project]}","user_id":"{user}",'
                    f'"api_key_id":"{key}","model":"{_MODELS[model][0]}",'
                    f'"batch":{batch},"service_tier":"{tier}"'
                )
                out.append((dims, model, max(1, int(rng.lognormvariate(2.0, 1.0))), project))
    return out


def _hour_counts(p: Params) -> list[int]:
    factors: list[float] = []
    for d in range(p.days):
        growth = 0.8 + 0.4 * d / max(1, p.days - 1)
        weekday = _WEEKDAY[(3 + d) % 7]  # 2024-01-01 was a Monday: index 0 → Monday
        factors.extend(growth * weekday * _HOURS[h] for h in range(24))
    mean = sum(factors) / len(factors)
    return [round(p.per_hour * f / mean) for f in factors]


def _write_atomically(path: Path, write: object) -> None:
    tmp = path.with_name(path.name + f".tmp{os.getpid()}")
    try:
        with tmp.open("w", encoding="utf-8", buffering=1 << 22) as fh:
            write(fh)  # type: ignore[operator]
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_usage(path: Path, p: Params, totals: Totals) -> None:
    rng = random.Random(p.seed)
    combos = _combos(rng, p)
    counts = _hour_counts(p)
    if max(counts) > len(combos):
        raise SystemExit(f"{max(counts)} results in an hour but only {len(combos)} groups")
    template = (
        '{"object":"organization.usage.completions.result","input_tokens":%d,'
        '"output_tokens":%d,"input_cached_tokens":%d,"input_audio_tokens":0,'
        '"output_audio_tokens":0,"num_model_requests":%d,%s}'
    )
    rand = rng.random

    def write(fh: object) -> None:
        w = fh.write  # type: ignore[attr-defined]
        w('{"object":"page","data":[')
        for i, n in enumerate(counts):
            start = START + i * HOUR
            w(
                f'{"," if i else ""}{{"object":"bucket","start_time":{start},'
                f'"end_time":{start + HOUR},"results":['
            )
            parts = []
            for dims, model, typical, _project in rng.sample(combos, n):
                requests = 1 + int(typical * (0.3 + 1.4 * rand()))
                tin = requests * int(_MODELS[model][1] // 4 * (0.5 + rand()))
                tout = requests * int(_MODELS[model][1] // 12 * (0.5 + rand()))
                cached = int(tin * 0.3 * rand())
                totals.requests += requests
                totals.input_tokens += tin
                totals.output_tokens += tout
                parts.append(template % (tin, tout, cached, requests, dims))
            w(",".join(parts))
            w("]}")
            totals.usage_rows += n
            totals.usage_buckets += 1
        w('],"has_more":false,"next_page":null}')

    _write_atomically(path, write)


def write_costs(path: Path, p: Params, totals: Totals) -> None:
    rng = random.Random(p.seed)
    projects = [_rid(rng, "proj_", 24) for _ in range(p.projects)]  # the same ids as usage's
    rng = random.Random(p.seed + 2)
    items: list[tuple[str, str, int]] = []  # (project, line item, typical micro-dollars per day)
    for project in projects:
        for model in rng.sample(range(len(_MODELS)), k=rng.choice((1, 2, 2, 3))):
            name = _MODELS[model][0]
            scale = int(rng.lognormvariate(13.0, 1.2))
            kinds = ("input", "output", "cached input")[: 3 if rng.random() < 0.5 else 2]
            for kind in kinds:
                items.append((project, f"{name}, {kind}", scale))

    def write(fh: object) -> None:
        w = fh.write  # type: ignore[attr-defined]
        w('{"object":"page","data":[')
        for d in range(p.days):
            start = START + d * DAY
            w(
                f'{"," if d else ""}{{"object":"bucket","start_time":{start},'
                f'"end_time":{start + DAY},"results":['
            )
            parts = []
            weekday = _WEEKDAY[(3 + d) % 7]
            for project, line_item, scale in items:
                micros = int(scale * weekday * (0.4 + 1.2 * rng.random()))
                totals.cost_nanos += micros * 1000
                value = f"{micros // 1_000_000}.{micros % 1_000_000:06d}"
                parts.append(
                    '{"object":"organization.costs.result","amount":{"value":'
                    f'{value},"currency":"usd"}},"line_item":"{line_item}",'
                    f'"project_id":"{project}","organization_id":"org-bench"}}'
                )
            w(",".join(parts))
            w("]}")
            totals.cost_rows += len(items)
            totals.cost_buckets += 1
        w('],"has_more":false,"next_page":null}')

    _write_atomically(path, write)


def ensure_files(directory: Path, p: Params, log: object = print) -> BenchFiles:
    """The usage and costs files for `p`, written unless an earlier run left them complete."""
    directory.mkdir(parents=True, exist_ok=True)
    usage = directory / f"usage-{p.tag}.json"
    costs = directory / f"costs-{p.tag}.json"
    meta = directory / f"meta-{p.tag}.json"
    if usage.is_file() and costs.is_file() and meta.is_file():
        return BenchFiles(usage, costs, Totals(**json.loads(meta.read_text())))
    totals = Totals()
    log(f"generating {usage.name} and {costs.name} (cached for the next run)…")  # type: ignore[operator]
    write_usage(usage, p, totals)
    write_costs(costs, p, totals)
    meta.write_text(json.dumps(asdict(totals)))
    return BenchFiles(usage, costs, totals)
