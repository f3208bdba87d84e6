"""Reading an export as if its UTF-8 byte-order mark were not there.

Editors and spreadsheet tools on Windows write one at the start of UTF-8 files; JSON forbids it,
so the JSON readers would refuse an otherwise valid export. Every reader of an import file opens
it through `open_export`, which starts after the mark and keeps offsets relative to that start.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any, cast

BOM = b"\xef\xbb\xbf"


class _AfterBom:
    """A binary file whose position 0 is just after its byte-order mark."""

    def __init__(self, fh: IO[bytes], skip: int) -> None:
        self._fh, self._skip = fh, skip
        fh.seek(skip)

    def seek(self, offset: int, whence: int = 0) -> int:
        target = offset + self._skip if whence == 0 else offset
        return self._fh.seek(target, whence) - self._skip

    def tell(self) -> int:
        return self._fh.tell() - self._skip

    def __getattr__(self, name: str) -> Any:
        return getattr(self._fh, name)

    def __enter__(self) -> _AfterBom:
        return self

    def __exit__(self, *exc: object) -> None:
        self._fh.close()

    def __iter__(self) -> Any:
        return iter(self._fh)


def skip_bom(fh: IO[bytes]) -> IO[bytes]:
    """`fh` (at its start), or a view of it after a UTF-8 byte-order mark when it has one."""
    fh.seek(0)
    head = fh.read(len(BOM))
    fh.seek(0)
    return cast("IO[bytes]", _AfterBom(fh, len(BOM))) if head == BOM else fh


def open_export(path: Path | str) -> IO[bytes]:
    """Open an export file for reading, past any byte-order mark."""
    return skip_bom(open(path, "rb"))
