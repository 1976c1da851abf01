"""Network events applied to the model and the widgets: one ``match`` over the event types.

The network worker's events arrive in batches (:class:`~tui_chat.ui.messages.NetworkEvents`);
:meth:`NetworkView.apply` is the one place that decides what each kind of event does. Lines are
gathered per conversation and appended to the log once per batch (:meth:`NetworkView.flush`).
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from ..client import events as ev
from ..client.names import SERVER_BUFFER
from ..client.search import CAP as SEARCH_CAP
from ..client.search import SearchResults
from ..irc.casemap import is_channel
from .model import (
    CHAT_KINDS,
    IRC,
    LIT,
    MAX_AUTO_QUERIES,
    NICK,
    PLAIN,
    ChatModel,
    ConnectionStatus,
    Conversation,
    Entry,
    Kind,
    Part,
    event_entry,
    info_entry,
)
from .model.entries import quote_of, text_parts
from .model.netsplit import Netsplits, split_servers
from .model.room_list import row_from_reply
from .text import sanitize

if TYPE_CHECKING:
    from .screens.chat import ChatScreen


_KINDS = {"privmsg": "message", "action": "action", "notice": "notice"}
QUOTE_SEARCH = 500  # recent lines searched for replies quoting a deleted one
_ROOM_LIST_REPLIES = frozenset({"321", "322", "323"})  # LIST: start, one room, end


class NetworkView:
    """Applies client events for a :class:`ChatScreen`."""

    def __init__(self, chat: ChatScreen) -> None:
        self.chat = chat
        self.batches: dict[str, list[Entry]] = {}  # conversation key -> lines not yet shown
        # The shown channel's members changed: the user list is rebuilt once per batch of
        # events (see show_rosters), not once per Roster event.
        self.roster_stale = False
        self.netsplits = Netsplits()

    @property
    def model(self) -> ChatModel:
        return self.chat.model

    @property
    def status(self) -> ConnectionStatus:
        return self.chat.model.status

    def apply_all(self, events: Iterable[ev.Event]) -> None:
        for event in events:
            try:
                self.apply(event)
            except Exception as exc:  # one bad event must not take the app down
                text = f"Could not show a {type(event).__name__} event: {type(exc).__name__}: {exc}"
                self._add(SERVER_BUFFER, info_entry(sanitize(text), error=True))

    def apply(self, event: ev.Event) -> None:
        self.chat.typing_view.on_event(event)
        match event:
            case ev.ChatMessage():
                self._chat_message(event)
            case ev.PendingMessage():
                self._pending_message(event)
            case ev.MessageDelivered():
                self._message_delivered(event)
            case ev.MessageFailed():
                self._message_failed(event)
            case ev.MessageRedacted():
                self._message_redacted(event)
            case ev.HistoryReplayed():
                self._history_replayed(event)
            case ev.ConnectionState():
                self._connection_state(event)
            case ev.Registered():
                self._registered(event)
            case ev.Lag():
                self.status.lag = event.seconds
            case ev.Roster():
                self._roster(event)
            case ev.Joined():
                self._joined(event)
            case ev.Parted():
                self._parted(event)
            case ev.Kicked():
                self._kicked(event)
            case ev.Quit():
                self._quit(event)
            case ev.NickChanged():
                self._nick_changed(event)
            case ev.Topic():
                self._topic(event)
            case ev.ModeChange():
                self._mode_change(event)
            case ev.AwayChanged():
                self._away_changed(event)
            case ev.ServerInfo() if event.command in _ROOM_LIST_REPLIES:
                self._room_list_reply(event)
            case ev.ServerInfo():
                self._server_info(event)
            case ev.Invited():
                self._invited(event)
            case ev.PasswordNeeded():
                self._password_needed(event)
            case SearchResults():
                self.chat.searching.server_results(event)
            case ev.ReadMarker():
                self._read_marker(event)
            case _:
                pass  # an event this UI does not show

    def flush(self) -> None:
        """Append the gathered lines to their conversations' logs."""
        for room, when, text in self.netsplits.take_lines():
            if self.model.key(room) in self.model.conversations:
                # Nicks and server names are the network's words: shown as data, never markup.
                self._add(room, event_entry(when, "<->", (PLAIN, text)))
        batches, self.batches = self.batches, {}
        for key, entries in batches.items():
            conv = self.model.conversations.by_key(key)
            if conv is not None and entries:
                conv.log.link_replies(entries)
                self.chat.log_view.append(conv.log, entries)

    def _open(self, name: str, kind: Kind | None = None) -> Conversation:
        # The sidebar is refreshed once per batch of events, not once per conversation opened.
        return self.model.conversations.open(name, kind)[0]

    def _tell_query_cap(self) -> None:
        if not self.model.conversations.cap_told:
            self.model.conversations.cap_told = True
            text = (
                f"{MAX_AUTO_QUERIES} private conversations are open: messages from further new "
                "senders show here. /close some, or /query NICK to open one."
            )
            self._add(SERVER_BUFFER, info_entry(text))

    def _add(self, buffer: str, entry: Entry) -> Conversation:
        conv = self._open(buffer)
        key = self.model.key(conv.name)
        self.batches.setdefault(key, []).append(entry)
        self.model.conversations.observe(conv, entry)
        return conv

    def _set_casemapping(self, mapping: str) -> None:
        if self.model.set_casemapping(mapping):
            self.chat.log_view.casemapping = mapping

    def _connection_state(self, event: ev.ConnectionState) -> None:
        previous = self.status.phase
        self.status.phase = event.phase
        self.status.detail = event.detail
        self.status.security = event.security
        self.status.retry_at = (
            time.monotonic() + event.retry_in if event.retry_in is not None else None
        )
        if event.phase in ("reconnecting", "disconnected"):
            self.status.lag = None
        if event.phase == previous or event.phase == "registering":
            return
        # The detail may be a server's words ("server said: ..." from ERROR): data, never
        # trusted text, so it is its own part and made safe like any other.
        detail: tuple[Part, ...] = (
            ((LIT, " ("), (PLAIN, event.detail), (LIT, ")")) if event.detail else ()
        )
        channels = [c.name for c in self.model.conversations if c.kind == "channel"]
        targets = [SERVER_BUFFER]
        error = False
        if event.phase == "connecting":
            parts: tuple[Part, ...] = ((LIT, f"Connecting to {event.server}…"),)
        elif event.phase == "connected":
            parts = ((LIT, f"Connected to {event.server}."),)
            if self.status.down_announced:
                targets += channels
            self.status.down_announced = False
        else:
            error = True
            if event.phase == "reconnecting":
                wait = f" in {event.retry_in:.0f} s" if event.retry_in is not None else ""
                parts = ((LIT, "Disconnected"), *detail, (LIT, f"; reconnecting{wait}."))
            else:
                parts = ((LIT, "Disconnected"), *detail, (LIT, "."))
            if not self.status.down_announced:
                targets += channels
            self.status.down_announced = True
        for target in targets:
            entry = Entry(
                time=event.time,
                kind="error" if error else "info",
                parts=parts,
                glyph="!!" if error else "--",
            )
            self._add(target, entry)

    def _password_needed(self, event: ev.PasswordNeeded) -> None:
        if event.sent:
            parts: tuple[Part, ...] = ((LIT, "The server refused the password"),)
        else:
            parts = ((LIT, "The server needs a password"),)
        if event.reason:
            parts += (
                (LIT, " ("),
                (PLAIN, event.reason),
                (LIT, ")"),
            )
        entry = Entry(time=event.time, kind="error", parts=(*parts, (LIT, ".")), glyph="!!")
        self._add(SERVER_BUFFER, entry)
        from .screens.password import PasswordScreen

        app = self.chat.app
        if any(isinstance(screen, PasswordScreen) for screen in app.screen_stack):
            return
        app.push_screen(
            PasswordScreen(server=event.server, sent=event.sent, reason=event.reason),
            self._password_typed,
        )

    def _password_typed(self, password: str | None) -> None:
        client = self.chat.controller.client
        if password and client is not None:
            client.set_password(password)
            self.chat.info(SERVER_BUFFER, "Connecting with the password you typed…")
            return
        hint = "Not connected: the server needs a password. Type /reconnect to be asked again."
        self.chat.info(SERVER_BUFFER, hint, error=True)
        if self.model.conversations.current != SERVER_BUFFER:
            self.chat.hint(hint)

    def _registered(self, event: ev.Registered) -> None:
        self.model.my_nick = event.nick
        self.chat.searching.server_can_search = SEARCH_CAP in event.caps
        self.chat.read_tracker.registered(event.caps, event.account)
        for key, value in event.isupport:
            if key.upper() == "CASEMAPPING" and value:
                self._set_casemapping(value.lower())
        try:
            self.chat.controller.make_operator(event.nick)
        except Exception as exc:  # the room still works without operator status
            self._add(SERVER_BUFFER, info_entry(f"Could not become operator: {exc}"))
        if self.model.join_hint:
            self._add(SERVER_BUFFER, info_entry(f"Others can join with: {self.model.join_hint}"))
            if note := self.chat.controller.join_note:
                self._add(SERVER_BUFFER, info_entry(note))

    def _chat_message(self, event: ev.ChatMessage) -> None:
        if event.pending_id and event.pending_id in self.model.pending:
            self._set_msgid(event.pending_id, event.msgid)
            self._deliver(event.pending_id)
            return
        if not event.is_self and self.model.is_ignored(event.sender, event.userhost):
            return
        kind = _KINDS[event.kind]
        buffer = event.buffer
        if (
            buffer != SERVER_BUFFER
            and self.model.key(buffer) not in self.model.conversations
            and event.kind == "notice"
            and not is_channel(buffer)
            and not event.is_self
        ):
            # A notice from a person: show it where the reader is.
            buffer = self.model.conversations.current
        parts: tuple[tuple[str, str], ...] = text_parts(event.text)
        if not event.is_history and not self.model.conversations.may_open(buffer):
            buffer = SERVER_BUFFER
            parts = ((LIT, "(private) "), *parts)
            self._tell_query_cap()
        entry = Entry(
            time=event.time,
            kind=kind,
            nick=event.sender,
            parts=parts,
            mention=event.is_mention and not event.is_self,
            is_self=event.is_self,
            msgid=event.msgid,
            history=event.is_history,
            reply_to=event.reply_to,
        )
        if event.is_history:
            # Held until the HistoryReplayed that ends the replay: then placed by time, once.
            self.model.held_history.setdefault(self.model.key(buffer), []).append(entry)
            return
        conv = self._add(buffer, entry)
        if not event.is_self and not event.is_history:
            private = conv.kind == "query"
            if entry.mention or (private and event.kind != "notice"):
                self.chat.alert(event.sender, conv.name, event.text, private)

    def _history_replayed(self, event: ev.HistoryReplayed) -> None:
        key = self.model.key(event.buffer)
        held = self.model.held_history.pop(key, [])
        if not held or not self.model.conversations.may_open(event.buffer):
            return
        conv = self._open(event.buffer)
        self.flush()  # earlier live lines first, so the insertion point is right
        log = conv.log
        seen_ids = {e.msgid for e in log.entries if e.msgid}
        seen = {(e.time, e.nick, e.plain) for e in log.entries if e.kind in CHAT_KINDS}
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
        log.link_replies(block)
        # With a read marker the line goes where the reading stopped (on any connection of the
        # account), and only what came after it is counted as unread.
        marker = conv.read_until if event.kind == "missed" else None
        unread = block if marker is None else [e for e in block if e.time > marker]
        mentions = sum(1 for e in unread if e.mention)
        if event.kind == "missed" and marker is not None:
            text = missed_by_marker(len(block), len(unread), mentions)
        elif event.kind == "missed":
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
            if unread and entry is unread[0] and marker is not None:
                placed.append(Entry(time=entry.time, kind="separator", parts=((LIT, text),)))
            placed.append(entry)
        if not unread or marker is None:
            placed.append(Entry(time=newest, kind="separator", parts=((LIT, text),)))
        if index == len(log.entries):
            log.last_day = day
        self.chat.log_view.insert(log, index, placed)
        if event.kind == "missed" and key != self.model.conversations.current:
            others = sum(1 for e in unread if not e.is_self)
            conv.unread += others
            conv.mentions += others if conv.kind == "query" else mentions

    def _read_marker(self, event: ev.ReadMarker) -> None:
        conv = self.model.conversations.get(event.buffer)
        if conv is None:
            return  # a marker is no reason to open a window
        self.flush()  # this batch's lines are counted, so they must be in the log to recount
        self.chat.read_tracker.received(conv, event.read_until)

    def _pending_message(self, event: ev.PendingMessage) -> None:
        state = "queued" if event.queued else "sent"
        known = self.model.pending.get(event.pending_id)
        if known is not None:
            key, entry = known
            if entry.pending != state:
                entry.pending = state
                conv = self.model.conversations.by_key(key)
                if conv is not None:
                    self.flush()
                    self.chat.log_view.update_entry(conv.log, entry)
            return
        kind = _KINDS[event.kind]
        entry = Entry(
            time=event.time,
            kind=kind,
            nick=self.model.my_nick,
            parts=text_parts(event.text),
            is_self=True,
            pending=state,
            pending_id=event.pending_id,
            reply_to=event.reply_to,
        )
        conv = self._add(event.buffer, entry)
        self.model.pending[event.pending_id] = (self.model.key(conv.name), entry)

    def _message_delivered(self, event: ev.MessageDelivered) -> None:
        if event.pending_id in self.model.pending:
            self.flush()
            self._set_msgid(event.pending_id, event.msgid)
            self._deliver(event.pending_id)

    def _set_msgid(self, pending_id: str, msgid: str | None) -> None:
        """Our own line got its msgid (echo-message): it can now be deleted or replied to."""
        key, entry = self.model.pending[pending_id]
        entry.msgid = msgid
        conv = self.model.conversations.by_key(key)
        if conv is not None:
            conv.log.note_msgid(entry)

    def _message_redacted(self, event: ev.MessageRedacted) -> None:
        conv = self.model.conversations.get(event.buffer)
        if conv is None:
            return  # not a conversation we show: nothing to delete
        self.flush()  # the line may still be waiting in this batch
        entry = conv.log.find_msgid(event.msgid)
        if entry is None or entry.deleted or entry.kind not in CHAT_KINDS:
            return  # not in the log (any more), or deleted already: the spec says ignore
        entry.deleted = True
        entry.parts = ()  # gone from search and from any re-render
        entry.mention = False
        view = self.chat.log_view
        view.update_entry(conv.log, entry)
        # Replies quoting it show "(message deleted)" now; they are recent (bounded search),
        # and each message is deleted once, so a flood of REDACTs costs nothing more.
        recent = itertools.islice(reversed(conv.log.entries), QUOTE_SEARCH)
        quoting = [e for e in recent if e.reply_to == event.msgid and e.quote is not None]
        for reply in quoting:
            reply.quote = quote_of(entry)
        if quoting:
            view.invalidate(conv.log, quoting)

    def _message_failed(self, event: ev.MessageFailed) -> None:
        known = self.model.pending.pop(event.pending_id, None)
        if known is None:
            return
        self.flush()
        key, entry = known
        entry.pending = "failed"
        conv = self.model.conversations.by_key(key)
        if conv is not None:
            self.chat.log_view.update_entry(conv.log, entry)
            if event.reason:
                self.chat.log_view.append(
                    conv.log,
                    [
                        Entry(
                            time=event.time, kind="error", parts=((IRC, event.reason),), glyph="!!"
                        )
                    ],
                )

    def _deliver(self, pending_id: str) -> None:
        key, entry = self.model.pending.pop(pending_id)
        entry.pending = None
        conv = self.model.conversations.by_key(key)
        if conv is not None:
            self.chat.log_view.update_entry(conv.log, entry)

    def _roster(self, event: ev.Roster) -> None:
        conv = self.model.conversations.get(event.buffer)
        if conv is None:
            return  # a roster is no reason to open a window
        conv.members = event.members
        if self.model.key(event.buffer) == self.model.conversations.current:
            self.roster_stale = True

    def show_rosters(self) -> None:
        """Show the current channel's members if they changed during this batch."""
        if self.roster_stale:
            self.roster_stale = False
            shown = self.model.conversations.shown
            if shown is not None:
                self.chat.show_roster(shown)

    def _joined(self, event: ev.Joined) -> None:
        conv = self._open(event.buffer, "channel")
        if event.is_self:
            conv.joined = True
            conv.name = event.buffer
            key = self.model.key(event.buffer)
            self._add(
                event.buffer,
                event_entry(event.time, "-->", (LIT, "You joined "), (PLAIN, event.buffer)),
            )
            if self.model.join_hint and not self.model.hint_shown:
                self.model.hint_shown = True
                self._add(
                    event.buffer,
                    info_entry(f"Others can join with: {self.model.join_hint}", time=event.time),
                )
                if note := self.chat.controller.join_note:
                    self._add(event.buffer, info_entry(note, time=event.time))
                if warning := self.chat.controller.history_warning():
                    self._add(event.buffer, info_entry(warning, time=event.time, error=True))
            if key in self.model.switch_on_join:
                self.model.switch_on_join.discard(key)
                self.flush()
                self.chat.show(key)
            return
        if self.netsplits.rejoined(
            event.buffer, event.nick, self.model.key(event.nick), event.time
        ):
            return  # the netjoin's one line (see flush)
        host = f" ({event.userhost})" if event.userhost else ""
        self._add(
            event.buffer,
            event_entry(
                event.time,
                "-->",
                (NICK, event.nick),
                (PLAIN, host),
                (LIT, " joined"),
                about=event.nick,
            ),
        )

    def _left(self, key: str, conv: Conversation) -> None:
        """We are out of the room: nobody is listed (and the header says so)."""
        conv.joined = False
        conv.members = ()
        if key == self.model.conversations.current:
            self.roster_stale = True

    def _parted(self, event: ev.Parted) -> None:
        key = self.model.key(event.buffer)
        conv = self.model.conversations.by_key(key)
        if conv is None:
            return
        reason = ((LIT, " ("), (IRC, event.reason), (LIT, ")")) if event.reason else ()
        if event.is_self:
            self._left(key, conv)
            if key in self.model.close_on_part:
                self.model.close_on_part.discard(key)
                self.chat.close_conversation(key)
                return
            self._add(event.buffer, event_entry(event.time, "<--", (LIT, "You left"), *reason))
            return
        self._add(
            event.buffer,
            event_entry(
                event.time, "<--", (NICK, event.nick), (LIT, " left"), *reason, about=event.nick
            ),
        )

    def _kicked(self, event: ev.Kicked) -> None:
        conv = self.model.conversations.get(event.buffer)
        if conv is None:
            return
        reason = ((LIT, " ("), (IRC, event.reason), (LIT, ")")) if event.reason else ()
        who = (LIT, "You were") if event.is_self else None
        parts = [who] if who else [(NICK, event.nick), (LIT, " was")]
        entry = event_entry(
            event.time, "<--", *parts, (LIT, " kicked by "), (NICK, event.by), *reason
        )
        if event.is_self:
            entry.kind = "error"
            self._left(self.model.key(event.buffer), conv)
        self._add(event.buffer, entry)

    def _quit(self, event: ev.Quit) -> None:
        buffers = event.buffers
        servers = split_servers(event.reason)
        if servers is not None:  # a netsplit: one line per room for all of them (see flush)
            key = self.model.key(event.nick)
            for buffer in buffers:
                if is_channel(buffer):
                    self.netsplits.quit(buffer, servers, event.nick, key, event.time)
            buffers = tuple(b for b in buffers if not is_channel(b))  # a query: its own line
        reason = ((LIT, " ("), (IRC, event.reason), (LIT, ")")) if event.reason else ()
        for buffer in buffers:
            if self.model.key(buffer) in self.model.conversations:
                self._add(
                    buffer,
                    event_entry(
                        event.time,
                        "<--",
                        (NICK, event.nick),
                        (LIT, " quit"),
                        *reason,
                        about=event.nick,
                    ),
                )

    def _nick_changed(self, event: ev.NickChanged) -> None:
        if event.is_self:
            self.model.my_nick = event.new
            with contextlib.suppress(Exception):
                self.chat.controller.make_operator(event.new)
        new_key = self.model.key(event.new)
        self.model.conversations.rename(event.old, event.new)
        if event.is_self:
            parts = [(LIT, "You are now known as "), (NICK, event.new)]
            if event.reason:
                parts += [(LIT, " ("), (PLAIN, event.reason), (LIT, ")")]
            targets = {SERVER_BUFFER, self.model.conversations.current, *event.buffers}
        else:
            parts = [(NICK, event.old), (LIT, " is now known as "), (NICK, event.new)]
            targets = set(event.buffers)
            renamed = self.model.conversations.by_key(new_key)
            if renamed is not None:
                targets.add(renamed.name)
        for buffer in targets:
            if self.model.key(buffer) in self.model.conversations:
                self._add(buffer, event_entry(event.time, "--", *parts))

    def _topic(self, event: ev.Topic) -> None:
        conv = self.model.conversations.get(event.buffer)
        if conv is not None:
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
        buffer = event.buffer
        if conv is None:  # a topic is no reason to open a window
            buffer = SERVER_BUFFER
            parts = [(PLAIN, event.buffer), (LIT, ": "), *parts]
        self._add(buffer, event_entry(event.time, "--", *parts))

    def _mode_change(self, event: ev.ModeChange) -> None:
        buffer = (
            event.buffer
            if self.model.key(event.buffer) in self.model.conversations
            else SERVER_BUFFER
        )
        self._add(
            buffer,
            event_entry(
                event.time, "--", (NICK, event.setter), (LIT, " sets mode "), (PLAIN, event.modes)
            ),
        )

    def _away_changed(self, event: ev.AwayChanged) -> None:
        if event.is_self:
            text = (
                "You are now marked as away." if event.away else "You are no longer marked as away."
            )
            self._add(self.model.conversations.current, info_entry(text, time=event.time))

    def _server_info(self, event: ev.ServerInfo) -> None:
        error = event.level == "error"
        entry = Entry(
            time=event.time,
            kind="error" if error else "info",
            parts=((IRC, event.text),),
            glyph="!!" if error else "--",
        )
        buffer = event.buffer
        if buffer != SERVER_BUFFER and self.model.key(buffer) not in self.model.conversations:
            buffer = self.model.conversations.current
        self._add(buffer, entry)
        if error and buffer == SERVER_BUFFER and self.model.conversations.current != SERVER_BUFFER:
            self._add(
                self.model.conversations.current,
                Entry(time=event.time, kind="error", parts=((IRC, event.text),), glyph="!!"),
            )

    def _room_list_reply(self, event: ev.ServerInfo) -> None:
        """LIST replies fill the room list, not the log (see screens/room_list.py)."""
        listing = self.model.room_list
        if event.command == "321":
            listing.start()
        elif event.command == "322":
            row = row_from_reply(event.buffer, event.text)
            if row is not None:
                listing.add(row)
        else:
            listing.finish()
            if not listing.requested:  # a LIST sent some other way (/quote LIST)
                from .screens.room_list import open_room_list

                open_room_list(self.chat)
            listing.requested = False

    def _invited(self, event: ev.Invited) -> None:
        self._add(
            self.model.conversations.current,
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


def missed_by_marker(total: int, unread: int, mentions: int) -> str:
    if not unread:
        return f"while you were away: {_count(total, 'message')}, read on another connection"
    return (
        f"while you were away: {_count(unread, 'unread message')}, "
        f"{_count(mentions, 'mention')} below"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
