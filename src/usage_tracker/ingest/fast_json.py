"""Bucket-at-a-time JSON reading at C speed: the raw bytes are read in large chunks, and each
bucket (an element of the document's bucket array) is decoded whole by `json`'s C scanner with
`raw_decode`, instead of being built value by value in Python (ijson's item builder).

Only the document's frame (the page object, the arrays around buckets) is walked here. Floats
are read as `Decimal` from their text (`parse_float=Decimal`), so cost amounts stay exact, as
with ijson; `NaN`/`Infinity` are rejected like any other malformed JSON.

A bucket cut by a chunk boundary fails to decode; the reader then appends the next chunk and
decodes again. A failure with plenty of data after it (or at the end of the file) is the
file's own, reported with its byte offset.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import IO, Any

from usage_tracker.ingest.errors import ParseError

CHUNK = 8 << 20
# A bucket whose text passes this is read a result at a time (memory stays bounded by its rows,
# not its decoded JSON); smaller ones are decoded whole, which is faster.
STREAM_ABOVE = 24 << 20
_RESULTS_BATCH = 2000
_LOOKAHEAD = 64  # characters after a decoding error that make it the file's own
_WS = re.compile(r"[ \t\n\r]*")


class _TooBig(Exception):
    """The value being decoded grew past STREAM_ABOVE; `pos` is still at its start."""


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=_no_constants)
_decode = _DECODER.raw_decode


class _Text:
    """A window of the decoded file: `text[pos:]` is what is left to read."""

    def __init__(self, fh: IO[bytes], file_name: str, progress: Any) -> None:
        self.fh, self.file_name, self.progress = fh, file_name, progress
        self.utf8 = codecs.getincrementaldecoder("utf-8")()
        self.text = ""
        self.pos = 0
        self.dropped = 0  # bytes of the file before text[0]
        self.eof = False
        self.read = 0  # bytes read from the file so far

    def more(self) -> bool:
        """Append the next chunk (dropping what was read); False at the end of the file."""
        if self.eof:
            return False
        data = self.fh.read(CHUNK)
        if self.progress is not None and data:
            self.progress(len(data))
        try:
            new = self.utf8.decode(data, final=not data)
        except UnicodeDecodeError as exc:
            where = f"byte {self.read + exc.start}"
            raise ParseError(self.file_name, where, "UTF-8 text") from None
        self.read += len(data)
        read = self.text[: self.pos]
        self.dropped += len(read) if read.isascii() else len(read.encode("utf-8"))
        self.text, self.pos = self.text[self.pos :] + new, 0
        self.eof = not data
        return True

    def offset(self, pos: int) -> int:
        return self.dropped + len(self.text[:pos].encode("utf-8", "surrogatepass"))

    def error(self, what: str) -> ParseError:
        where = f"byte {self.offset(self.pos)}"
        return ParseError(self.file_name, where, f"well-formed JSON ({what})")

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the file); does not consume it."""
        while True:
            self.pos = _WS.match(self.text, self.pos).end()  # type: ignore[union-attr]
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.more():
                return ""

    def expect(self, char: str) -> None:
        if self.peek() != char:
            raise self.error(f"expected {char!r}")
        self.pos += 1

    def value(self, *, limit: int | None = None) -> Any:
        """Decode the next JSON value whole (`_TooBig` once its text passes `limit`)."""
        self.peek()
        while True:
            if limit is not None and len(self.text) - self.pos > limit:
                raise _TooBig
            try:
                value, end = _decode(self.text, self.pos)
            except json.JSONDecodeError as exc:
                # A cut value fails within its last token (a literal, a number, an escape: a
                # few characters from the end), or in a string that has not ended yet.
                ahead = len(self.text) - exc.pos
                if self.eof or (ahead > _LOOKAHEAD and not exc.msg.startswith("Unterminated")):
                    self.pos = exc.pos
                    raise self.error(exc.msg) from None
                self.more()
                continue
            except ValueError as exc:  # NaN / Infinity
                raise self.error(str(exc)) from None
            except RecursionError:
                raise self.error("nesting too deep") from None
            if end == len(self.text) and self.more():
                continue  # a number (or anything) may go on in the next chunk
            self.pos = end
            return value

    def items(self, reader: Any = None) -> Iterator[Any]:
        """The elements of the array that comes next, one at a time. With a bucket `reader`,
        an element too large to decode whole comes as the reader's Bucket, read streaming."""
        self.expect("[")
        if self.peek() == "]":
            self.pos += 1
            return
        index = 0
        while True:
            if reader is None:
                yield self.value()
            else:
                try:
                    yield self.value(limit=STREAM_ABOVE)
                except _TooBig:
                    yield self.streamed_bucket(reader, index)
            index += 1
            char = self.peek()
            self.pos += 1
            if char == "]":
                return
            if char != ",":
                self.pos -= 1
                raise self.error("expected ',' or ']' after an array element")

    def streamed_bucket(self, reader: Any, index: int) -> Any:
        """The bucket object that comes next, its results handed to `reader` in batches as they
        are read; the reader's Bucket (or, for anything but an object, the value itself)."""
        if self.peek() != "{":
            return self.value()
        self.pos += 1
        bucket = reader.new_bucket(0, 1)
        meta: dict[str, Any] = {}
        where = f"bucket {index}"
        while self.peek() != "}":
            if meta and self.peek() == ",":
                self.pos += 1
            if self.peek() != '"':
                raise self.error("expected a property name")
            key = self.value()
            self.expect(":")
            if key in ("results", "result") and self.peek() == "[" and "results" not in meta:
                meta["results"] = []
                done = 0
                for batch in self.batches():
                    reader.add_results(bucket, batch, where, done)
                    done += len(batch)
            elif key in meta:
                raise self.error(f"each key once in a bucket object; {key!r} appears twice")
            else:
                meta[key] = self.value()
            if self.peek() not in (",", "}"):
                raise self.error("expected ',' or '}' after an object member")
        self.pos += 1
        return reader.finish_streamed(bucket, meta, index)

    def batches(self) -> Iterator[list[Any]]:
        """The elements of the array that comes next, in lists of up to _RESULTS_BATCH."""
        batch: list[Any] = []
        for item in self.items():
            batch.append(item)
            if len(batch) >= _RESULTS_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    def page_items(self, reader: Any = None) -> Iterator[Any]:
        """The elements of a page object's `data` array (other keys are read and ignored)."""
        self.expect("{")
        if self.peek() == "}":
            self.pos += 1
            return
        seen: set[str] = set()
        while True:
            if self.peek() != '"':
                raise self.error("expected a property name")
            key = self.value()
            if key in seen:
                raise self.error(f"each key once in a page object; {key!r} appears twice")
            seen.add(key)
            self.expect(":")
            if key == "data" and self.peek() == "[":
                yield from self.items(reader)
            else:
                self.value()
            char = self.peek()
            self.pos += 1
            if char == "}":
                return
            if char != ",":
                self.pos -= 1
                raise self.error("expected ',' or '}' after an object member")

    def end(self) -> None:
        if self.peek() != "":
            raise self.error("nothing after the top-level value")


def iter_raw_buckets(
    fh: IO[bytes], shape: str, file_name: str, progress: Any = None, *, reader: Any = None
) -> Iterator[Any]:
    """The raw bucket values of a `page`, `pages` or `buckets` document, in file order; with a
    bucket `reader` (`json_stream.BucketReader`), a bucket too large to decode whole comes as
    the reader's Bucket, its results read a batch at a time."""
    text = _Text(fh, file_name, progress)
    if shape == "page":
        yield from text.page_items(reader)
    elif shape == "pages":
        text.expect("[")
        if text.peek() == "]":
            text.pos += 1
        else:
            while True:
                if text.peek() == "{":
                    yield from text.page_items(reader)
                else:
                    text.value()  # ijson's `item.data.item` skips anything but pages too
                char = text.peek()
                text.pos += 1
                if char == "]":
                    break
                if char != ",":
                    text.pos -= 1
                    raise text.error("expected ',' or ']' after a page")
    elif shape == "buckets":
        yield from text.items(reader)
    else:
        raise ValueError(f"no fast reader for {shape!r} documents")
    text.end()
