"""The user-cost year: a year of the dashboard's cost export grouped by user, in three shapes.

A 200-project, 2,000-user organization: daily buckets whose results carry project, API key,
user (id and e-mail), line item, quantity and amount (≈ 1,490 results a day, 545,000 a year,
≈ 180 MB as a JSON page). The same results are written as a Costs API page (`page`), a bare JSON
array of buckets (`buckets`) and the dashboard's CSV (`csv`), so every shape imports the same
rows and must reproduce the same totals. Deterministic per seed; cached by parameters like
`generate.py`'s files.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from benchmarks.generate import _MODELS, _WEEKDAY, DAY, START, Params, Totals, _rid
from benchmarks.generate import _write_atomically as write_atomically

SHAPES = ("page", "buckets", "csv")
RESULTS_PER_DAY = 1493  # × 365 ≈ 545,000
_KINDS = (("input", 1.0), ("output", 4.0), ("cached input", 0.25))
CSV_HEADER = (
    "start_time,end_time,project_id,api_key_id,user_id,user_email,line_item,"
    "quantity,quantity_unit,amount_value,amount_currency\n"
)


@dataclass(frozen=True)
class Combo:
    project: str
    key: str
    user: str
    email: str
    line_item: str
    nanos_per_token: int  # the line item's price (nano-dollars a token)
    typical_tokens: int


def _combos(rng: random.Random, p: Params) -> list[Combo]:
    projects = [_rid(rng, "proj_", 24) for _ in range(p.projects)]
    out: list[Combo] = []
    for u in range(p.users):
        user, email = _rid(rng, "user-", 24), f"person{u}@example.com"
        for project in rng.sample(projects, k=min(len(projects), rng.choice((1, 1, 2)))):
            key = _rid(rng, "key_", 16)
            for m in rng.sample(range(len(_MODELS)), k=rng.choice((1, 1, 2))):
                name, price_in, _ = _MODELS[m]
                typical = int(rng.lognormvariate(11.0, 1.2))
                for kind, factor in _KINDS[: rng.choice((2, 3))]:
                    nanos = max(1, int(price_in * factor))
                    out.append(Combo(project, key, user, email, f"{name}, {kind}", nanos, typical))
    return out


def _day_counts(p: Params, per_day: int) -> list[int]:
    factors = [(0.8 + 0.4 * d / max(1, p.days - 1)) * _WEEKDAY[(3 + d) % 7] for d in range(p.days)]
    mean = sum(factors) / len(factors)
    return [round(per_day * f / mean) for f in factors]


def _value(nanos: int) -> str:
    return f"{nanos // 1_000_000_000}.{nanos % 1_000_000_000:09d}".rstrip("0").rstrip(".")


def _days(p: Params, per_day: int) -> Iterator[tuple[int, list[tuple[Combo, int, int]]]]:
    """Per day: (start, [(combo, quantity, nanos)]), the same for every shape."""
    rng = random.Random(p.seed + 13)
    combos = _combos(rng, p)
    for d, n in enumerate(_day_counts(p, per_day)):
        rows = []
        for c in rng.sample(combos, min(n, len(combos))):
            quantity = max(1, int(c.typical_tokens * (0.2 + 1.6 * rng.random())))
            nanos = quantity * c.nanos_per_token // 100 * 100  # 7 decimals, as the export has
            rows.append((c, quantity, nanos))
        yield START + d * DAY, rows


def _json_result(c: Combo, quantity: int, nanos: int) -> str:
    return (
        '{"object":"organization.costs.result","amount":{"value":'
        f'{_value(nanos)},"currency":"usd"}},"line_item":"{c.line_item}",'
        f'"project_id":"{c.project}","api_key_id":"{c.key}","quantity":{quantity}.0,'
        f'"quantity_unit":"tokens","user_id":"{c.user}","user_email":"{c.email}"}}'
    )


def write(path: Path, p: Params, shape: str, totals: Totals, per_day: int) -> None:
    def body(fh: IO[str]) -> None:
        w = fh.write
        if shape == "csv":
            w(CSV_HEADER)
        else:
            w('{"object":"page","data":[' if shape == "page" else "[")
        for i, (start, rows) in enumerate(_days(p, per_day)):
            for _c, _q, nanos in rows:
                totals.cost_nanos += nanos
            totals.cost_rows += len(rows)
            totals.cost_buckets += 1
            if shape == "csv":
                w(
                    "".join(
                        f"{start},{start + DAY},{c.project},{c.key},{c.user},{c.email},"
                        f'"{c.line_item}",{q},tokens,{_value(n)},usd\n'
                        for c, q, n in rows
                    )
                )
                continue
            w(
                f'{"," if i else ""}{{"object":"bucket","start_time":{start},'
                f'"end_time":{start + DAY},"results":['
            )
            w(",".join(_json_result(c, q, n) for c, q, n in rows))
            w("]}")
        if shape != "csv":
            w('],"has_more":false,"next_page":null}' if shape == "page" else "]")

    write_atomically(path, body)


def ensure(directory: Path, p: Params, log: object = print) -> tuple[dict[str, Path], Totals]:
    """The user-cost year in every shape (written unless cached) and the totals they hold."""
    directory.mkdir(parents=True, exist_ok=True)
    per_day = max(1, RESULTS_PER_DAY * p.users // 2000)
    tag = f"d{p.days}-p{p.projects}-u{p.users}-s{p.seed}"
    ext = {"page": "json", "buckets": "json", "csv": "csv"}
    paths = {s: directory / f"user-costs-{s}-{tag}.{ext[s]}" for s in SHAPES}
    meta = directory / f"user-costs-meta-{tag}.json"
    if meta.is_file() and all(path.is_file() for path in paths.values()):
        return paths, Totals(**json.loads(meta.read_text()))
    log(f"generating the user-cost year ({tag}) as {', '.join(SHAPES)} (cached)…")  # type: ignore[operator]
    every: list[Totals] = []
    for shape, path in paths.items():
        totals = Totals()
        write(path, p, shape, totals, per_day)
        every.append(totals)
    if any(t != every[0] for t in every):
        raise SystemExit("the shapes of the user-cost year disagree (a generator bug)")
    meta.write_text(json.dumps(asdict(every[0])))
    return paths, every[0]
