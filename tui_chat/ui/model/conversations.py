"""Conversations by casefolded name, in the order they were opened, with unread counts.

Every path a network event takes (look up, open, rename, count a line) is O(1) or O(log n) in
the number of conversations: a hostile peer can make the client open thousands of private
conversations, and no event may cost more because of them.
"""

from __future__ import annotations

import bisect
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count, islice
from typing import TYPE_CHECKING, Literal

from ...client.names import SERVER_BUFFER
from ...irc.casemap import casefold, is_channel
from ...irc.formatting import strip_formatting
from ..links import find_urls
from .activity import Activity, Link, QuietJoins, RecentSpeakers, link_list
from .entries import IRC, BufferLog, Entry

if TYPE_CHECKING:
    from ...client.events import Member

Kind = Literal["server", "channel", "query"]

# Private conversations the network may open by itself (a message from a new sender). Beyond
# it, messages from further new senders show in the server window, marked as private, until the
# reader closes some or opens one with /query: a storm of thousands of senders (cycling nicks)
# then costs one line each instead of a window each, as with irssi's autocreate off.
MAX_AUTO_QUERIES = 100
KEY_CACHE = 4096  # name -> key lookups remembered (cleared when full: bounded, still O(1))
CHAT_KINDS = frozenset({"message", "action", "notice"})


@dataclass(eq=False)
class Conversation:
    name: str
    kind: Kind
    log: BufferLog
    seq: int  # when it was opened: its place in the order, kept across a rename
    topic: str = ""
    members: tuple[Member, ...] = ()
    unread: int = 0
    mentions: int = 0
    noise: int = 0  # joins, parts... since it was last shown (those the smart filter shows)
    joined: bool = False
    read_until: datetime | None = None  # the account's read marker (draft/read-marker)
    speakers: RecentSpeakers = field(default_factory=RecentSpeakers, repr=False)
    quiet_joins: QuietJoins = field(default_factory=QuietJoins, repr=False)
    links: deque[Link] = field(default_factory=link_list, repr=False)
    # Casefolded nick -> channel prefix, rebuilt when ``members`` is replaced (by identity).
    prefix_of: dict[str, str] = field(default_factory=dict, repr=False)
    prefix_source: tuple[tuple[Member, ...], str] | None = field(default=None, repr=False)

    @property
    def activity(self) -> Activity:
        if self.mentions:
            return Activity.MENTIONS
        if self.unread:
            return Activity.MESSAGES
        return Activity.NOISE if self.noise else Activity.NONE

    def seen(self) -> None:
        """Shown now: nothing is new any more."""
        self.unread = self.mentions = self.noise = 0

    def member_prefix(self, key: str, casemapping: str) -> str:
        """The highest channel prefix ("@", "+") of the casefolded nick ``key`` in the current
        member list, or ""."""
        source = self.prefix_source
        if source is None or source[0] is not self.members or source[1] != casemapping:
            self.prefix_of = {
                casefold(m.nick, casemapping): m.prefixes[:1] for m in self.members if m.prefixes
            }
            self.prefix_source = (self.members, casemapping)
        return self.prefix_of.get(key, "")


