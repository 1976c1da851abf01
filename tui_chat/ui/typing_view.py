"""Typing notifications for a :class:`ChatScreen`: what the input sends, what the line shows.

The state machines are the client's (:mod:`tui_chat.client.typing`); this is their glue: the
input's edits and the conversation switches go to the pacer and out through the client (only
with the ``send_typing`` setting on), network events go to the tracker, and the shown
conversation's typers go down to the :class:`TypingIndicator`.
"""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from ..client.typing import TypingPacer, TypingState, TypingTracker
from .widgets.typing_indicator import TypingIndicator

if TYPE_CHECKING:
    from ..client import events as ev
    from .screens.chat import ChatScreen


class TypingView:
    def __init__(self, chat: ChatScreen) -> None:
        self.chat = chat
        self.pacer = TypingPacer()
        self.tracker = TypingTracker()

    @property
    def indicator(self) -> TypingIndicator:
        return self.chat.query_one("#typing", TypingIndicator)

    # -- ours, out ----------------------------------------------------------------------------

    def input_changed(self, text: str) -> None:
        chat = self.chat
        conv = chat.model.conversations.shown
        if not chat.settings.send_typing or conv is None:
            return
        if conv.kind == "server" or (conv.kind == "channel" and not conv.joined):
            self._send(self.pacer.left(time.monotonic()))
            return
        self._send(self.pacer.edited(conv.name, text, time.monotonic()))

    def message_sent(self, target: str) -> None:
        self.pacer.sent(target)

    def conversation_shown(self) -> None:
        """Another conversation is shown: the old one is told we stopped; its typers go."""
        self._send(self.pacer.left(time.monotonic()))
        self.show()

    def tick(self) -> None:
        now = time.monotonic()
        if self.chat.settings.send_typing:
            self._send(self.pacer.tick(now))
        else:
            self.pacer.left(now)  # turned off: nothing more goes out, done included
        if self.tracker.expire(now):
            self.show()

    def _send(self, notices: list[tuple[str, TypingState]]) -> None:
        client = self.chat.controller.client
        if client is None:
            return
        for target, state in notices:
            with contextlib.suppress(ValueError):  # a name no TAGMSG can carry
                client.send_typing(target, state)

    # -- theirs, in ---------------------------------------------------------------------------

    def on_event(self, event: ev.Event) -> None:
        """Every network event passes here first; the few that change who is typing count."""
        # Imported here, not with the screen: the event classes (25 dataclasses, the biggest
        # import of ours before the first frame) load with the first event, after that frame.
        # Once loaded, the import statement is a look-up in sys.modules (about a microsecond).
        from ..client import events as ev

        tracker = self.tracker
        key = self.chat.model.key
        match event:
            case ev.Typing():
                where = key(event.buffer)
                changed = tracker.notified(
                    where, key(event.nick), event.nick, event.state, time.monotonic()
                )
                # Another conversation's typers are drawn when it is shown.
                changed = changed and where == self.chat.model.conversations.current
            case ev.ChatMessage(is_history=False):
                changed = tracker.stopped(key(event.buffer), key(event.sender))
            case ev.Parted() | ev.Kicked():
                if event.is_self:
                    changed = tracker.left_all(key(event.buffer))
                else:
                    changed = tracker.stopped(key(event.buffer), key(event.nick))
            case ev.Quit():
                changed = tracker.gone(key(event.nick))
            case ev.NickChanged():
                changed = tracker.gone(key(event.old))
            case ev.ConnectionState(phase=phase) if phase != "connected":
                changed = tracker.clear()
            case _:
                changed = False
        if changed:
            self.show()

    def show(self) -> None:
        where = self.chat.model.conversations.current
        typers = self.tracker.typing_in(where, time.monotonic())
        self.indicator.typers = tuple(typers)
