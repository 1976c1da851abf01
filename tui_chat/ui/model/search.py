"""Search in a conversation: its state, and matching in the scrollback and in chat log files.

Matches are numbered newest first, like searching upward from the bottom in WeeChat or irssi:
1 is the newest match in the scrollback, the next ones go back in time, and matches from the
conversation's log file that are older than anything in the scrollback come last. Reading the
log file happens in a thread worker (:func:`search_log_file`).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..text import sanitize
from .entries import Entry

LOG_MATCH_LIMIT = 500  # newest log-file matches listed; the total is still counted
STAMP_LEN = len("YYYY-MM-DD HH:MM:SS")
_STAMP_RE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ")


def compile_query(query: str) -> re.Pattern[str]:
    """Case-insensitive, literal (no regex syntax: ``.`` and ``[`` are just characters)."""
    return re.compile(re.escape(query), re.IGNORECASE)


def entry_matches(entry: Entry, pattern: re.Pattern[str]) -> bool:
    if entry.kind in ("day", "separator"):
        return False
    if pattern.search(sanitize(entry.plain)):
        return True
    return bool(entry.nick) and bool(pattern.search(sanitize(entry.nick)))


def search_log_file(
    path: Path,
    pattern: re.Pattern[str],
    before: str = "",
    cancelled: Callable[[], bool] = lambda: False,
) -> tuple[list[str], int]:
    """Lines of a chat log matching ``pattern`` (after the timestamp), oldest first.

    Only lines stamped before ``before`` ("YYYY-MM-DD HH:MM:SS", local time; "" for all) count:
    later ones are in the scrollback already. Returns the newest :data:`LOG_MATCH_LIMIT`
    matches and how many there are in all. A missing file has no matches.
    """
    found: deque[str] = deque(maxlen=LOG_MATCH_LIMIT)
    total = 0
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f):
                if n % 2000 == 0 and cancelled():
                    break
                if not _STAMP_RE.match(line):
                    continue
                if before and line[:STAMP_LEN] >= before:
                    continue
                if pattern.search(line, STAMP_LEN + 1):
                    found.append(line.rstrip("\n"))
                    total += 1
    except FileNotFoundError:
        pass
    return list(found), total


@dataclass(eq=False)
class SearchState:
    query: str
    pattern: re.Pattern[str]
    key: str  # the conversation searched
    scrollback: list[Entry]  # newest first
    token: int
    file_lines: list[str] = field(default_factory=list)  # oldest first
    file_total: int = 0
    file_pending: bool = False
    file_error: str = ""
    index: int | None = None  # 0 = newest match
    was_following: bool = True

    @property
    def total(self) -> int:
        return len(self.scrollback) + len(self.file_lines)
