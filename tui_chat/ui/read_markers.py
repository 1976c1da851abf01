"""Read markers between the chat screen and the connection: what the user has read goes out
(gathered, at most one ``MARKREAD`` per conversation per :data:`SEND_DELAY`), and markers set
on another connection of the account clear this one's unread counts.

A conversation counts as read when it is shown, the log is at its end and the terminal has
the focus: switching to it, or a line arriving while one looks at it. Without the
``draft/read-marker`` capability nothing is gathered and the unread counts stay local.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from ..client.read_marker import CAP, ReadDebounce
from .model import Conversation
from .model.read_marker import apply_marker, newest_readable

if TYPE_CHECKING:
    from .screens.chat import ChatScreen

SEND_DELAY = 1.0  # seconds: reading a busy room sends one marker per this, not one per line
# Newest log entries searched for a chat line on each batch of events: a flood of joins must
# not cost a walk of the whole scrollback per batch (an older line was looked at before).
SCAN_LIMIT = 64


class ReadTracker:
    def __init__(self, chat: ChatScreen) -> None:
        self.chat = chat
        self.enabled = False  # the server offered (and we took) draft/read-marker
        self._pending = ReadDebounce()
        self._sent: dict[str, datetime] = {}  # conversation key -> the last marker sent
        self._timer_set = False

    def registered(self, caps: frozenset[str], account: str) -> None:
        # Markers belong to an account: without a login there is nothing to keep them in.
        self.enabled = CAP in caps and bool(account)
        self._sent.clear()

    def looked(self) -> None:
        """The user may have just read the shown conversation's newest line."""
        chat = self.chat
        conv = chat.model.conversations.shown
        if not self.enabled or conv is None or conv.kind == "server":
            return
        if not chat.log_view.following or not chat.app.app_focus:
            return
        when = newest_readable(conv, SCAN_LIMIT)
        if when is None:
            return
        key = chat.model.key(conv.name)
        last = self._sent.get(key)
        if (last is not None and when <= last) or (
            conv.read_until is not None and when <= conv.read_until
        ):
            return
        self._pending.note(key, conv.name, when)
        if not self._timer_set:
            self._timer_set = True
            chat.set_timer(SEND_DELAY, self._send)

    def _send(self) -> None:
        self._timer_set = False
        client = self.chat.client
        for name, when in self._pending.take():
            self._sent[self.chat.model.key(name)] = when
            if client is not None and self.enabled:
                client.mark_read(name, when)

    def received(self, conv: Conversation, when: datetime | None) -> bool:
        """A marker from the server for ``conv``; whether the counts it shows changed."""
        if when is None:
            return False
        return apply_marker(conv, when, conv is self.chat.model.conversations.shown)
