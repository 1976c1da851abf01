"""The chat app: composition, key bindings and start-up; the rest lives in mixins, one job each.

- :mod:`.conversations`: the Conversation model, lookup by casefolded name, sidebar and header
- :mod:`.connection`: starting a session, the network worker, quitting (:mod:`.hosting`: the
  embedded server)
- :mod:`.network_events`: the inbox and applying client events to conversations
- :mod:`.alerts`: bell and notification for mentions and private messages
- :mod:`.command_dispatch`: the input's lines and slash commands (parsed by :mod:`.commands`)
- :mod:`.search_actions`: the search bar and its matches

Threads: the network runs only in a Textual thread worker calling ``ChatClient.run()``; the client
reports through ``emit()``, which posts :class:`NetworkEvents` to the app. The UI calls the
client's thread-safe methods and never reads its state. Quitting stops the client, waits for the
worker, then stops the server (which tells its clients) and joins its thread.
"""

from __future__ import annotations

import gc
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, Static
from textual.worker import Worker

from ..client.names import SERVER_BUFFER
from ..irc.casemap import casefold
from .alerts import NOTIFY_INTERVAL, Alerts
from .command_dispatch import CommandDispatch
from .connection import Connection, Session, format_server, make_client
from .conversations import Conversation, Conversations
from .hosting import describe_listen_error, start_server
from .message_log import Entry, MessageLog
from .network_events import (
    BACKLOG_EVENTS,
    BACKLOG_WAIT,
    EVENTS_PER_CHUNK,
    NETWORK_SLICE,
    NetworkEventHandlers,
)
from .search import SearchState
from .search_actions import SearchActions
from .widgets import ChatHeader, ChatInput, Sidebar, UserList

if TYPE_CHECKING:
    # Only for annotations: the client stack loads after the first frame (see on_mount), and
    # the connect and help screens when first shown.
    from ..client import events as ev
    from ..config import Settings

FULL_GC_AFTER = 1000  # generation-1 collections between full ones (Python's default: 10)
_GC_FROZEN = False  # gc.freeze() once per process, after the first app is up


