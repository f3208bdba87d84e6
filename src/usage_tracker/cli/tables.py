"""Tables that fit the terminal: money is never cut; other columns give way first.

A `FitTable` knows three kinds of column: money (`add_money_column`: never wrapped, never
shortened, never dropped), columns that may be dropped (`add_column(..., drop=N)`: counts and
details, the lowest N goes first) and text (ids, names: folded onto more lines when space is
short). Before it is drawn, the table drops columns in their order until what is left fits the
console's width with the text columns folded to at most `FOLD_WIDTH` characters; then each money
column gets its full width as its minimum, so rich shortens only the text columns.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table

FOLD_WIDTH = 16  # a folded text column keeps at least this many characters a line


class FitTable(Table):
    def __init__(self, title: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("title_justify", "left")
        kwargs.setdefault("header_style", "bold")
        super().__init__(title=title, **kwargs)
        self._drop: dict[int, int] = {}  # column → its place in the order of dropping
        self._money: set[int] = set()

    def add_column(  # type: ignore[override]
        self, header: str = "", footer: str = "", *, drop: int | None = None, **kwargs: Any
    ) -> None:
        """A text column (folded when space is short), or with `drop` a column that is left out
        when the table does not fit (lowest `drop` first); it is never folded."""
        if drop is not None:
            kwargs.setdefault("no_wrap", True)
            self._drop[len(self.columns)] = drop
        else:
            kwargs.setdefault("overflow", "fold")
        super().add_column(header, footer, **kwargs)

    def add_money_column(self, header: str, footer: str = "", **kwargs: Any) -> None:
        """Dollars: right-aligned, on one line, never cut."""
        self._money.add(len(self.columns))
        kwargs.setdefault("justify", "right")
        super().add_column(header, footer, no_wrap=True, overflow="fold", **kwargs)

    def _needed(self, console: Console, options: ConsoleOptions) -> int:
        width = self._extra_width
        for column in self.columns:
            measured = self._measure_column(console, options, column)
            if column.no_wrap:
                width += measured.maximum
            else:
                padding = self._get_padding_width(column._index)
                width += min(measured.maximum, FOLD_WIDTH + padding)
        return width

    def fit(self, console: Console, options: ConsoleOptions) -> None:
        """Leave out droppable columns until the table fits `options.max_width`."""
        wide = options.update_width(10_000)
        while self._drop and self._needed(console, wide) > options.max_width:
            index = min(self._drop, key=lambda i: (self._drop[i], -i))
            self._remove(index)
        for index in self._money:
            column = self.columns[index]
            padding = self._get_padding_width(index)
            column.min_width = self._measure_column(console, wide, column).maximum - padding

    def _remove(self, index: int) -> None:
        del self.columns[index]
        for i, column in enumerate(self.columns):
            column._index = i

        def moved(marks: dict[int, int]) -> dict[int, int]:
            return {i - (i > index): v for i, v in marks.items() if i != index}

        self._drop = moved(self._drop)
        self._money = set(moved(dict.fromkeys(self._money, 0)))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        self.fit(console, options)
        yield from super().__rich_console__(console, options)
