"""Whether rich would print lines unchanged: no colour and no wrapping.

rich (`Console.is_terminal`, `Console.size`) writes no escape codes when stdout is not a
terminal (`TTY_COMPATIBLE=0`, or not `1` and `FORCE_COLOR` unset and no tty, or
`FORCE_COLOR` empty), and wraps a line only when it is wider than the console: `COLUMNS`, else
the size of the first terminal among stdin, stdout and stderr, else 80. Characters outside
ASCII count as two columns here (rich counts the dashes used as one), so "fits" errs towards
letting rich print.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, TextIO


def is_terminal(stream: TextIO, environ: Mapping[str, str]) -> bool:
    compatible = environ.get("TTY_COMPATIBLE", "")
    if compatible in ("0", "1"):
        return compatible == "1"
    force = environ.get("FORCE_COLOR")
    if force is not None:
        return force != ""
    try:
        return stream.isatty()
    except ValueError:
        return False


def console_width(environ: Mapping[str, str]) -> int:
    columns = environ.get("COLUMNS")
    if columns is not None and columns.isdigit():
        return int(columns)
    for fd in (0, 1, 2):
        try:
            width = os.get_terminal_size(fd).columns
        except (AttributeError, ValueError, OSError):
            continue
        return width or 80
    return 80


def _columns(line: str) -> int:
    return len(line) + sum(1 for c in line if ord(c) > 127)


def prints_plain(lines: list[str], stream: TextIO, environ: Mapping[str, Any]) -> bool:
    """True when writing `lines` as they are gives what rich's `print` of them would."""
    if is_terminal(stream, environ):
        return False
    width = console_width(environ)
    return all(_columns(line) <= width for line in lines)
