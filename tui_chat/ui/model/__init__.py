"""What the chat screen shows, as plain Python (no Textual): unit-tested without an app.

:class:`ChatModel` holds the conversations and their order, unread and mention counts, the
ignore list, the connection status and the search state; the screen applies network events to
it and hands the result down to the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ...irc.casemap import casefold
from .conversations import CHAT_KINDS, MAX_AUTO_QUERIES, Conversation, Conversations, Kind
from .entries import IRC, LIT, NICK, PLAIN, BufferLog, Entry, Part, event_entry, info_entry
from .ignore import IgnoreList
from .room_list import RoomListing
from .search import SearchState
from .status import ConnectionStatus


@dataclass(eq=False)
class ChatModel:
    conversations: Conversations
    ignore: IgnoreList
    my_nick: str
    status: ConnectionStatus = field(default_factory=ConnectionStatus)
    search: SearchState | None = None
    search_tokens: int = 0
    # Lines we sent, by pending id, until the server confirms them: (conversation key, entry).
    pending: dict[str, tuple[str, Entry]] = field(default_factory=dict)
    # Replayed history per conversation key, placed by time when its replay ends.
    held_history: dict[str, list[Entry]] = field(default_factory=dict)
    switch_on_join: set[str] = field(default_factory=set)  # rooms to show once joined
    close_on_part: set[str] = field(default_factory=set)  # rooms /close is leaving
    join_hint: str | None = None  # how others join a room we host
    hint_shown: bool = False
    room_list: RoomListing = field(default_factory=RoomListing)  # the last /list

    @classmethod
    def create(cls, *, nick: str, scrollback: int, ignore: tuple[str, ...] = ()) -> ChatModel:
        return cls(conversations=Conversations(scrollback), ignore=IgnoreList(ignore), my_nick=nick)

    @property
    def casemapping(self) -> str:
        return self.conversations.casemapping

    def key(self, name: str) -> str:
        return self.conversations.key(name)

    def set_casemapping(self, mapping: str) -> bool:
        if not self.conversations.set_casemapping(mapping):
            return False
        self.ignore.set_casemapping(mapping)
        return True

    def is_ignored(self, nick: str, userhost: str = "") -> bool:
        return self.ignore.matches(nick, userhost)

    def is_me(self, nick: str) -> bool:
        return casefold(nick, self.casemapping) == casefold(self.my_nick, self.casemapping)

    def completion_nicks(self) -> list[str]:
        """Nicks Tab completes in the shown conversation (not our own)."""
        conv = self.conversations.shown
        if conv is None:
            return []
        nicks = [m.nick for m in conv.members]
        if conv.kind == "query":
            nicks.append(conv.name)
        return [n for n in nicks if not self.is_me(n)]


__all__ = [
    "CHAT_KINDS",
    "IRC",
    "LIT",
    "MAX_AUTO_QUERIES",
    "NICK",
    "PLAIN",
    "BufferLog",
    "ChatModel",
    "ConnectionStatus",
    "Conversation",
    "Conversations",
    "Entry",
    "IgnoreList",
    "Kind",
    "Part",
    "SearchState",
    "event_entry",
    "info_entry",
]
