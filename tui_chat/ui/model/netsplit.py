"""Netsplits and netjoins on a network of linked servers, each shown as one line per room.

When the link between two servers breaks, every user behind it quits at once with the two
servers' names as the reason ("hub.example.net leaf.example.net"); when it heals they all join
again. One line per user would bury the conversation, so the quits of a batch of events become
"netsplit hub ⇄ leaf: 37 users" and the joins of those same users "netjoin: 37 users are back".

Bounded: a line names at most :data:`NAMES_SHOWN` users, and at most :data:`MAX_SPLIT_USERS`
split users are remembered (for :data:`REJOIN_WINDOW`), oldest first out.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime, timedelta

NAMES_SHOWN = 8
MAX_SPLIT_USERS = 5000
REJOIN_WINDOW = timedelta(minutes=30)
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-.")


def split_servers(reason: str) -> tuple[str, str] | None:
    """The two servers of a netsplit QUIT reason ("a.example b.example"), else None.

    Linear and strict: exactly two different host names, each with a dot, nothing else, which
    a user cannot type as a quit message on networks that prefix user quits ("Quit: ...").
    """
    first, space, second = reason.partition(" ")
    if not space or " " in second or first == second:
        return None
    for name in (first, second):
        lowered = name.lower()
        if (
            "." not in lowered
            or lowered.startswith(".")
            or lowered.endswith(".")
            or len(lowered) > 255
            or not set(lowered) <= _HOST_CHARS
        ):
            return None
    return first, second


class _Gathered:
    """Names of one line: the first few, and how many in all."""

    __slots__ = ("count", "names", "time")

    def __init__(self, time: datetime) -> None:
        self.names: list[str] = []
        self.count = 0
        self.time = time

    def add(self, nick: str, time: datetime) -> None:
        if len(self.names) < NAMES_SHOWN:
            self.names.append(nick)
        self.count += 1
        self.time = time

    def who(self) -> str:
        shown = ", ".join(self.names)
        more = self.count - len(self.names)
        return f"{shown} and {more} more" if more > 0 else shown


class Netsplits:
    def __init__(self) -> None:
        # casefolded nick -> when it left in a split: its join then belongs to the netjoin.
        self._split: OrderedDict[str, datetime] = OrderedDict()
        self._quits: dict[tuple[str, str, str], _Gathered] = {}  # (room, server, server)
        self._joins: dict[str, _Gathered] = {}  # room

    def quit(
        self, room: str, servers: tuple[str, str], nick: str, key: str, when: datetime
    ) -> None:
        gathered = self._quits.get((room, *servers))
        if gathered is None:
            gathered = self._quits[(room, *servers)] = _Gathered(when)
        gathered.add(nick, when)
        split = self._split
        split.pop(key, None)
        split[key] = when
        if len(split) > MAX_SPLIT_USERS:
            split.popitem(last=False)

    def rejoined(self, room: str, nick: str, key: str, when: datetime) -> bool:
        """Whether this join is a split user coming back (then it is gathered, not shown)."""
        left = self._split.get(key)
        if left is None or when - left > REJOIN_WINDOW:
            return False
        gathered = self._joins.get(room)
        if gathered is None:
            gathered = self._joins[room] = _Gathered(when)
        gathered.add(nick, when)
        return True

    def take_lines(self) -> list[tuple[str, datetime, str]]:
        """(room, time, text) of the lines gathered since the last call."""
        lines = [
            (room, g.time, f"netsplit {a} ⇄ {b}: {_users(g.count)} ({g.who()})")
            for (room, a, b), g in self._quits.items()
        ]
        lines += [
            (room, g.time, f"netjoin: {_users(g.count)} back ({g.who()})")
            for room, g in self._joins.items()
        ]
        self._quits.clear()
        self._joins.clear()
        return lines


def _users(count: int) -> str:
    return "1 user" if count == 1 else f"{count} users"