class ChatApp(
    Conversations,
    Connection,
    NetworkEventHandlers,
    Alerts,
    CommandDispatch,
    SearchActions,
    App[int],
):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses live elsewhere
    TITLE = "tui-chat"
    ENABLE_COMMAND_PALETTE = False
    cursor_blink = True  # tests and screenshots turn it off

    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True, id="app.quit"),
        Binding("f1", "help", "Help", id="app.help"),
        # F1 arrives as \eOP from most terminals and \e[11~ from rxvt and some tmux setups;
        # Textual maps both to f1. Ctrl+F1 and "?" on an empty line are no substitutes, so
        # /help is the fallback everywhere.
        Binding("ctrl+f", "search", "Search", id="app.search"),
        Binding("f3", "search_step(1)", "Next match", show=False, id="app.search_next"),
        Binding("shift+f3", "search_step(-1)", "Previous match", show=False, id="app.search_prev"),
        Binding("ctrl+up", "cycle(-1)", "Prev room", key_display="^↑", id="app.previous"),
        Binding("ctrl+down", "cycle(1)", "Next room", key_display="^↓", id="app.next"),
        Binding("pageup", "page(-1)", "Scroll up", show=False, id="app.page_up"),
        Binding("pagedown", "page(1)", "Scroll down", show=False, id="app.page_down"),
        Binding("ctrl+end", "log_end", "Newest", show=False, id="app.log_end"),
        *[
            Binding(f"alt+{n}", f"switch({n - 1})", f"Room {n}", show=False, id=f"app.room{n}")
            for n in range(1, 10)
        ],
    ]

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Chat keys (search, rooms, scrolling) work, and show in the Footer, only on the chat
        screen, not over the connect or help screen."""
        return action not in _CHAT_SCREEN_ACTIONS or self.screen is self.screen_stack[0]

    def __init__(
        self,
        *,
        mode: str,
        host: str | None,
        port: int,
        nick: str | None,
        room: str | None,
        password: str | None,
        settings: Settings,
        server: Any = None,
        data_path: Path | None = None,
        client_options: dict[str, Any] | None = None,
        log_dir: Path | None = None,
        rooms: tuple[str, ...] | None = None,
        server_data_dir: Path | None = None,
    ) -> None:
        super().__init__()
        self.settings = settings
        self.mode = mode
        room = room or (rooms[0].split(" ", 1)[0] if rooms else None) or settings.room
        self.initial = Session(
            mode=mode,
            host=host or "",
            port=port,
            nick=nick or settings.nick,
            room=room,
            password=password,
            bind=host or "" if mode == "host" else "",
            rooms=tuple(rooms or ()),
        )
        self.log_dir = log_dir  # chat logs (and search in them); None: logging off
        self.server = server  # a started ServerThread when run_app started it
        self.server_data_dir = server_data_dir  # history of a room hosted from the connect screen
        self.data_path = data_path
        self.client_options = client_options or {}
        self.client: Any = None
        self.session: Session | None = None
        self.network_worker: Worker | None = None
        self.my_nick = self.initial.nick
        self.casemapping = "ascii"
        self.server_label = ""
        self.conversations: dict[str, Conversation] = {}
        self.order: list[str] = []
        self._open_queries = 0  # conversations of kind "query" in self.conversations
        self._sidebar_pending = False
        self._told_query_cap = False
        self.current = ""
        self._ignore_names: list[str] = list(settings.ignore)
        self.ignored: set[str] = {casefold(n, "ascii") for n in self._ignore_names}
        self._keys: dict[str, str] = {}
        self._held_history: dict[str, list[Entry]] = {}
        self.search: SearchState | None = None
        self._search_tokens = 0
        self._inbox: list[ev.Event] = []
        self._inbox_lock = threading.Lock()
        self._inbox_posted = False
        self._inbox_drained = threading.Event()
        self._inbox_drained.set()
        self.pending: dict[str, tuple[str, Entry]] = {}
        self.phase = "disconnected"
        self.phase_detail = ""
        self.retry_at: float | None = None
        self.lag: float | None = None
        self._switch_on_join: set[str] = set()
        self._rooms_closing: set[str] = set()
        self._last_notify = 0.0
        self._quitting = False
        self._down_announced = False
        self._join_hint: str | None = None
        self._hint_shown = False
        self._hosted_port: int | None = None
        self.exit_status = 0
        try:
            self.theme = settings.theme
        except Exception:  # an unknown theme name in the config file
            self.theme = "textual-dark"

    # Textual registers @on handlers only for classes its metaclass builds, not for plain
    # mixins: the mixins' handlers are listed here so that they are registered.
    _worker_changed = Connection._worker_changed
    _network_events = NetworkEventHandlers._network_events
    _search_submitted = SearchActions._search_submitted
    _search_log_result = SearchActions._search_log_result
    _submitted = CommandDispatch._submitted
    _pasted = CommandDispatch._pasted

    # -- layout ----------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield ChatHeader(id="header")
        with Horizontal(id="body"):
            yield Sidebar(id="sidebar")
            with Vertical(id="main"):
                yield MessageLog(timestamp_format=self.settings.timestamp_format, id="log")
                # The search results and bar are mounted on first use (Ctrl+F, /search).
                yield Static(id="unseen")
            yield UserList(id="userlist")
        yield ChatInput(
            nick_source=self._completion_nicks,
            placeholder="Type a message, or /help",
            id="input",
        )
        yield Footer()

    @property
    def log_view(self) -> MessageLog:
        return self.query_one("#log", MessageLog)

    @property
    def input(self) -> ChatInput:
        return self.query_one("#input", ChatInput)

    def on_mount(self) -> None:
        self._open(SERVER_BUFFER, "server")
        self._show(SERVER_BUFFER)
        self.input.focus()
        if self.settings.problem:
            self._info(SERVER_BUFFER, self.settings.problem, error=True)
        self.set_interval(1.0, self._tick)
        if self.mode == "connect":
            self._ask_connect()

    def on_ready(self) -> None:
        # Textual sends Ready once the first frame is on the terminal. Starting loads the client
        # stack and, when hosting, looks up this machine's LAN address: neither is needed to
        # draw the screen, so they wait until it is drawn.
        if self.mode != "connect":
            self._start(self.initial)
        # What exists now (Textual, Rich, the widgets, the client stack) lives as long as the
        # app: moving it out of the collector's view keeps full collections during a flood
        # from scanning it (they took up to ~100 ms, a visible stall, before this).
        global _GC_FROZEN
        if not _GC_FROZEN:
            _GC_FROZEN = True
            gc.collect()
            gc.freeze()
            # Full collections still scan everything allocated since (scrollback, caches): during
            # a 2 x 20,000-message flood the default schedule ran ~6 of them, 50-100 ms each, the
            # worst stalls in a frame. Young collections still catch the cycles that die young;
            # a full one now waits for 1,000 of them (the 25% growth rule applies as well).
            young, middle, _ = gc.get_threshold()
            gc.set_threshold(young, middle, FULL_GC_AFTER)
        gc.enable()  # run_app turns it off until the first frame

    # -- keys ------------------------------------------------------------------------------

    def action_help(self) -> None:
        from .screens import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_cycle(self, step: int) -> None:
        if not self.order:
            return
        index = (self.order.index(self.current) + step) % len(self.order)
        self._show(self.order[index])

    def action_switch(self, index: int) -> None:
        if 0 <= index < len(self.order):
            self._show(self.order[index])

    def action_page(self, direction: int) -> None:
        log = self.log_view
        if direction < 0:
            log.scroll_page_up(animate=False)
        else:
            log.scroll_page_down(animate=False)

    def action_log_end(self) -> None:
        self.log_view.jump_to_end()

    @on(ChatInput.EndOfLog)
    def _end_of_log(self) -> None:
        self.log_view.jump_to_end()

    @on(Sidebar.Selected)
    def _sidebar_selected(self, event: Sidebar.Selected) -> None:
        self.action_switch(event.index)
        self.input.focus()

    @on(MessageLog.Unseen)
    def _unseen(self, event: MessageLog.Unseen) -> None:
        marker = self.query_one("#unseen", Static)
        if event.count:
            noun = "message" if event.count == 1 else "messages"
            marker.update(Text(f"↓ {event.count} new {noun} (End jumps to them)"))
            marker.display = True
        else:
            marker.display = False


_CHAT_SCREEN_ACTIONS = frozenset({"search", "search_step", "cycle", "switch", "page", "log_end"})

# Names that lived here before the split; run_app, tests and benchmarks import them from here.
__all__ = [
    "BACKLOG_EVENTS",
    "BACKLOG_WAIT",
    "EVENTS_PER_CHUNK",
    "NETWORK_SLICE",
    "NOTIFY_INTERVAL",
    "ChatApp",
    "Conversation",
    "Session",
    "describe_listen_error",
    "format_server",
    "make_client",
    "start_server",
]
