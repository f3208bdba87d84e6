"""Usage dimensions as one number: the id of a combination of a usage row's dimensions.

A usage row stores its ten dimensions (project, user, key, model, batch, tier, …) as one
`dims_id`; the combinations live once each in the `usage_dims` table. Millions of hourly rows
share a few thousand combinations, so a row is a fifth of its size with the strings in it, and
writes, the file and the WAL shrink with it.

The id is derived from the combination itself (63 bits of a BLAKE2b digest of its canonical JSON),
so a reader process, the writer and the migration agree on it without asking the database. Two
different combinations with the same id are checked for when a combination is stored (the writer
refuses the import rather than merge them); at a few million combinations the odds are below one
in a billion.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from usage_tracker.domain.endpoints import USAGE_DIMENSIONS

Dims = tuple[Any, ...]  # values of USAGE_DIMENSIONS, in that order (str | bool | None)
ROLLUP_KEY = 4  # project_id, user_id, api_key_id, model lead the dimensions: the rollup key
assert USAGE_DIMENSIONS[:ROLLUP_KEY] == ("project_id", "user_id", "api_key_id", "model")


def dims_id(dims: Dims) -> int:
    """The stable id of a combination of dimension values (0 < id < 2**63)."""
    canonical = json.dumps(list(dims), separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.blake2b(canonical.encode("utf-8"), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 1) or 1


class DimsIndex:
    """Ids of the combinations one reader or writer has seen, and those it has not yet told.

    `fresh` holds the combinations first seen since the last `take_fresh()`; whoever stores rows
    must store these combinations with them. `trim` bounds the memory, at points the owner
    chooses, keeping the ids still in use resolvable."""

    def __init__(self, limit: int = 250_000) -> None:
        self.ids: dict[Dims, int] = {}
        self.dims: dict[int, Dims] = {}
        self.fresh: dict[int, Dims] = {}
        self.limit = limit

    def add(self, dims: Dims) -> int:
        """The id of `dims` (already checked, canonical values), remembered as fresh if new."""
        found = self.ids.get(dims)
        if found is not None:
            return found
        new = dims_id(dims)
        self.ids[dims] = new
        self.dims[new] = dims
        self.fresh[new] = dims
        return new

    def learn(self, told: Mapping[int, Dims]) -> None:
        """Remember combinations another reader has seen (their ids as that reader gave them)."""
        for key, dims in told.items():
            if key not in self.dims:
                self.dims[key] = dims
                self.fresh[key] = dims

    def take_fresh(self) -> dict[int, Dims]:
        fresh, self.fresh = self.fresh, {}
        return fresh

    def trim(self, keep: Iterable[int] = ()) -> None:
        """Past the limit, forget every combination but those in `keep` and the fresh ones
        (bounded memory; a combination met again is told again, which is harmless)."""
        if len(self.dims) <= self.limit:
            return
        kept = {key: self.dims[key] for key in (*keep, *self.fresh) if key in self.dims}
        self.dims = kept
        self.ids = {dims: key for key, dims in kept.items()}


def grouping_of_dims(combinations: Iterable[Dims]) -> tuple[str, ...]:
    """The dimensions any of these combinations has a value for, sorted: a record set's
    grouping."""
    present: set[int] = set()
    for dims in combinations:
        present.update(i for i, v in enumerate(dims) if v is not None)
    return tuple(sorted(USAGE_DIMENSIONS[i] for i in present))
