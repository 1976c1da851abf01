"""Where a long input line wraps: its rows, and the cursor's row and column in them.

The input is one logical line shown in rows of ``width`` cells, wrapped at any character (as
WeeChat's input bar does), so each row but the last is full and a row's text can be read
back from the screen as it is. A wide character that does not fit starts the next row. When
the last row is full, the cursor (drawn after the last character) gets a row of its own.
"""

from __future__ import annotations

from bisect import bisect_right
from functools import lru_cache

from rich.cells import get_character_cell_size

# C0 controls and DEL can reach the value only by a paste; they are drawn as one blank cell.
_CONTROLS = {n: " " for n in (*range(32), 127)}


def display_text(value: str) -> str:
    """The value as drawn: control characters as spaces, one cell each."""
    return value.translate(_CONTROLS) if not value.isprintable() else value


def cells(character: str) -> int:
    """Cells a character of the value takes on screen (a control, drawn blank, takes one)."""
    return 1 if ord(character) < 32 or character == "\x7f" else get_character_cell_size(character)


class Rows:
    """A value wrapped to ``width`` cells: ``starts[r]`` is the index where row ``r`` begins."""

    # A slotted class, not a dataclass: building one at import costs millions of instructions,
    # and this module loads before the app's first frame (issue 12). Read-only by convention.
    __slots__ = ("starts", "value", "width")

    def __init__(self, value: str, width: int, starts: tuple[int, ...]) -> None:
        self.value = value
        self.width = width
        self.starts = starts

    def __len__(self) -> int:
        return len(self.starts)

    def end(self, row: int) -> int:
        """The index just after row ``row``'s last character."""
        return self.starts[row + 1] if row + 1 < len(self.starts) else len(self.value)

    def row_of(self, index: int) -> int:
        """The row the cursor at ``index`` is drawn on (an index where a row wraps: the next)."""
        return bisect_right(self.starts, index) - 1

    def column_of(self, index: int) -> int:
        """The cell, from the start of its row, where the cursor at ``index`` is drawn."""
        start = self.starts[self.row_of(index)]
        return sum(map(cells, self.value[start:index]))

    def index_at(self, row: int, column: int) -> int:
        """The index whose cursor is drawn nearest ``column`` of ``row`` (rows clamped).

        Past the end of a row that wraps, it is the row's last character: the index after it
        is drawn at the start of the next row.
        """
        row = max(0, min(row, len(self.starts) - 1))
        start, end = self.starts[row], self.end(row)
        last = end - 1 if row + 1 < len(self.starts) and end > start else end
        used = 0
        for index in range(start, last):
            used += cells(self.value[index])
            if used > column:
                return index
        return last


def wrap(value: str, width: int) -> Rows:
    """The rows of ``value`` in ``width`` cells (at least one; at least one cell each)."""
    return _wrap(value, max(1, width))


@lru_cache(maxsize=8)
def _wrap(value: str, width: int) -> Rows:
    # Each keystroke wraps the value a few times (size, scroll, cursor, draw): cache the last.
    if value.isascii() and value.isprintable():
        # One cell a character: rows are slices, and a full last row leaves one for the cursor.
        return Rows(value, width, tuple(range(0, len(value) + 1, width)))
    starts = [0]
    used = 0
    for index, character in enumerate(value):
        size = cells(character)
        if used + size > width and used > 0:
            starts.append(index)
            used = 0
        used += size
    if used >= width:
        starts.append(len(value))
    return Rows(value, width, tuple(starts))
