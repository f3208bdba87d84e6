from __future__ import annotations


class ParseError(ValueError):
    """A file that cannot be read: names the file, the position and what was expected."""

    def __init__(self, file_name: str, position: str, expected: str) -> None:
        self.file_name = file_name
        self.position = position
        self.expected = expected
        super().__init__(f"{file_name}: {position}: {expected}")
