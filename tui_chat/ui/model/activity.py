"""Who spoke recently in a room (for the smart filter), and how busy a conversation is.

Both are bounded: a room remembers at most :data:`MAX_SPEAKERS` recent speakers, oldest out
first, so a flood of distinct nicks costs a fixed amount of memory and O(1) per line.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta
from enum import IntEnum
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from .entries import Entry

# WeeChat's irc.look.smart_filter_delay: a join, part or quit of someone who has not spoken
# for this long is noise.
SMART_WINDOW = timedelta(minutes=5)
# WeeChat's irc.look.smart_filter_join_unmask: a hidden join shows again when its nick speaks
# within this long of joining.
UNMASK_WINDOW = timedelta(minutes=30)
MAX_SPEAKERS = 256  # per room: more distinct speakers within five minutes is a flood
MAX_LINKS = 20  # per conversation, for /url


class Activity(IntEnum):
    """What a conversation has had since it was last shown, in the order Alt+A visits it."""

    NONE = 0
    NOISE = 1  # joins, parts, quits, nick and mode changes only
    MESSAGES = 2
    MENTIONS = 3  # a mention of you, or any line of a private conversation


class RecentSpeakers:
    """Casefolded nicks of a room's recent speakers and when they last spoke."""

    __slots__ = ("_last",)

    def __init__(self) -> None:
        self._last: OrderedDict[str, datetime] = OrderedDict()

    def spoke(self, key: str, when: datetime) -> None:
        # O(1) and no date arithmetic per line (this runs for every line of a flood): the
        # count bound keeps it small, and recent() compares times, so an old entry left here
        # until it is pushed out is never mistaken for a recent one.
        last = self._last
        if key in last:
            last.move_to_end(key)
        last[key] = when
        if len(last) > MAX_SPEAKERS:
            last.popitem(last=False)

    def recent(self, key: str, when: datetime) -> bool:
        spoke = self._last.get(key)
        return spoke is not None and when - spoke <= SMART_WINDOW

    def __len__(self) -> int:
        return len(self._last)


class QuietJoins:
    """A room's hidden joins by casefolded nick, so the join shows once the newcomer speaks."""

    __slots__ = ("_joins",)

    def __init__(self) -> None:
        self._joins: OrderedDict[str, Entry] = OrderedDict()

    def add(self, key: str, entry: Entry) -> None:
        joins = self._joins
        joins.pop(key, None)
        joins[key] = entry
        horizon = entry.time - UNMASK_WINDOW
        while joins:
            oldest_key, oldest = next(iter(joins.items()))
            if oldest.time >= horizon and len(joins) <= MAX_SPEAKERS:
                break
            del joins[oldest_key]

    def take(self, key: str, when: datetime) -> Entry | None:
        """The hidden join of ``key`` if it is recent enough to show now (forgotten either way)."""
        entry = self._joins.pop(key, None)
        if entry is None or when - entry.time > UNMASK_WINDOW:
            return None
        return entry

    def drop(self, key: str) -> None:
        self._joins.pop(key, None)

    def __len__(self) -> int:
        return len(self._joins)


class Link(NamedTuple):
    time: datetime
    nick: str
    url: str


def link_list() -> deque[Link]:
    return deque(maxlen=MAX_LINKS)
