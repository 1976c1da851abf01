"""The server's answer to LIST (321 start, 322 one room each, 323 end), kept bounded.

A big network lists tens of thousands of rooms, and a hostile server may list without end: at
most :data:`MAX_ROOMS` are kept, the most populated ones (a heap, so each row costs O(log n)),
and the rest are only counted. Filtering looks at the kept rows and returns at most
:data:`MAX_SHOWN`, so a keystroke in the filter costs the same however much was listed.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field

from ...client.names import SERVER_BUFFER
from ...irc.formatting import strip_formatting

MAX_ROOMS = 5000  # rows kept from one listing
MAX_SHOWN = 1000  # rows put in the table at once
MAX_TOPIC = 300  # characters of a topic kept


@dataclass(frozen=True, slots=True)
class RoomRow:
    name: str
    users: int
    topic: str  # raw, with its formatting codes (rendered as styles)
    search: str  # name and topic, casefolded and without formatting: what the filter looks at


def row_from_reply(buffer: str, text: str) -> RoomRow | None:
    """A 322 as the client reports it (see Session._generic_numeric): the room name leads the
    text, unless the reply was put in that room's own conversation, whose name is ``buffer``.
    None when it does not read as ``ROOM USERS [TOPIC]``."""
    if buffer != SERVER_BUFFER:
        name, (users, _, topic) = buffer, text.partition(" ")
    else:
        name, _, rest = text.partition(" ")
        users, _, topic = rest.partition(" ")
    if not name or not users.isdigit() or len(users) > 9:
        return None
    topic = topic[:MAX_TOPIC]
    search = f"{name} {strip_formatting(topic)}".casefold()
    return RoomRow(name, int(users), topic, search)


@dataclass(eq=False)
class RoomListing:
    """One LIST's rows; ``version`` changes whenever what a table shows should."""

    version: int = 0
    done: bool = True
    dropped: int = 0  # rows beyond MAX_ROOMS, not kept
    requested: bool = False  # /list opened the screen; a listing nobody asked for opens it at 323
    _heap: list[tuple[int, int, RoomRow]] = field(default_factory=list)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def __len__(self) -> int:
        return len(self._heap)

    @property
    def total(self) -> int:
        return len(self._heap) + self.dropped

    def start(self) -> None:
        self._heap.clear()
        self.dropped = 0
        self.done = False
        self.version += 1

    def add(self, row: RoomRow) -> None:
        if self.done:
            self.start()  # a 322 without a 321 first (some servers send none)
        item = (row.users, -next(self._seq), row)  # equal counts: the earlier row stays
        if len(self._heap) < MAX_ROOMS:
            heapq.heappush(self._heap, item)
        else:
            self.dropped += 1
            heapq.heappushpop(self._heap, item)
        self.version += 1

    def finish(self) -> None:
        self.done = True
        self.version += 1

    def matching(self, needle: str, limit: int = MAX_SHOWN) -> tuple[list[RoomRow], int]:
        """The rows whose name or topic contains ``needle`` (any case), most users first,
        at most ``limit`` of them; and how many match in all."""
        folded = needle.strip().casefold()
        rows = [r for _, _, r in self._heap if not folded or folded in r.search]
        count = len(rows)
        if count > limit:
            rows = heapq.nlargest(limit, rows, key=lambda r: r.users)
        else:
            rows.sort(key=lambda r: r.users, reverse=True)
        return rows, count