class Conversations:
    """The open conversations: lookup by key, order by opening, the one shown."""

    def __init__(self, scrollback: int) -> None:
        self.scrollback = scrollback
        self.casemapping = "ascii"
        self.current = ""
        self._by_key: dict[str, Conversation] = {}
        self._order: list[Conversation] = []  # sorted by seq
        self._keys: dict[str, str] = {}
        self._seq = count()
        self.queries = 0  # open conversations of kind "query"
        self.smart_filter = True  # hidden noise does not count as activity
        # Hidden joins whose nick has just spoken: the screen shows them again (drained once
        # per batch of network events, so it holds at most a batch's worth).
        self.unmasked: list[tuple[Conversation, Entry]] = []
        self.cap_told = False  # the reader knows new senders go to the server window

    # -- lookup ------------------------------------------------------------------------------

    def key(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            key = name if name == SERVER_BUFFER else casefold(name, self.casemapping)
            if len(self._keys) >= KEY_CACHE:
                self._keys.clear()
            self._keys[name] = key
        return key

    def get(self, name: str) -> Conversation | None:
        """The conversation called ``name`` (any case), or None."""
        return self._by_key.get(self.key(name))

    def by_key(self, key: str) -> Conversation | None:
        return self._by_key.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def __len__(self) -> int:
        return len(self._by_key)

    def scrollback_counts(self) -> tuple[int, int]:
        """Entries ever added to the open conversations' scrollback, and those kept now (the
        GC policy freezes the scrollback each time it has grown by some thousands)."""
        kept = sum(len(conv.log.entries) for conv in self._order)
        return sum(conv.log.dropped for conv in self._order) + kept, kept

    def __iter__(self) -> Iterator[Conversation]:
        """In sidebar order."""
        return iter(self._order)

    def keys(self) -> list[str]:
        return [self.key_of(conv) for conv in self._order]

    def key_of(self, conv: Conversation) -> str:
        return self.key(conv.name)

    @property
    def shown(self) -> Conversation | None:
        return self._by_key.get(self.current)

    def at(self, index: int) -> Conversation | None:
        """The ``index``-th conversation of the sidebar (Alt+1..9), or None."""
        if index < 0:
            return None
        return next(islice(self._order, index, None), None)

    def may_open(self, name: str) -> bool:
        """May the network open a conversation for ``name`` by itself? Open ones, the server
        window and channels always; a new private one only below :data:`MAX_AUTO_QUERIES`."""
        if name == SERVER_BUFFER or is_channel(name) or self.key(name) in self._by_key:
            return True
        return self.queries < MAX_AUTO_QUERIES

    def index_of(self, conv: Conversation) -> int:
        return bisect.bisect_left(self._order, conv.seq, key=lambda c: c.seq)

    # -- changes -----------------------------------------------------------------------------

    def open(self, name: str, kind: Kind | None = None) -> tuple[Conversation, bool]:
        """The conversation called ``name``, opened if needed; True when it is new."""
        key = self.key(name)
        conv = self._by_key.get(key)
        if conv is not None:
            return conv, False
        if kind is None:
            kind = "channel" if is_channel(name) else "query"
        conv = Conversation(
            name=name, kind=kind, log=BufferLog(self.scrollback), seq=next(self._seq)
        )
        conv.joined = kind == "query"
        self.queries += kind == "query"
        self._by_key[key] = conv
        self._order.append(conv)  # the newest seq: the order stays sorted
        return conv, True

    def close(self, key: str) -> bool:
        """Close a conversation (never the server one); shows its neighbour if it was shown."""
        conv = self._by_key.get(key)
        if conv is None or key == SERVER_BUFFER:
            return False
        index = self.index_of(conv)
        del self._order[index]
        del self._by_key[key]
        if conv.kind == "query":
            self.queries -= 1
            self.cap_told = False
        if self.current == key and self._order:
            self.current = self.key_of(self._order[max(0, index - 1)])
        return True

    def rename(self, old: str, new: str) -> Conversation | None:
        """A private conversation follows its peer's new nick (keeping its place).

        When a conversation with the new nick exists already the old one is merged away.
        """
        old_key, new_key = self.key(old), self.key(new)
        conv = self._by_key.get(old_key)
        if conv is None or conv.kind != "query":
            return None
        del self._by_key[old_key]
        conv.name = new
        if new_key in self._by_key and new_key != old_key:
            del self._order[self.index_of(conv)]
            self.queries -= 1
            if self.current == old_key:
                self.current = new_key
            return self._by_key[new_key]
        self._by_key[new_key] = conv
        if self.current == old_key:
            self.current = new_key
        return conv

    def set_casemapping(self, mapping: str) -> bool:
        """Re-key everything under the server's casemapping; False when it did not change."""
        if mapping == self.casemapping:
            return False
        shown = self.shown
        self.casemapping = mapping
        self._keys.clear()
        self._by_key = {self.key_of(conv): conv for conv in self._order}
        if shown is not None:
            self.current = self.key_of(shown)
        return True

    def observe(self, conv: Conversation, entry: Entry) -> None:
        """A line arrives in ``conv``: stamp it with what is true now, and count it.

        A chat line takes its sender's channel prefix from the member list of this moment and
        marks the sender as a recent speaker; a join, part or quit of someone who has not
        spoken for :data:`~.activity.SMART_WINDOW` is marked for the smart filter.
        """
        kind = entry.kind
        if conv.kind == "channel":
            if kind in CHAT_KINDS and entry.nick:
                mapping = self.casemapping
                key = casefold(entry.nick, mapping)
                entry.prefix = conv.member_prefix(key, mapping)
                conv.speakers.spoke(key, entry.time)
                join = conv.quiet_joins.take(key, entry.time)
                if join is not None:
                    self.unmasked.append((conv, join))
            elif kind == "event" and entry.about:
                key = casefold(entry.about, self.casemapping)
                entry.smart = not conv.speakers.recent(key, entry.time)
                if entry.glyph == "-->" and entry.smart:  # a join ("<--": part or quit)
                    conv.quiet_joins.add(key, entry)
                else:
                    conv.quiet_joins.drop(key)
        if kind in CHAT_KINDS:
            self._collect_links(conv, entry)
        self.note(conv, kind, is_self=entry.is_self, mention=entry.mention)
        if kind == "event" and conv is not self.shown and not (entry.smart and self.smart_filter):
            conv.noise += 1

    @staticmethod
    def _collect_links(conv: Conversation, entry: Entry) -> None:
        for role, value in entry.parts:
            if role == IRC and "://" in value:
                text = strip_formatting(value)
                for start, end in find_urls(text):
                    conv.links.append(Link(entry.time, entry.nick, text[start:end]))

    def next_active(self) -> Conversation | None:
        """Where Alt+A goes: the busiest conversation (mentions, then messages; noise is not
        activity), the first such after the shown one in sidebar order; None when all are quiet.
        """
        shown = self.shown
        order = self._order
        start = self.index_of(shown) + 1 if shown is not None else 0
        best: Conversation | None = None
        for i in range(len(order)):
            conv = order[(start + i) % len(order)]
            if conv is shown:
                continue
            level = conv.activity
            if level >= Activity.MESSAGES and (best is None or level > best.activity):
                best = conv
        return best

    def note(self, conv: Conversation, kind: str, *, is_self: bool, mention: bool) -> None:
        """Count a line added to ``conv`` as unread (and a mention) unless it is shown.

        What you said yourself (typed here, echoed, or sent with /msg) is never unread.
        """
        if conv is self.shown or kind not in CHAT_KINDS or is_self:
            return
        conv.unread += 1
        if mention or conv.kind == "query":
            conv.mentions += 1
