"""The chat screen: composes the widgets, owns their handlers, and keeps them in step with the
model (:mod:`.model`), which network events (:mod:`.network_view`) and commands (:mod:`.commands`)
change. State goes down to widgets as reactive attributes; widgets report back with messages.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Static

from ...client.names import SERVER_BUFFER
from ..key_first import KeyFirst, watch_keys
from ..messages import InboxReady, NetworkEvents, SearchLogResult
from ..model import ChatModel, Conversation, Kind, info_entry
from ..model.activity import Activity
from ..model.panels import Panels
from ..read_markers import ReadTracker
from ..search_view import SearchView
from ..text import sanitize
from ..textual_compat import app_driver
from ..typing_view import TypingView
from ..widgets import (
    ChatHeader,
    ChatInput,
    HeaderState,
    MessageLog,
    RosterView,
    Sidebar,
    SidebarItem,
    UserList,
)
from ..widgets.typing_indicator import TypingIndicator

if TYPE_CHECKING:
    from ...client.client import ChatClient
    from ...client.ui_turn import UiTurn
    from ...config import Settings
    from ..controller import ConnectionController, Inbox
    from ..network_view import NetworkView
    from ..widgets.search_panel import SearchBar

NETWORK_SLICE = 0.005  # seconds of network events handled before keys and redraws get a turn
NOTIFY_INTERVAL = 5.0  # seconds between bells/notifications while the app is not focused
NARROW_FOOTER = 100  # columns below which the footer is drawn compact
MAX_ACT = 12  # conversations listed in the header's "Act:" while the sidebar is hidden


class ChatScreen(Screen[None]):
    class QuitRequested(Message):
        """/quit: the app stops the connection and exits."""

        def __init__(self, quit_message: str) -> None:
            super().__init__()
            self.quit_message = quit_message

    def __init__(
        self, *, model: ChatModel, controller: ConnectionController, settings: Settings
    ) -> None:
        super().__init__()
        self.model = model
        self.controller = controller
        self.settings = settings
        self.inbox: Inbox | None = None  # set by the app when a connection starts
        # The connection's worker waits while a keystroke's frame is due (set with the inbox).
        self.network_turn: UiTurn | None = None
        self._network_view: NetworkView | None = None
        self.searching = SearchView(self)
        self.typing_view = TypingView(self)
        self.last_alert = 0.0
        self.panels = Panels()
        self.read_tracker = ReadTracker(self)
        self.jump_origin: str | None = None  # where a run of Alt+A started, to return to
        self.jump_landed = ""  # where the last Alt+A went
        self.key_first = KeyFirst()  # network work waits briefly for a keystroke's frame
        self.drain_held = False  # drain_inbox gave way to a keystroke; resumes after its frame
        self.release_due = 0.0  # time.monotonic() when a timer set for the end of a hold fires
        model.conversations.smart_filter = settings.smart_filter

    def compose(self) -> ComposeResult:
        yield ChatHeader(id="header")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                yield MessageLog(
                    timestamp_format=self.settings.timestamp_format,
                    nick_column=self.settings.nick_column,
                    smart_filter=self.settings.smart_filter,
                    id="log",
                )
                # The search results and bar are mounted on first use (Ctrl+F, /search).
                yield Static(id="unseen")
                yield TypingIndicator(id="typing")
            yield UserList(id="userlist")
        yield ChatInput(
            nick_source=self.model.completion_nicks,
            on_edit=self._typed,
            placeholder="Type a message, or /help",
            id="input",
        )
        yield Footer()

    def on_mount(self) -> None:
        self.open_conversation(SERVER_BUFFER, "server")
        self.show(SERVER_BUFFER)
        # ChatApp.cursor_blink (off in tests and screenshots, for stable pictures).
        self.chat_input.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
        self.chat_input.focus()
        if self.settings.problem:
            self.info(SERVER_BUFFER, self.settings.problem, error=True)
        self.set_interval(1.0, self._tick)
        self.panels.fit(self.app.size.width)
        self.show_panels()
        self.watch(self.app, "app_focus", self._focus_regained, init=False)
        self.log_view.hold_redraw = lambda: self._holding(time.monotonic())
        watch_keys(app_driver(self.app), self._key_delivered)

    def _focus_regained(self, focused: bool) -> None:
        # Lines that arrived while the terminal was in the background are read once it is back.
        if focused:
            self.read_tracker.looked()

    def on_resize(self, event: events.Resize) -> None:
        # Narrow, the footer's keys lose their padding so that the last one is not cut off.
        self.query_one(Footer).compact = event.size.width < NARROW_FOOTER
        if self.panels.fit(event.size.width):
            self.show_panels()

    # -- widgets -----------------------------------------------------------------------------

    @property
    def log_view(self) -> MessageLog:
        return self.query_one("#log", MessageLog)

    @property
    def chat_input(self) -> ChatInput:
        return self.query_one("#input", ChatInput)

    @property
    def network(self) -> NetworkView:
        """Applies network events; made on the first one, so the client's event classes load
        after the first frame is drawn (the screen's start-up does not pay for them)."""
        if self._network_view is None:
            from ..network_view import NetworkView

            self._network_view = NetworkView(self)
        return self._network_view

    @property
    def client(self) -> ChatClient | None:
        return self.controller.client

    @property
    def current_conversation(self) -> Conversation:
        conv = self.model.conversations.shown
        assert conv is not None, "the server conversation is always open"
        return conv

    # -- the model, shown ----------------------------------------------------------------------

    def open_conversation(self, name: str, kind: Kind | None = None) -> Conversation:
        conv, new = self.model.conversations.open(name, kind)
        if new:
            self.refresh_sidebar()
        return conv

    def close_conversation(self, key: str) -> None:
        conversations = self.model.conversations
        was_shown = conversations.current == key
        if conversations.close(key):
            if was_shown:
                self.show(conversations.current)
            self.refresh_sidebar()

    def show(self, key: str) -> None:
        model = self.model
        conv = model.conversations.by_key(key)
        if conv is None:
            return
        model.conversations.current = key
        conv.seen()
        self.log_view.show(conv.log)
        self.read_tracker.looked()
        userlist = self.query_one("#userlist", UserList)
        userlist.display = conv.kind == "channel" and self.panels.userlist
        if conv.kind == "channel":
            userlist.roster = RosterView(conv.members, model.casemapping)
        self.refresh_sidebar()
        self.refresh_header()
        if model.search is not None and model.search.key != key:
            self.searching.run(model.search.query)
        self.typing_view.conversation_shown()

    def show_roster(self, conv: Conversation) -> None:
        if conv is self.model.conversations.shown:
            self.query_one("#userlist", UserList).roster = RosterView(
                conv.members, self.model.casemapping
            )

    def refresh_sidebar(self) -> None:
        conversations = self.model.conversations
        label = self.model.status.server_label or "server"
        shown = conversations.shown
        self.query_one("#sidebar", Sidebar).rows = tuple(
            SidebarItem(
                name=conv.name,
                label=label if conv.kind == "server" else conv.name,
                unread=conv.unread,
                mentions=conv.mentions,
                activity=conv.activity,
                current=conv is shown,
                joined=conv.joined or conv.kind == "server",
            )
            for conv in conversations
        )

    def refresh_header(self) -> None:
        conv = self.model.conversations.shown
        if conv is None:
            return
        status = self.model.status
        label = status.server_label
        state, ok = status.state_text(time.monotonic())
        if ok and conv.kind == "channel" and not conv.joined:
            state, ok = "not in this room", False
        activity: tuple[tuple[int, Activity], ...] = ()
        if not self.panels.sidebar:
            # The sidebar is folded away: its news goes in the header, as irssi's "Act:".
            activity = tuple(
                (i + 1, c.activity)
                for i, c in enumerate(self.model.conversations)
                if c.activity >= Activity.MESSAGES
            )[:MAX_ACT]
        self.query_one("#header", ChatHeader).header_state = HeaderState(
            room=label or "tui-chat" if conv.kind == "server" else conv.name,
            topic=conv.topic,
            server=label if conv.kind != "server" else "",
            state=state,
            ok=ok,
            lag=status.shown_lag,
            activity=activity,
        )

    def _tick(self) -> None:
        self.typing_view.tick()
        if self.model.status.phase == "reconnecting":
            self.refresh_header()

    def info(self, buffer: str, text: str, *, error: bool = False) -> None:
        conv = self.model.conversations.get(buffer) or self.open_conversation(buffer)
        self.log_view.append(conv.log, [info_entry(text, error=error)])

    def hint(self, text: str) -> None:
        self.info(self.model.conversations.current, text, error=True)

    def alert(self, sender: str, where: str, text: str, private: bool) -> None:
        """A bell and a notification for a mention or private message while unfocused."""
        if self.app.app_focus or not self.settings.notifications:
            return
        now = time.monotonic()
        if now - self.last_alert < NOTIFY_INTERVAL:
            return
        self.last_alert = now
        self.app.bell()
        place = "" if private else f" in {where}"
        body = sanitize(f"{sender}{place}: {text}")
        if len(body) > 200:
            body = body[:199] + "…"
        self.notify(body, title="Private message" if private else "Mention", markup=False)

    def connection_stopped(self, message: str | None) -> None:
        """The network worker ended: with an error (``message``) or after a clean stop."""
        status = self.model.status
        status.phase = "disconnected"
        if message is not None:
            status.detail = "failed"
            self.info(SERVER_BUFFER, message, error=True)
            if self.model.conversations.current != SERVER_BUFFER:
                self.info(self.model.conversations.current, message, error=True)
        self.refresh_header()

    # -- network events ------------------------------------------------------------------------

    @on(NetworkEvents)
    def _network_events(self, message: NetworkEvents) -> None:
        """A batch handed over as it is (demos, tests): applied at once."""
        if self.controller.quitting:
            return
        self.network.apply_all(message.events)
        self._show_network_changes()

    async def drain_inbox(self) -> None:
        """Handle the inbox's events for at most :data:`NETWORK_SLICE` seconds, then yield.

        Called by the app on :class:`~tui_chat.ui.messages.InboxReady`. The rest waits behind
        whatever was queued meanwhile (a keypress goes first), and the ``await`` at the end gives
        the other tasks a turn: Textual runs a queue without returning to the event loop while it
        is non-empty, so without it the focused Input (which gets keys through its own queue) and
        the refresh timer would wait for a flood.
        """
        inbox = self.inbox
        if self.controller.quitting or inbox is None:
            return
        key_first = self.key_first
        if self._holding(time.monotonic()):
            # The keystroke's frame first (the inbox stays marked as woken: no wake-up is
            # posted meanwhile); _resume drains again after that frame, or _release when the
            # hold ends.
            self.drain_held = True
            return
        deadline = time.perf_counter() + NETWORK_SLICE
        more = True
        while more and time.perf_counter() < deadline:
            events, more = inbox.take(EVENTS_PER_CHUNK)
            self.network.apply_all(events)
            if key_first.delivered_at is not None and key_first.holding(time.monotonic()):
                break  # a key came meanwhile: the rest after its frame
        self._show_network_changes()
        inbox.done()
        await asyncio.sleep(0)

    def _show_network_changes(self) -> None:
        self.network.flush()
        self.read_tracker.looked()
        self.reveal_joins()
        self.network.show_rosters()
        self.refresh_sidebar()
        self.refresh_header()

    # -- what the user types ---------------------------------------------------------------------

    @on(ChatInput.Submitted, "#input")
    async def _submitted(self, event: ChatInput.Submitted) -> None:
        from .. import commands  # loaded after the first frame (ChatApp.on_ready)

        line = event.value  # the input has emptied itself (keys typed since stay in it)
        if commands.kept_in_history(line):
            self.chat_input.remember(line)
        await self.handle_line(line)

    def _key_delivered(self) -> None:
        """In the terminal's input thread: a key is on its way; the network worker waits."""
        if self.key_first.delivered(time.monotonic()) and self.network_turn is not None:
            self.network_turn.take()

    def _holding(self, now: float) -> bool:
        """Whether network work waits for a keystroke's frame now. If so, it goes ahead when
        the hold ends, frame or not: a timer is set for then (a hold may have begun in the
        terminal's input thread, which cannot set one)."""
        if not self.key_first.holding(now):
            return False
        ends = now + self.key_first.ends(now)
        if self.release_due < ends:
            self.release_due = ends
            self.set_timer(ends - now, self._release, name="key-first")
        return True

    def _typed(self) -> None:
        now = time.monotonic()
        self.key_first.edited(now)
        if self._holding(now) and self.network_turn is not None:
            self.network_turn.take()

    @on(ChatInput.Changed, "#input")
    def _input_changed(self, event: ChatInput.Changed) -> None:
        self.typing_view.input_changed(event.value)
        # Changed reaches this queue just before the input's repaint request (Update), so a
        # callback asked for here runs after the frame that draws the change.
        self.call_after_refresh(self._edit_drawn, self.key_first.edits)

    def _edit_drawn(self, edit: int) -> None:
        self.key_first.drawn(edit)
        self._resume()

    def _resume(self) -> None:
        """Network work held back for a keystroke goes ahead (unless a newer one holds it)."""
        if not self.key_first.holding(time.monotonic()):
            self._release()

    def _release(self) -> None:
        if self.network_turn is not None:
            self.network_turn.give_back()
        self.log_view.release_redraw()
        if self.drain_held:
            # The app's turn, not this screen's: a drain here would keep this screen's queue
            # (and so its next frame) waiting.
            self.drain_held = False
            self.app.post_message(InboxReady())

    @on(ChatInput.Lines)
    async def _pasted(self, event: ChatInput.Lines) -> None:
        from .. import commands

        if event.whole and len(event.lines) > 1 and self.multiline_available():
            # One multi-line message (draft/multiline): said as it is, never a command.
            self.say(self.model.conversations.current, "\n".join(event.lines), whole=True)
            return
        for line in event.lines:
            if not line.strip():
                continue
            if commands.kept_in_history(line):
                self.chat_input.remember(line)
            await self.handle_line(line if not line.startswith("/") else "/" + line)

    def multiline_available(self) -> bool:
        """Whether a paste can go as one multi-line message (the server takes them)."""
        client = self.controller.client
        return client is not None and client.multiline_available()

    async def handle_line(self, line: str) -> None:
        from .. import commands

        parsed = commands.parse(line)
        if parsed is None:
            return
        try:
            if isinstance(parsed, commands.Problem):
                self.hint(parsed.message)
            elif isinstance(parsed, commands.Say):
                self.say(self.model.conversations.current, parsed.text)
            else:
                await parsed.run(self)
        except ValueError as exc:
            # The client refuses, with ValueError, parameters it cannot put on the wire
            # (``/kick :x``, ``/quote :``); a typo must cost a hint, never the app.
            self.hint(f"Not sent: {exc}")

    def need_client(self) -> ChatClient | None:
        """The client, or None after telling the user there is none."""
        client = self.controller.client
        if client is None:
            self.hint("Not connected to a server.")
        return client

    def channel_here(self, command: str) -> str | None:
        conv = self.model.conversations.shown
        if conv is None or conv.kind != "channel":
            self.hint(f"/{command} works in a room; switch to one first.")
            return None
        return conv.name

    def say(
        self,
        target: str,
        text: str,
        kind: str = "privmsg",
        reply_to: str | None = None,
        whole: bool = False,
    ) -> None:
        if target == SERVER_BUFFER:
            self.hint("This is the server window: /join #room, or /msg NICK TEXT.")
            return
        client = self.need_client()
        if client is None:
            return
        conv = self.model.conversations.get(target)
        if conv is not None and conv.kind == "channel" and not conv.joined:
            self.hint(f"You are not in {conv.name}; /join {conv.name} first.")
            return
        client.say(target, text, kind=kind, reply_to=reply_to, whole=whole)  # type: ignore[arg-type]
        self.typing_view.message_sent(target)

    def request_quit(self, quit_message: str) -> None:
        self.post_message(self.QuitRequested(quit_message))

    def show_help(self) -> None:
        from .help import HelpScreen

        if not isinstance(self.app.screen, HelpScreen):
            self.app.push_screen(HelpScreen())

    @on(ChatInput.EndOfLog)
    def _end_of_log(self) -> None:
        self.log_view.jump_to_end()

    @on(Sidebar.Selected)
    def _sidebar_selected(self, event: Sidebar.Selected) -> None:
        self.switch_to(event.index)
        self.chat_input.focus()

    @on(MessageLog.Unseen)
    def _unseen(self, event: MessageLog.Unseen) -> None:
        marker = self.query_one("#unseen", Static)
        if event.count:
            noun = "message" if event.count == 1 else "messages"
            marker.update(Text(f"↓ {event.count} new {noun} (End jumps to them)"))
            marker.display = True
        else:
            marker.display = False
            self.read_tracker.looked()  # scrolled back down to the newest line

    # -- keys (bound on the app, so they show in the Footer) -----------------------------------

    def cycle(self, step: int) -> None:
        conversations = self.model.conversations
        shown = conversations.shown
        if shown is None or not len(conversations):
            return
        index = (conversations.index_of(shown) + step) % len(conversations)
        target = conversations.at(index)
        if target is not None:
            self.show(conversations.key_of(target))

    def show_panels(self) -> None:
        """Show or hide the sidebar and the user list as :attr:`panels` says."""
        self.query_one("#sidebar", Sidebar).display = self.panels.sidebar
        self.refresh_header()
        conv = self.model.conversations.shown
        self.query_one("#userlist", UserList).display = (
            conv is not None and conv.kind == "channel" and self.panels.userlist
        )

    def toggle_panel(self, panel: str) -> None:
        self.panels.toggle(panel)
        self.show_panels()

    def next_active(self) -> None:
        """Alt+A: the next conversation with mentions, else with messages; with none left,
        back to where the run of Alt+A started (as WeeChat's jump_smart does)."""
        conversations = self.model.conversations
        if self.jump_origin is not None and conversations.current != self.jump_landed:
            self.jump_origin = None  # the reader went elsewhere since: a new run starts here
        target = conversations.next_active()
        if target is None:
            origin, self.jump_origin = self.jump_origin, None
            if origin is not None and origin in conversations:
                self.show(origin)
            return
        if self.jump_origin is None:
            self.jump_origin = conversations.current
        self.jump_landed = conversations.key_of(target)
        self.show(self.jump_landed)

    def reveal_joins(self) -> None:
        """Joins the smart filter hid whose nick has spoken since: shown again."""
        unmasked = self.model.conversations.unmasked
        if unmasked:
            self.model.conversations.unmasked = []
            for conv, entry in unmasked:
                self.log_view.reveal(conv.log, entry)

    def set_smart_filter(self, on: bool) -> None:
        self.model.conversations.smart_filter = on
        self.log_view.set_look(smart_filter=on)

    def switch_to(self, index: int) -> None:
        conv = self.model.conversations.at(index)
        if conv is not None:
            self.show(self.model.conversations.key_of(conv))

    def page(self, direction: int) -> None:
        if direction < 0:
            self.log_view.scroll_page_up(animate=False)
        else:
            self.log_view.scroll_page_down(animate=False)

    async def open_search(self, query: str | None = None) -> None:
        await self.searching.open(query)

    # Handlers by name, not @on(SearchBar.Find): the search bar's module loads with the first
    # search, not before the first frame (issue 12).
    async def on_search_bar_find(self, message: SearchBar.Find) -> None:
        await self.searching.find(message.needle)

    def on_search_bar_close(self) -> None:
        self.searching.close()

    def on_search_bar_everywhere(self, message: SearchBar.Everywhere) -> None:
        self.searching.everywhere(message.needle)

    @on(SearchLogResult)
    def _search_log_result(self, message: SearchLogResult) -> None:
        self.searching.file_result(message)


EVENTS_PER_CHUNK = 50  # network events taken from the inbox between looks at the clock
