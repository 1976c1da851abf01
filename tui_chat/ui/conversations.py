"""Conversations: the model, lookup by casefolded name, and the sidebar and header showing them.

:class:`Conversations` is a mixin of :class:`~tui_chat.ui.app.ChatApp`; it owns
``conversations`` (keyed by :meth:`Conversations._key`), ``order`` and ``current``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..client.names import SERVER_BUFFER
from ..irc.casemap import casefold, is_channel
from .message_log import BufferLog, info_entry
from .widgets import ChatHeader, Sidebar, SidebarItem, UserList

if TYPE_CHECKING:
    from ..client.events import Member

# Private conversations the network may open by itself (a message from a new sender). Beyond it,
# messages from further new senders are shown in the server window, marked as private, until
# the reader closes some or opens one with /query: a storm of thousands of senders (cycling
# nicks) then costs one line each instead of a window each, as with irssi's autocreate off.
MAX_AUTO_QUERIES = 100


@dataclass
class Conversation:
    name: str
    kind: str  # "server", "channel" or "query"
    log: BufferLog
    topic: str = ""
    members: tuple[Member, ...] = ()
    unread: int = 0
    mentions: int = 0
    joined: bool = False


class Conversations:
    """Opening, closing, showing and re-keying conversations (mixin of ChatApp)."""

    def _key(self, name: str) -> str:
        key = self._keys.get(name)
        if key is None:
            key = name if name == SERVER_BUFFER else casefold(name, self.casemapping)
            if len(self._keys) > 4096:
                self._keys.clear()
            self._keys[name] = key
        return key

    def _open(self, name: str, kind: str | None = None) -> Conversation:
        key = self._key(name)
        conv = self.conversations.get(key)
        if conv is None:
            if kind is None:
                kind = "channel" if is_channel(name) else "query"
            conv = Conversation(name=name, kind=kind, log=BufferLog(self.settings.scrollback))
            if kind == "query":
                conv.joined = True
                self._open_queries += 1
            self.conversations[key] = conv
            self.order.append(key)
            self._sidebar_later()
        return conv

    def _query_room(self, name: str) -> bool:
        """May the network open a conversation for ``name``? Open ones and channels always."""
        if self._key(name) in self.conversations or is_channel(name) or name == SERVER_BUFFER:
            return True
        return self._open_queries < MAX_AUTO_QUERIES

    def _sidebar_later(self) -> None:
        """Refresh the sidebar once, after the handler running now: opens coalesce."""
        if not self._sidebar_pending:
            self._sidebar_pending = True
            self.call_later(self._refresh_sidebar)

    def _close(self, key: str) -> None:
        if key not in self.conversations or key == SERVER_BUFFER:
            return
        index = self.order.index(key)
        self.order.remove(key)
        if self.conversations.pop(key).kind == "query":
            self._open_queries -= 1
            self._told_query_cap = False
        if self.current == key:
            self._show(self.order[max(0, index - 1)])
        self._refresh_sidebar()

    def _show(self, key: str) -> None:
        conv = self.conversations.get(key)
        if conv is None:
            return
        self.current = key
        conv.unread = conv.mentions = 0
        self.log_view.show(conv.log)
        userlist = self.query_one("#userlist", UserList)
        userlist.display = conv.kind == "channel"
        if conv.kind == "channel":
            userlist.show(conv.members, self.casemapping)
        self._refresh_sidebar()
        self._refresh_header()
        if self.search is not None and self.search.key != key:
            self._run_search(self.search.query)

    @property
    def current_conversation(self) -> Conversation:
        return self.conversations[self.current]

    def _refresh_sidebar(self) -> None:
        self._sidebar_pending = False
        items = []
        for key in self.order:
            conv = self.conversations[key]
            label = (self.server_label or "server") if conv.kind == "server" else conv.name
            items.append(
                SidebarItem(
                    name=key,
                    label=label,
                    unread=conv.unread,
                    mentions=conv.mentions,
                    current=key == self.current,
                    joined=conv.joined or conv.kind == "server",
                )
            )
        self.query_one("#sidebar", Sidebar).show(items)

    def _refresh_header(self) -> None:
        conv = self.conversations.get(self.current)
        if conv is None:
            return
        room = self.server_label or "tui-chat" if conv.kind == "server" else conv.name
        state, ok = self._state_text()
        self.query_one("#header", ChatHeader).show(
            room=room,
            topic=conv.topic,
            server=self.server_label if conv.kind != "server" else "",
            state=state,
            ok=ok,
            lag=self.lag if self.phase == "connected" else None,
        )

    def _state_text(self) -> tuple[str, bool]:
        phase = self.phase
        if phase == "connected":
            return "connected", True
        if phase in ("connecting", "registering"):
            return "connecting…", False
        if phase == "reconnecting":
            if self.retry_at is not None:
                seconds = max(0, round(self.retry_at - time.monotonic()))
                return f"reconnecting in {seconds} s", False
            return "reconnecting…", False
        if self.session is None:
            return "not connected", False
        return "disconnected", False

    def _tick(self) -> None:
        if self.phase == "reconnecting":
            self._refresh_header()

    def _info(self, buffer: str, text: str, *, error: bool = False) -> None:
        conv = self.conversations.get(self._key(buffer)) or self._open(buffer)
        self.log_view.append(conv.log, [info_entry(text, error=error)])

    def _hint(self, text: str) -> None:
        self._info(self.current, text, error=True)

    def _set_casemapping(self, mapping: str) -> None:
        if mapping == self.casemapping:
            return
        self.casemapping = mapping
        self._keys.clear()
        self.ignored = {casefold(n, mapping) for n in self._ignore_names}
        self.log_view.casemapping = mapping
        rekeyed = {}
        for conv in self.conversations.values():
            rekeyed[self._key(conv.name)] = conv
        self.order = [self._key(self.conversations[k].name) for k in self.order]
        self.current = self._key(self.conversations[self.current].name)
        self.conversations = rekeyed

    def _is_ignored(self, nick: str) -> bool:
        return bool(self.ignored) and casefold(nick, self.casemapping) in self.ignored

    def _completion_nicks(self) -> list[str]:
        conv = self.conversations.get(self.current)
        if conv is None:
            return []
        nicks = [m.nick for m in conv.members]
        if conv.kind == "query":
            nicks.append(conv.name)
        return [
            n
            for n in nicks
            if casefold(n, self.casemapping) != casefold(self.my_nick, self.casemapping)
        ]
