"""Who spoke recently in a room (for the smart filter), and how busy a conversation is.

Both are bounded: a room remembers at most :data:`MAX_SPEAKERS` recent speakers, oldest out
first, so a flood of distinct nicks costs a fixed amount of memory and O(1) per line.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta
from enum import IntEnum
from typing import NamedTuple

# WeeChat's irc.look.smart_filter_delay: a join, part or quit of someone who has not spoken
# for this long is noise.
SMART_WINDOW = timedelta(minutes=5)
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
        last = self._last
        last.pop(key, None)
        last[key] = when
        horizon = when - SMART_WINDOW
        # Oldest first (by arrival): drop what is too old to matter, then anything over the
        # bound. Each key is dropped at most once per time it was added: O(1) amortised.
        while last:
            oldest_key, oldest = next(iter(last.items()))
            if oldest >= horizon and len(last) <= MAX_SPEAKERS:
                break
            del last[oldest_key]

    def recent(self, key: str, when: datetime) -> bool:
        spoke = self._last.get(key)
        return spoke is not None and when - spoke <= SMART_WINDOW

    def __len__(self) -> int:
        return len(self._last)


class Link(NamedTuple):
    time: datetime
    nick: str
    url: str


def link_list() -> deque[Link]:
    return deque(maxlen=MAX_LINKS)
