"""Network events: the inbox the network worker fills, and applying each client event to the
conversations (one ``_on_<EventName>`` handler per event type).

:class:`NetworkEventHandlers` is a mixin of :class:`~tui_chat.ui.app.ChatApp`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual import on

from ..client.names import SERVER_BUFFER
from ..irc.casemap import is_channel
from .conversations import MAX_AUTO_QUERIES
from .message_log import IRC, LIT, NICK, PLAIN, Entry, event_entry, info_entry
from .messages import NetworkEvents
from .text import sanitize
from .widgets import UserList

if TYPE_CHECKING:
    from ..client import events as ev
    from .conversations import Conversation

NETWORK_SLICE = 0.005  # seconds of network events handled before keys and redraws get a turn
EVENTS_PER_CHUNK = 50  # network events taken from the inbox between looks at the clock
# Backpressure: with more than BACKLOG_EVENTS events waiting for the UI, the network worker
# pauses (at most BACKLOG_WAIT seconds per batch) so parsing does not starve the UI thread of
# the interpreter; it never stops reading for long (the server drops a client that lags 1 MiB).
BACKLOG_EVENTS = 100
BACKLOG_WAIT = 0.03

_CHAT_KINDS = frozenset({"message", "action", "notice"})


class NetworkEventHandlers:
    """The inbox and the per-event handlers (mixin of ChatApp)."""

    def _emit(self, events: tuple[ev.Event, ...]) -> None:
        """Called from the network worker thread.

        Batches coalesce: while one :class:`NetworkEvents` waits in the app's queue, newer
        events join it instead of queueing another, so a keypress never waits behind a backlog.
        """
        with self._inbox_lock:
            self._inbox.extend(events)
            backlog = len(self._inbox) > BACKLOG_EVENTS
            if backlog:
                self._inbox_drained.clear()
            post = not self._inbox_posted
            self._inbox_posted = True
        if post:
            self.post_message(NetworkEvents(()))
        if backlog and not self._quitting:
            self._inbox_drained.wait(BACKLOG_WAIT)

    def _take_inbox(self, count: int) -> tuple[list[ev.Event], bool]:
        """The next ``count`` events at most, and whether more are waiting after them."""
        with self._inbox_lock:
            events = self._inbox[:count]
            del self._inbox[:count]
            if len(self._inbox) <= BACKLOG_EVENTS // 2:
                self._inbox_drained.set()
            return events, bool(self._inbox)

    def _inbox_continue(self) -> None:
        """Post the next :class:`NetworkEvents` if events are waiting, else let ``_emit`` post."""
        with self._inbox_lock:
            more = bool(self._inbox)
            self._inbox_posted = more
        if more:
            self.post_message(NetworkEvents(()))

    @on(NetworkEvents)
    async def _network_events(self, message: NetworkEvents) -> None:
        """Handle network events for at most :data:`NETWORK_SLICE` seconds, then yield.

        The rest waits behind whatever was queued meanwhile (a keypress goes first), and the
        ``await`` at the end gives the other tasks a turn: Textual runs the app's queue without
        returning to the event loop while it is non-empty, so without it the focused Input
        (which gets keys through its own queue) and the screen's refresh timer would wait for
        the whole flood.
        """
        if self._quitting:
            return
        batches: dict[str, list[Entry]] = {}
        if message.events:
            self._handle_events(message.events, batches)
        else:
            deadline = time.perf_counter() + NETWORK_SLICE
            more = True
            while more and time.perf_counter() < deadline:
                events, more = self._take_inbox(EVENTS_PER_CHUNK)
                self._handle_events(events, batches)
        self._flush_batches(batches)
        self._refresh_sidebar()
        self._refresh_header()
        if not message.events:
            self._inbox_continue()
        await asyncio.sleep(0)

    def _handle_events(self, events: Iterable[ev.Event], batches: dict[str, list[Entry]]) -> None:
        for event in events:
            handler = getattr(self, f"_on_{type(event).__name__}", None)
            if handler is None:
                continue
            try:
                handler(event, batches)
            except Exception as exc:  # one bad event must not take the app down
                text = f"Could not show a {type(event).__name__} event: {type(exc).__name__}: {exc}"
                self._add(batches, SERVER_BUFFER, info_entry(sanitize(text), error=True))

    def _flush_batches(self, batches: dict[str, list[Entry]]) -> None:
        for key, entries in batches.items():
            conv = self.conversations.get(key)
            if conv is not None and entries:
                self.log_view.append(conv.log, entries)

    def _add(self, batches: dict[str, list[Entry]], buffer: str, entry: Entry) -> Conversation:
        conv = self._open(buffer)
        key = self._key(conv.name)
        batches.setdefault(key, []).append(entry)
        # What you said yourself (typed here, echoed, or sent with /msg) is never unread.
        if key != self.current and entry.kind in _CHAT_KINDS and not entry.is_self:
            conv.unread += 1
            if entry.mention or conv.kind == "query":
                conv.mentions += 1
        return conv

    def _on_ConnectionState(self, event: ev.ConnectionState, batches) -> None:
        previous = self.phase
        self.phase = event.phase
        self.phase_detail = event.detail
        self.retry_at = time.monotonic() + event.retry_in if event.retry_in is not None else None
        if event.phase in ("reconnecting", "disconnected"):
            self.lag = None
        if event.phase == previous or event.phase == "registering":
            return
        detail = f" ({event.detail})" if event.detail else ""
        channels = [c.name for c in self.conversations.values() if c.kind == "channel"]
        targets = [SERVER_BUFFER]
        error = False
        if event.phase == "connecting":
            text = f"Connecting to {event.server}…"
        elif event.phase == "connected":
            text = f"Connected to {event.server}."
            if self._down_announced:
                targets += channels
            self._down_announced = False
        else:
            error = True
            if event.phase == "reconnecting":
                wait = f" in {event.retry_in:.0f} s" if event.retry_in is not None else ""
                text = f"Disconnected{detail}; reconnecting{wait}."
            else:
                text = f"Disconnected{detail}."
            if not self._down_announced:
                targets += channels
            self._down_announced = True
        for target in targets:
            self._add(batches, target, info_entry(text, error=error, time=event.time))

    def _on_Registered(self, event: ev.Registered, batches) -> None:
        self.my_nick = event.nick
        for key, value in event.isupport:
            if key.upper() == "CASEMAPPING" and value:
                self._set_casemapping(value.lower())
        if self.server is not None:
            try:
                self.server.make_operator(event.nick)
            except Exception as exc:  # the room still works without operator status
                self._add(batches, SERVER_BUFFER, info_entry(f"Could not become operator: {exc}"))
        if self._join_hint:
            self._add(
                batches, SERVER_BUFFER, info_entry(f"Others can join with: {self._join_hint}")
            )

    def _on_Lag(self, event: ev.Lag, batches) -> None:
        self.lag = event.seconds

    def _on_ChatMessage(self, event: ev.ChatMessage, batches) -> None:
        if event.pending_id and event.pending_id in self.pending:
            self.pending[event.pending_id][1].msgid = event.msgid
            self._deliver(event.pending_id)
            return
        if not event.is_self and self._is_ignored(event.sender):
            return
        kind = {"privmsg": "message", "action": "action", "notice": "notice"}[event.kind]
        buffer = event.buffer
        if (
            buffer != SERVER_BUFFER
            and self._key(buffer) not in self.conversations
            and event.kind == "notice"
            and not is_channel(buffer)
            and not event.is_self
        ):
            buffer = self.current  # a notice from a person: show it where the reader is
        parts: tuple = ((IRC, event.text),)
        if not self._query_room(buffer):
            buffer = SERVER_BUFFER
            parts = ((LIT, "(private) "), *parts)
            if not self._told_query_cap:
                self._told_query_cap = True
                text = (
                    f"{MAX_AUTO_QUERIES} private conversations are open: messages from further "
                    "new senders show here. /close some, or /query NICK to open one."
                )
                self._add(batches, SERVER_BUFFER, info_entry(text, time=event.time))
        entry = Entry(
            time=event.time,
            kind=kind,
            nick=event.sender,
            parts=parts,
            mention=event.is_mention and not event.is_self,
            is_self=event.is_self,
            msgid=event.msgid,
            history=event.is_history,
        )
        if event.is_history:
            # Held until the HistoryReplayed that ends the replay: then placed by time, once.
            self._held_history.setdefault(self._key(buffer), []).append(entry)
            return
        conv = self._add(batches, buffer, entry)
        if not event.is_self and not event.is_history:
            private = conv.kind == "query"
            if entry.mention or (private and event.kind != "notice"):
                self._alert(event.sender, conv.name, event.text, private)

    def _on_HistoryReplayed(self, event: ev.HistoryReplayed, batches) -> None:
        key = self._key(event.buffer)
        held = self._held_history.pop(key, [])
        if not held or not self._query_room(event.buffer):
            return
        conv = self._open(event.buffer)
        self._flush_batches(batches)  # earlier live lines first, so the insertion point is right
        batches.clear()
        log = conv.log
        seen_ids = {e.msgid for e in log.entries if e.msgid}
        seen = {(e.time, e.nick, e.plain) for e in log.entries if e.kind in _CHAT_KINDS}
        block: list[Entry] = []
        for entry in sorted(held, key=lambda e: e.time):
            ident = (entry.time, entry.nick, entry.plain)
            if (entry.msgid and entry.msgid in seen_ids) or ident in seen:
                continue  # shown already (live, or by an earlier replay)
            if entry.msgid:
                seen_ids.add(entry.msgid)
            seen.add(ident)
            block.append(entry)
        if not block:
            return
        mentions = sum(1 for e in block if e.mention)
        if event.kind == "missed":
            text = f"while you were away: {_count(len(block), 'message')}, " + _count(
                mentions, "mention"
            )
        else:
            text = "earlier messages"
        newest = block[-1].time
        index = len(log.entries)
        while index > 0 and log.entries[index - 1].time > newest:
            index -= 1
        previous = log.entries[index - 1] if index else None
        placed: list[Entry] = []
        day = previous.time.astimezone().date() if previous is not None else None
        for entry in block:
            entry_day = entry.time.astimezone().date()
            if day is not None and entry_day != day:
                placed.append(
                    Entry(
                        time=entry.time,
                        kind="day",
                        parts=((LIT, entry_day.strftime("%A %d %B %Y")),),
                    )
                )
            day = entry_day
            placed.append(entry)
        placed.append(Entry(time=newest, kind="separator", parts=((LIT, text),)))
        if index == len(log.entries):
            log.last_day = day
        self.log_view.insert(log, index, placed)
        if event.kind == "missed" and key != self.current:
            others = sum(1 for e in block if not e.is_self)
            conv.unread += others
            conv.mentions += others if conv.kind == "query" else mentions

    def _on_PendingMessage(self, event: ev.PendingMessage, batches) -> None:
        state = "queued" if event.queued else "sent"
        known = self.pending.get(event.pending_id)
        if known is not None:
            key, entry = known
            if entry.pending != state:
                entry.pending = state
                conv = self.conversations.get(key)
                if conv is not None:
                    self._flush_batches(batches)
                    batches.clear()
                    self.log_view.update_entry(conv.log, entry)
            return
        kind = {"privmsg": "message", "action": "action", "notice": "notice"}[event.kind]
        entry = Entry(
            time=event.time,
            kind=kind,
            nick=self.my_nick,
            parts=((IRC, event.text),),
            is_self=True,
            pending=state,
            pending_id=event.pending_id,
        )
        conv = self._add(batches, event.buffer, entry)
        self.pending[event.pending_id] = (self._key(conv.name), entry)

    def _on_MessageDelivered(self, event: ev.MessageDelivered, batches) -> None:
        if event.pending_id in self.pending:
            self._flush_batches(batches)
            batches.clear()
            self.pending[event.pending_id][1].msgid = event.msgid
            self._deliver(event.pending_id)

    def _on_MessageFailed(self, event, batches) -> None:
        known = self.pending.pop(event.pending_id, None)
        if known is None:
            return
        self._flush_batches(batches)
        batches.clear()
        key, entry = known
        entry.pending = "failed"
        conv = self.conversations.get(key)
        if conv is not None:
            self.log_view.update_entry(conv.log, entry)
            if event.reason:
                self.log_view.append(
                    conv.log,
                    [
                        Entry(
                            time=event.time, kind="error", parts=((IRC, event.reason),), glyph="!!"
                        )
                    ],
                )

    def _deliver(self, pending_id: str) -> None:
        key, entry = self.pending.pop(pending_id)
        entry.pending = None
        conv = self.conversations.get(key)
        if conv is not None:
            self.log_view.update_entry(conv.log, entry)

    def _on_Roster(self, event: ev.Roster, batches) -> None:
        conv = self.conversations.get(self._key(event.buffer))
        if conv is None:
            return
        conv.members = event.members
        if self._key(event.buffer) == self.current:
            self.query_one("#userlist", UserList).show(conv.members, self.casemapping)

    def _on_Joined(self, event: ev.Joined, batches) -> None:
        conv = self._open(event.buffer, "channel")
        if event.is_self:
            conv.joined = True
            conv.name = event.buffer
            key = self._key(event.buffer)
            self._add(
                batches,
                event.buffer,
                event_entry(event.time, "-->", (LIT, "You joined "), (PLAIN, event.buffer)),
            )
            if self._join_hint and not self._hint_shown:
                self._hint_shown = True
                self._add(
                    batches,
                    event.buffer,
                    info_entry(f"Others can join with: {self._join_hint}", time=event.time),
                )
            if key in self._switch_on_join:
                self._switch_on_join.discard(key)
                self._flush_batches(batches)
                batches.clear()
                self._show(key)
            return
        host = f" ({event.userhost})" if event.userhost else ""
        self._add(
            batches,
            event.buffer,
            event_entry(event.time, "-->", (NICK, event.nick), (PLAIN, host), (LIT, " joined")),
        )

    def _on_Parted(self, event: ev.Parted, batches) -> None:
        key = self._key(event.buffer)
        conv = self.conversations.get(key)
        if conv is None:
            return
        reason = ((LIT, " ("), (IRC, event.reason), (LIT, ")")) if event.reason else ()
        if event.is_self:
            conv.joined = False
            conv.members = ()
            if key in self._rooms_closing:
                self._rooms_closing.discard(key)
                self._close(key)
                return
            self._add(
                batches, event.buffer, event_entry(event.time, "<--", (LIT, "You left"), *reason)
            )
            return
        self._add(
            batches,
            event.buffer,
            event_entry(event.time, "<--", (NICK, event.nick), (LIT, " left"), *reason),
        )

    def _on_Kicked(self, event: ev.Kicked, batches) -> None:
        if self._key(event.buffer) not in self.conversations:
            return
        reason = ((LIT, " ("), (IRC, event.reason), (LIT, ")")) if event.reason else ()
        who = (LIT, "You were") if event.is_self else None
        parts = [who] if who else [(NICK, event.nick), (LIT, " was")]
        entry = event_entry(
            event.time, "<--", *parts, (LIT, " kicked by "), (NICK, event.by), *reason
        )
        if event.is_self:
            entry.kind = "error"
            conv = self.conversations[self._key(event.buffer)]
            conv.joined = False
            conv.members = ()
        self._add(batches, event.buffer, entry)

    def _on_Quit(self, event: ev.Quit, batches) -> None:
        reason = ((LIT, " ("), (IRC, event.reason), (LIT, ")")) if event.reason else ()
        for buffer in event.buffers:
            if self._key(buffer) in self.conversations:
                self._add(
                    batches,
                    buffer,
                    event_entry(event.time, "<--", (NICK, event.nick), (LIT, " quit"), *reason),
                )

    def _on_NickChanged(self, event: ev.NickChanged, batches) -> None:
        if event.is_self:
            self.my_nick = event.new
            if self.server is not None:
                with contextlib.suppress(Exception):
                    self.server.make_operator(event.new)
        old_key = self._key(event.old)
        new_key = self._key(event.new)
        if old_key in self.conversations and self.conversations[old_key].kind == "query":
            conv = self.conversations.pop(old_key)
            conv.name = event.new
            if new_key not in self.conversations:
                self.conversations[new_key] = conv
                self.order[self.order.index(old_key)] = new_key
                if self.current == old_key:
                    self.current = new_key
            else:
                self.order.remove(old_key)
                self._open_queries -= 1
        if event.is_self:
            parts = [(LIT, "You are now known as "), (NICK, event.new)]
            if event.reason:
                parts += [(LIT, " ("), (PLAIN, event.reason), (LIT, ")")]
            targets = {SERVER_BUFFER, self.current, *event.buffers}
        else:
            parts = [(NICK, event.old), (LIT, " is now known as "), (NICK, event.new)]
            targets = set(event.buffers)
            if new_key in self.conversations:
                targets.add(self.conversations[new_key].name)
        for buffer in targets:
            if self._key(buffer) in self.conversations:
                self._add(batches, buffer, event_entry(event.time, "--", *parts))

    def _on_Topic(self, event: ev.Topic, batches) -> None:
        conv = self.conversations.get(self._key(event.buffer))
        buffer = event.buffer
        if conv is None:
            buffer = SERVER_BUFFER  # a topic is no reason to open a window
        else:
            conv.topic = event.topic
        if event.is_change:
            parts = [
                (NICK, event.setter or "someone"),
                (LIT, " changed the topic to: "),
                (IRC, event.topic),
            ]
        else:
            parts = [(LIT, "Topic: "), (IRC, event.topic)]
            if event.setter:
                parts += [(LIT, " (set by "), (PLAIN, event.setter), (LIT, ")")]
        if conv is None:
            parts = [(PLAIN, event.buffer), (LIT, ": "), *parts]
        self._add(batches, buffer, event_entry(event.time, "--", *parts))

    def _on_ModeChange(self, event: ev.ModeChange, batches) -> None:
        buffer = event.buffer if self._key(event.buffer) in self.conversations else SERVER_BUFFER
        self._add(
            batches,
            buffer,
            event_entry(
                event.time, "--", (NICK, event.setter), (LIT, " sets mode "), (PLAIN, event.modes)
            ),
        )

    def _on_AwayChanged(self, event: ev.AwayChanged, batches) -> None:
        if event.is_self:
            text = (
                "You are now marked as away." if event.away else "You are no longer marked as away."
            )
            self._add(batches, self.current, info_entry(text, time=event.time))

    def _on_ServerInfo(self, event: ev.ServerInfo, batches) -> None:
        error = event.level == "error"
        entry = Entry(
            time=event.time,
            kind="error" if error else "info",
            parts=((IRC, event.text),),
            glyph="!!" if error else "--",
        )
        buffer = event.buffer
        if buffer != SERVER_BUFFER and self._key(buffer) not in self.conversations:
            buffer = self.current
        self._add(batches, buffer, entry)
        if error and buffer == SERVER_BUFFER and self.current != SERVER_BUFFER:
            self._add(
                batches,
                self.current,
                Entry(time=event.time, kind="error", parts=((IRC, event.text),), glyph="!!"),
            )

    def _on_Invited(self, event: ev.Invited, batches) -> None:
        self._add(
            batches,
            self.current,
            event_entry(
                event.time,
                "--",
                (NICK, event.by),
                (LIT, " invites you to "),
                (PLAIN, event.channel),
                (LIT, " (type /join "),
                (PLAIN, event.channel),
                (LIT, ")"),
            ),
        )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
