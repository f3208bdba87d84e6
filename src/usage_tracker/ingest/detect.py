"""Tell what a file is before reading it: CSV or JSON, and which JSON shape.

JSON shapes: a Usage/Costs API page (`{"object": "page", "data": [buckets]}`), an array of pages,
an array of buckets, a bare array of results (each with its own `start_time`), a list of
`organization.user` objects (bare or inside `{"data": [...]}`), or an `{id: {name, email}}` map.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import ijson

from usage_tracker.ingest.errors import ParseError

Shape = Literal["page", "pages", "buckets", "results", "users", "user_map", "csv"]

_BUCKET_KEYS = {"results", "result", "start_time", "end_time"}
_RESULT_KEYS = {"amount", "cost", "num_model_requests", "input_tokens", "line_item"}
_USER_KEYS = {"email", "name", "role", "added_at"}
_MAX_EVENTS = 5000


@dataclass(frozen=True, slots=True)
class Detected:
    shape: Shape
    empty: bool = False


def _first_non_space(fh: IO[bytes]) -> bytes:
    head = fh.read(4096)
    fh.seek(0)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    return stripped[:1]


def _item_shape(obj_value: str | None, keys: set[str]) -> Shape | None:
    if obj_value == "page" or ("data" in keys and "has_more" in keys):
        return "page"
    if obj_value == "bucket" or keys & {"results", "result"}:
        return "buckets"
    if obj_value == "organization.user":
        return "users"
    if obj_value and obj_value.endswith(".result"):
        return "results"
    if keys & _RESULT_KEYS:
        return "results"
    if "id" in keys and keys & _USER_KEYS:
        return "users"
    return None


def detect_shape(fh: IO[bytes], file_name: str) -> Detected:
    """Sniff the shape from the first events of the stream, then rewind."""
    first = _first_non_space(fh)
    if not first:
        raise ParseError(file_name, "start of file", "a JSON or CSV export, but the file is empty")
    if first not in (b"{", b"["):
        return Detected("csv")
    try:
        return _detect_json(fh, file_name)
    finally:
        fh.seek(0)


def _detect_json(fh: IO[bytes], file_name: str) -> Detected:
    events = ijson.parse(fh)
    top: str | None = None
    item_prefix = ""
    item_keys: set[str] = set()
    item_object: str | None = None
    top_keys: set[str] = set()
    try:
        for count, (prefix, event, value) in enumerate(events):
            if count > _MAX_EVENTS:
                break
            if top is None:
                top = event
                item_prefix = "item" if event == "start_array" else ""
                continue
            if top == "start_array":
                if prefix == "" and event == "end_array":
                    return Detected("results", empty=True)
                if prefix == "item" and event == "map_key":
                    item_keys.add(value)
                elif prefix == "item.object" and event == "string":
                    item_object = value
                elif prefix == "item" and event == "end_map":
                    return _array_item(item_object, item_keys, file_name)
                elif prefix == "item" and event not in ("start_map", "map_key"):
                    raise ParseError(file_name, "item 0", "an array of JSON objects")
            else:
                if prefix == "" and event == "map_key":
                    top_keys.add(value)
                    continue
                if prefix == "data" and event == "end_array" and not item_keys:
                    return Detected("page", empty=True)
                if prefix == "data.item" and event == "map_key":
                    item_keys.add(value)
                elif prefix == "data.item.object" and event == "string":
                    item_object = value
                elif prefix == "data.item" and event == "end_map":
                    if item_object == "organization.user" or (item_keys & _USER_KEYS):
                        return Detected("users")
                    return Detected("page")
                elif prefix and "." not in prefix and event == "start_map" and prefix != "data":
                    # {"user-abc": {"name": ..., "email": ...}}
                    return Detected("user_map")
                elif prefix == "" and event == "end_map":
                    if "data" in top_keys:
                        return Detected("page", empty=True)
                    if not top_keys:
                        return Detected("user_map", empty=True)
                    raise ParseError(
                        file_name,
                        "top level",
                        "a page with a `data` array, or an {user_id: {name, email}} map",
                    )
    except ijson.JSONError as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ParseError(
            file_name, f"byte {fh.tell()} (near the start)", f"well-formed JSON ({first_line})"
        ) from exc
    del item_prefix
    if top == "start_array" and item_keys:
        return _array_item(item_object, item_keys, file_name)
    if top == "start_map" and "data" in top_keys:
        return Detected("page")
    raise ParseError(file_name, "start of file", "a Usage/Costs page, results or users")


def _array_item(obj: str | None, keys: set[str], file_name: str) -> Detected:
    shape = _item_shape(obj, keys)
    if shape is None:
        raise ParseError(
            file_name,
            "item 0",
            "pages, buckets (with `results`), results (with `object`/`amount`) or users "
            f"(with `id` and `email`); found keys {sorted(keys)}",
        )
    return Detected("pages" if shape == "page" else shape)


def open_binary(path: Path) -> IO[Any]:
    return path.open("rb")
