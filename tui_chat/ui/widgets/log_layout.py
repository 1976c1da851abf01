"""The message log's layout of one buffer: a height per entry, estimated until it is wrapped.

Heights start as estimates from an entry's length (:func:`estimate_lines`) and become exact when
the entry is wrapped on its way to the screen; prefix sums map a line to its entry.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from itertools import accumulate, islice

from textual.cache import LRUCache
from textual.strip import Strip

from ..model.entries import BREAK, Entry

# (wrap width, style generation, timestamp format, casemapping): a change re-lays the log out
LayoutKey = tuple[int, int, str, str]
WRAP_CACHE = 1024  # wrapped entries kept per buffer (a few screens' worth)


class Layout:
    """Line heights of a buffer's entries at one width and set of styles, wrapped lazily.

    ``heights[a]`` is the number of lines of the entry with sequence number ``base + a``: an
    estimate from its length until the entry is wrapped (when it scrolls into view), then
    exact. ``cum`` holds prefix sums for the scrollbar and for mapping a line to its entry; it
    is extended lazily and cut back when a height changes. Wrapped lines are cached per entry.
    """

    __slots__ = ("base", "cum", "exact", "heights", "key", "stamp_len", "version", "wraps")

    def __init__(self, key: LayoutKey, version: int, base: int, stamp_len: int) -> None:
        self.key = key
        self.version = version
        self.base = base
        # Arrays, not lists: a list of 10,000 prefix sums holds 10,000 int objects (40 bytes
        # each with the pointer); an array holds 8 bytes each.
        self.heights: array[int] = array("I")
        self.exact = bytearray()
        self.cum: array[int] = prefix_sums()
        self.wraps: LRUCache[Entry, list[Strip]] = LRUCache(WRAP_CACHE)
        self.stamp_len = stamp_len

    def prefix(self, a: int) -> int:
        """Lines before absolute entry ``a``."""
        cum = self.cum
        have = len(cum)
        if a >= have:
            # In C: a first look at a room of 10,000 lines sums them all for the scrollbar.
            cum.extend(accumulate(islice(self.heights, have - 1, a), initial=cum[-1]))
            del cum[have]  # the initial value, already there
        return cum[a]

    def set_height(self, a: int, lines: int, exact: bool = True) -> bool:
        """Record entry ``a``'s height; True when it changed."""
        self.exact[a] = exact
        if self.heights[a] == lines:
            return False
        self.heights[a] = lines
        del self.cum[a + 1 :]
        return True

    def find(self, start: int, y: int) -> tuple[int, int]:
        """The absolute entry holding line ``y`` (counted from entry ``start``), line within."""
        end = len(self.heights)
        target = self.prefix(start) + y
        self.prefix(end)
        a = bisect_right(self.cum, target, start, end + 1) - 1
        a = min(max(a, start), end - 1)
        return a, target - self.cum[a]


def prefix_sums() -> array[int]:
    """An empty ``Layout.cum``: the lines before the first entry."""
    return array("q", [0])


def estimate_lines(
    entry: Entry, width: int, stamp_len: int, nick_column: int = 0, smart_filter: bool = False
) -> int:
    """Lines ``entry`` will probably take at ``width``, without wrapping it (0: hidden)."""
    kind = entry.kind
    if smart_filter and entry.smart:
        return 0
    if kind == "day" or kind == "separator":
        return 1
    body = 0
    breaks = 0
    for role, text in entry.parts:
        if role == BREAK:
            breaks += 1  # each line of a multi-line message starts a row
        body += len(text)
    if entry.pending:
        body += 17
    if nick_column:
        indent = stamp_len + nick_column + 4
    elif kind == "message" or kind == "action" or kind == "notice":
        indent = stamp_len + 4 + len(entry.nick) + len(entry.prefix)
    else:
        indent = stamp_len + 2 + len(entry.glyph or "--")
    room = width - indent
    if room < 12:
        return max(1, -(-(indent + body) // width)) + breaks
    return max(1, -(-body // room)) + breaks
