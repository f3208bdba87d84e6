"""User-info files: an array of `organization.user` objects, a `{"data": [...]}` list, or an
`{user_id: {name, email}}` map."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import IO, Any

import ijson

from usage_tracker.domain.records import Member
from usage_tracker.ingest.detect import Shape
from usage_tracker.ingest.errors import ParseError


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def _member(raw: Any, where: str, file_name: str, user_id: str | None = None) -> Member:
    if not isinstance(raw, Mapping):
        raise ParseError(file_name, where, "a user object with `id`, `name` and `email`")
    uid = user_id or _text(raw.get("id")) or _text(raw.get("user_id"))
    if not uid:
        raise ParseError(file_name, where, "a user `id`")
    added = raw.get("added_at")
    added_at = (
        datetime.fromtimestamp(int(added), tz=UTC)
        if isinstance(added, int) and not isinstance(added, bool)
        else None
    )
    return Member(
        user_id=uid,
        name=_text(raw.get("name")),
        email=_text(raw.get("email")),
        role=_text(raw.get("role")),
        added_at=added_at,
    )


def iter_members(fh: IO[bytes], shape: Shape, file_name: str) -> Iterator[Member]:
    try:
        if shape == "user_map":
            for i, (uid, raw) in enumerate(ijson.kvitems(fh, "")):
                yield _member(raw, f"entry {i} ({uid})", file_name, user_id=uid)
            return
        prefix = "item" if _is_array(fh) else "data.item"
        for i, raw in enumerate(ijson.items(fh, prefix)):
            yield _member(raw, f"user {i}", file_name)
    except ijson.JSONError as exc:
        raise ParseError(file_name, "while reading users", f"well-formed JSON ({exc})") from exc


def _is_array(fh: IO[bytes]) -> bool:
    head = fh.read(4096).lstrip(b"\xef\xbb\xbf \t\r\n")
    fh.seek(0)
    return head[:1] == b"["
