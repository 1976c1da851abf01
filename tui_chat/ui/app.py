"""The chat app: conversations, the network worker, commands, and the embedded server when hosting.

Threads: the network runs only in a Textual thread worker calling ``ChatClient.run()``; the client
reports through ``emit()``, which posts :class:`NetworkEvents` to the app. The UI calls the
client's thread-safe methods and never reads its state. Quitting stops the client, waits for the
worker, then stops the server (which tells its clients) and joins its thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState, get_current_worker

from ..client.names import SERVER_BUFFER
from ..irc.casemap import casefold, is_channel, is_valid_nick
from ..irc.limits import DEFAULT_PORT
from .message_log import (
    IRC,
    LIT,
    NICK,
    PLAIN,
    BufferLog,
    Entry,
    Highlight,
    MessageLog,
    event_entry,
    info_entry,
)
from .messages import NetworkEvents
from .search import (
    SearchBar,
    SearchInput,
    SearchLogResult,
    SearchState,
    compile_query,
    entry_matches,
    log_line_text,
    search_log_file,
)
from .text import sanitize
from .widgets import ChatHeader, ChatInput, Sidebar, SidebarItem, UserList

if TYPE_CHECKING:
    # Only for annotations: the client stack loads after the first frame (see on_mount), and
    # the connect and help screens when first shown.
    from ..client import events as ev
    from ..client.events import Member
    from ..config import Settings
    from .screens import ConnectRequest

NOTIFY_INTERVAL = 5.0  # seconds between bells/notifications while the app is not focused
NETWORK_SLICE = 0.005  # seconds of network events handled before keys and redraws get a turn
EVENTS_PER_CHUNK = 50  # network events taken from the inbox between looks at the clock
# Backpressure: with more than BACKLOG_EVENTS events waiting for the UI, the network worker
# pauses (at most BACKLOG_WAIT seconds per batch) so parsing does not starve the UI thread of
# the interpreter; it never stops reading for long (the server drops a client that lags 1 MiB).
BACKLOG_EVENTS = 100
BACKLOG_WAIT = 0.03
FULL_GC_AFTER = 1000  # generation-1 collections between full ones (Python's default: 10)
_GC_FROZEN = False  # gc.freeze() once per process, after the first app is up


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


@dataclass(frozen=True, slots=True)
class Session:
    mode: str  # "host" or "join"
    host: str  # server to connect to
    port: int
    nick: str
    room: str
    password: str | None
    bind: str = ""  # when hosting
    rooms: tuple[str, ...] = ()  # every room to join ("#room key" with a key); () = just room


class ChatApp(App[int]):
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
        self._closing: set[str] = set()
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

    # -- starting and stopping -------------------------------------------------------------

    def _recent_dir(self) -> Path:
        if self.data_path is not None:
            return self.data_path
        from ..config import data_dir

        return data_dir()

    def _ask_connect(self, error: str = "") -> None:
        from .recent import load_recent
        from .screens import ConnectScreen

        screen = ConnectScreen(
            nick=self.my_nick,
            room=self.initial.room,
            recent=load_recent(self._recent_dir()),
            error=error,
        )
        self.push_screen(screen, self._connect_chosen)

    def _connect_chosen(self, request: ConnectRequest | None) -> None:
        if request is None:
            return
        session = Session(
            mode=request.mode,
            host=request.host if request.mode == "join" else "",
            port=request.port,
            nick=request.nick,
            room=request.room,
            password=None,
            bind="",
        )
        if request.mode == "join":
            from .recent import RecentServer, remember

            remember(
                self._recent_dir(),
                RecentServer(
                    host=request.host, port=request.port, nick=request.nick, room=request.room
                ),
            )
        self._start(session)

    def _start(self, session: Session) -> None:
        if session.mode == "host":
            if self.server is None:
                try:
                    self.server = start_server(
                        session.bind, session.port, session.password, self.server_data_dir
                    )
                except OSError as exc:
                    message = describe_listen_error(session.bind, session.port, exc)
                    if self.mode == "connect":
                        self._ask_connect(message)
                    else:
                        self._info(SERVER_BUFFER, message, error=True)
                    return
            port = self.server.port
            self._hosted_port = port
            session = Session(
                mode="host",
                host="127.0.0.1" if session.bind in ("", "0.0.0.0", "::") else session.bind,
                port=port,
                nick=session.nick,
                room=session.room,
                password=session.password,
                bind=session.bind,
                rooms=session.rooms,
            )
            from .netinfo import join_hint, lan_address

            hint = join_hint(lan_address(session.bind), port)
            self._info(SERVER_BUFFER, f"Hosting a room on port {port}. Others can join with:")
            self._info(SERVER_BUFFER, f"    {hint}")
            self._join_hint = hint
        else:
            self._join_hint = None
        self.session = session
        self.my_nick = session.nick
        self._switch_on_join.add(self._key(session.room))
        self.client = make_client(
            host=session.host,
            port=session.port,
            nick=session.nick,
            password=session.password,
            room=session.room,
            rooms=session.rooms,
            realname=self.settings.realname,
            emit=self._emit,
            options=self.client_options,
            log_dir=self.log_dir,
        )
        self.server_label = format_server(session.host, session.port)
        self.network_worker = self._run_network(self.client)
        self._refresh_header()

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

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="network",
        description="IRC connection (ChatClient.run)",
    )
    def _run_network(self, client: Any) -> None:
        client.run()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "network" or self._quitting:
            return
        if event.state == WorkerState.ERROR:
            error = worker.error
            message = f"The connection stopped: {type(error).__name__}: {error}"
            self.phase, self.phase_detail = "disconnected", "failed"
            self._info(SERVER_BUFFER, message, error=True)
            if self.current != SERVER_BUFFER:
                self._info(self.current, message, error=True)
            self._refresh_header()
        elif event.state == WorkerState.SUCCESS:
            self.phase = "disconnected"
            self._refresh_header()

    async def shutdown(self, quit_message: str = "Leaving") -> None:
        """Stop the client (it sends QUIT), wait for its worker, then stop the server."""
        if self._quitting:
            return
        self._quitting = True
        client, self.client = self.client, None
        if client is not None:
            client.stop(quit_message=quit_message)
        worker = self.network_worker
        if worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.wait(), timeout=3.0)
        server, self.server = self.server, None
        if server is not None:
            server.stop(reason="Server shutting down")

    async def action_quit(self, quit_message: str = "Leaving") -> None:
        await self.shutdown(quit_message)
        self.exit(self.exit_status)

    def on_unmount(self) -> None:
        # Any exit path that skipped shutdown(): stop without waiting on the event loop.
        if self.client is not None:
            self.client.stop(quit_message="Leaving")
            self.client = None
        if self.server is not None:
            self.server.stop(reason="Server shutting down")
            self.server = None

    # -- conversations ---------------------------------------------------------------------

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
            self.conversations[key] = conv
            self.order.append(key)
            self._refresh_sidebar()
        return conv

    def _close(self, key: str) -> None:
        if key not in self.conversations or key == SERVER_BUFFER:
            return
        index = self.order.index(key)
        self.order.remove(key)
        del self.conversations[key]
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

    # -- network events --------------------------------------------------------------------

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
        self._flush(batches)
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

    def _flush(self, batches: dict[str, list[Entry]]) -> None:
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

    def _on_Lag(self, event: ev.Lag, batches) -> None:
        self.lag = event.seconds

    def _is_ignored(self, nick: str) -> bool:
        return bool(self.ignored) and casefold(nick, self.casemapping) in self.ignored

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
        entry = Entry(
            time=event.time,
            kind=kind,
            nick=event.sender,
            parts=((IRC, event.text),),
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
        if not held:
            return
        conv = self._open(event.buffer)
        self._flush(batches)  # earlier live lines first, so the insertion point is right
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

    def _alert(self, sender: str, where: str, text: str, private: bool) -> None:
        if self.app_focus or not self.settings.notifications:
            return
        now = time.monotonic()
        if now - self._last_notify < NOTIFY_INTERVAL:
            return
        self._last_notify = now
        self.bell()
        place = "" if private else f" in {where}"
        body = sanitize(f"{sender}{place}: {text}")
        if len(body) > 200:
            body = body[:199] + "…"
        self.notify(
            body,
            title="Private message" if private else "Mention",
            markup=False,
        )

    def _on_PendingMessage(self, event: ev.PendingMessage, batches) -> None:
        state = "queued" if event.queued else "sent"
        known = self.pending.get(event.pending_id)
        if known is not None:
            key, entry = known
            if entry.pending != state:
                entry.pending = state
                conv = self.conversations.get(key)
                if conv is not None:
                    self._flush(batches)
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
            self._flush(batches)
            batches.clear()
            self.pending[event.pending_id][1].msgid = event.msgid
            self._deliver(event.pending_id)

    def _on_MessageFailed(self, event, batches) -> None:
        known = self.pending.pop(event.pending_id, None)
        if known is None:
            return
        self._flush(batches)
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
        conv = self._open(event.buffer)
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
                self._flush(batches)
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
            if key in self._closing:
                self._closing.discard(key)
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
        conv = self._open(event.buffer, "channel")
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
        self._add(batches, event.buffer, event_entry(event.time, "--", *parts))

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

    # -- search ----------------------------------------------------------------------------

    @property
    def search_bar(self) -> SearchBar:
        return self.query_one("#searchbar", SearchBar)

    async def action_search(self, query: str | None = None) -> None:
        """Open the search bar (Ctrl+F); with ``query``, search for it at once (/search)."""
        if not self.query("#searchbar"):
            main = self.query_one("#main", Vertical)
            await main.mount(OptionList(id="search-results"), after="#log")
            await main.mount(SearchBar(id="searchbar"), after="#unseen")
        bar = self.search_bar
        bar.display = True
        field = bar.query_one("#search-input", SearchInput)
        if query is not None:
            field.value = query
            self._run_search(query)
        elif self.search is None:
            bar.set_status("Enter searches; F3 next, Shift+F3 previous, Esc closes")
        field.focus()
        field.cursor_position = len(field.value)

    @on(SearchInput.Submitted, "#search-input")
    async def _search_submitted(self, event: SearchInput.Submitted) -> None:
        event.stop()
        query = event.value.strip()
        if not query:
            return
        state = self.search
        if state is not None and state.query == query and state.key == self.current:
            await self.action_search_step(1)
        else:
            self._run_search(query)

    def _run_search(self, query: str) -> None:
        conv = self.conversations.get(self.current)
        if conv is None:
            return
        log_view = self.log_view
        old = self.search
        pattern = compile_query(query)
        self._search_tokens += 1
        state = SearchState(
            query=query,
            pattern=pattern,
            key=self.current,
            scrollback=[e for e in reversed(conv.log.entries) if entry_matches(e, pattern)],
            token=self._search_tokens,
            was_following=old.was_following if old is not None else log_view.following,
        )
        self.search = state
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        results.display = False
        path = self._log_path(conv)
        if path is not None:
            oldest = next((e for e in conv.log.entries if e.kind not in ("day", "separator")), None)
            before = oldest.time.astimezone().strftime("%Y-%m-%d %H:%M:%S") if oldest else ""
            state.file_pending = True
            self._search_log_file(state.token, path, pattern, before)
        if state.scrollback:
            state.index = 0
        self._show_match()

    def _log_path(self, conv: Conversation) -> Path | None:
        session = self.session
        if self.log_dir is None or session is None or conv.kind == "server":
            return None
        from ..client.chatlog import chat_log_path

        return chat_log_path(self.log_dir, session.host, conv.name, session.port or DEFAULT_PORT)

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="search",
        description="search the conversation's chat log file",
    )
    def _search_log_file(self, token: int, path: Path, pattern, before: str) -> None:
        worker = get_current_worker()
        try:
            lines, total = search_log_file(path, pattern, before, lambda: worker.is_cancelled)
            error = ""
        except OSError as exc:
            lines, total, error = [], 0, f"log file unreadable: {exc.strerror or exc}"
        self.post_message(SearchLogResult(token, lines, total, error))

    @on(SearchLogResult)
    def _search_log_result(self, message: SearchLogResult) -> None:
        state = self.search
        if state is None or message.token != state.token:
            return
        state.file_pending = False
        state.file_lines = message.lines
        state.file_total = message.total
        state.file_error = message.error
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        style = self.log_view.styles_for_render.match
        results.add_options(
            [Option(log_line_text(line, state.pattern, style)) for line in message.lines]
        )
        results.display = bool(message.lines)
        if state.index is None and state.total:
            state.index = 0
        self._show_match()

    async def action_search_step(self, step: int) -> None:
        """F3 / Enter: the next (older) match; Shift+F3: the previous (newer) one."""
        state = self.search
        if state is None:
            await self.action_search()
            return
        if state.total == 0:
            self._show_match()
            return
        index = 0 if state.index is None else state.index + step
        state.index = index % state.total  # wraps around, like less and WeeChat
        self._show_match()

    def _show_match(self) -> None:
        state = self.search
        if state is None:
            return
        log_view = self.log_view
        results = self.query_one("#search-results", OptionList)
        current = None
        if state.index is not None and state.index < len(state.scrollback):
            current = state.scrollback[state.index]
        log_view.set_highlight(
            Highlight(state.pattern, frozenset(state.scrollback), current)
            if state.scrollback
            else None
        )
        if current is not None:
            log_view.scroll_to_entry(current)
            results.highlighted = None
        elif state.index is not None and state.file_lines:
            older = state.index - len(state.scrollback)
            results.highlighted = len(state.file_lines) - 1 - older
            results.scroll_to_highlight()
        parts = []
        problem = False
        if state.total:
            parts.append(f"{state.index + 1 if state.index is not None else 0}/{state.total}")
            if state.index is not None and current is None:
                parts.append("in the log file")
        elif not state.file_pending:
            parts.append("no matches")
            problem = True
        if state.file_pending:
            parts.append("searching the log file…")
        elif state.file_total > len(state.file_lines):
            parts.append(f"newest {len(state.file_lines)} of {state.file_total} log-file matches")
        if state.file_error:
            parts.append(state.file_error)
        self.search_bar.set_status("  ·  ".join(parts), problem=problem)

    def action_search_close(self) -> None:
        state, self.search = self.search, None
        if not self.query("#searchbar"):
            return
        self.search_bar.display = False
        results = self.query_one("#search-results", OptionList)
        results.clear_options()
        results.display = False
        self.log_view.set_highlight(None)
        if state is not None and state.was_following:
            self.log_view.jump_to_end()
        self.input.focus()

    async def _cmd_search(self, text: str | None = None) -> None:
        await self.action_search(text.strip() if text and text.strip() else None)

    # -- the input -------------------------------------------------------------------------

    @on(ChatInput.Submitted, "#input")
    async def _submitted(self, event: ChatInput.Submitted) -> None:
        line = event.value
        self.input.value = ""
        self.input.remember(line)
        await self.handle_line(line)

    @on(ChatInput.Lines)
    async def _pasted(self, event: ChatInput.Lines) -> None:
        for line in event.lines:
            self.input.remember(line)
            await self.handle_line(line if not line.startswith("/") else "/" + line)

    async def handle_line(self, line: str) -> None:
        from . import commands

        parsed = commands.parse(line)
        if parsed is None:
            return
        if isinstance(parsed, commands.Problem):
            self._hint(parsed.message)
        elif isinstance(parsed, commands.Say):
            self._say(self.current, parsed.text)
        else:
            handler = getattr(self, f"_cmd_{parsed.name}")
            result = handler(*parsed.args)
            if asyncio.iscoroutine(result):
                await result

    def _need_client(self) -> bool:
        if self.client is None:
            self._hint("Not connected to a server.")
            return False
        return True

    def _channel_here(self, command: str) -> str | None:
        conv = self.conversations.get(self.current)
        if conv is None or conv.kind != "channel":
            self._hint(f"/{command} works in a room; switch to one first.")
            return None
        return conv.name

    def _say(self, target: str, text: str, kind: str = "privmsg") -> None:
        if target == SERVER_BUFFER:
            self._hint("This is the server window: /join #room, or /msg NICK TEXT.")
            return
        if not self._need_client():
            return
        conv = self.conversations.get(self._key(target))
        if conv is not None and conv.kind == "channel" and not conv.joined:
            self._hint(f"You are not in {conv.name}; /join {conv.name} first.")
            return
        self.client.say(target, text, kind=kind)

    def _cmd_join(self, room: str, key: str | None = None) -> None:
        if not is_channel(room):
            room = "#" + room
        if not self._need_client():
            return
        k = self._key(room)
        conv = self.conversations.get(k)
        if conv is not None and conv.joined:
            self._show(k)
            return
        self._switch_on_join.add(k)
        self.client.join(room, key)

    def _cmd_part(self, room: str | None = None, reason: str = "") -> None:
        if room is not None and not is_channel(room):
            reason = f"{room} {reason}".strip()
            room = None
        target = room or self._channel_here("part")
        if target is None or not self._need_client():
            return
        self.client.part(target, reason)

    def _cmd_msg(self, target: str, text: str) -> None:
        if not is_channel(target):
            self._open(target, "query")
        self._say(target, text)

    def _cmd_query(self, nick: str, text: str | None = None) -> None:
        if is_channel(nick) or not is_valid_nick(nick):
            self._hint(f"Usage: /query NICK [TEXT] — {nick!r} is not a nick.")
            return
        conv = self._open(nick, "query")
        self._show(self._key(conv.name))
        if text:
            self._say(conv.name, text)

    def _cmd_close(self, name: str | None = None) -> None:
        key = self._key(name) if name else self.current
        conv = self.conversations.get(key)
        if conv is None:
            self._hint(f"No conversation named {name}.")
            return
        if conv.kind == "server":
            self._hint("The server window stays open; /quit leaves.")
            return
        if conv.kind == "channel" and conv.joined and self.client is not None:
            self._closing.add(key)
            self.client.part(conv.name, "")
            return
        self._close(key)

    def _cmd_me(self, text: str) -> None:
        self._say(self.current, text, kind="action")

    def _cmd_nick(self, nick: str) -> None:
        if not is_valid_nick(nick):
            self._hint(f"Not a valid nick: {nick!r} (letters, digits, -[]\\`_^{{|}}).")
            return
        if self._need_client():
            self.client.set_nick(nick)

    def _cmd_topic(self, text: str | None = None) -> None:
        room = self._channel_here("topic")
        if room is None:
            return
        if text is None:
            topic = self.current_conversation.topic
            if topic:
                self.log_view.append(
                    self.current_conversation.log,
                    [event_entry(datetime.now(UTC), "--", (LIT, "Topic: "), (IRC, topic))],
                )
            else:
                self._info(room, f"{room} has no topic.")
            return
        if self._need_client():
            self.client.send_command("TOPIC", room, text)

    def _cmd_names(self, room: str | None = None) -> None:
        key = self._key(room) if room else self.current
        conv = self.conversations.get(key)
        if conv is not None and conv.kind == "channel" and conv.joined:
            from .widgets import sort_members

            members = sort_members(conv.members, self.casemapping)
            parts: list = [(LIT, "People in "), (PLAIN, conv.name), (LIT, f" ({len(members)}):")]
            for member in members:
                parts += [(LIT, " " + member.prefixes[:1]), (NICK, member.nick)]
            self.log_view.append(
                self.current_conversation.log, [event_entry(datetime.now(UTC), "--", *parts)]
            )
            return
        if room is None:
            self._hint("Usage: /names #ROOM (or use it in a room).")
            return
        if self._need_client():
            self.client.send_command("NAMES", room)

    def _cmd_who(self, mask: str) -> None:
        if self._need_client():
            self.client.send_command("WHO", mask)

    def _cmd_whois(self, nick: str) -> None:
        if self._need_client():
            self.client.send_command("WHOIS", nick.split()[0])

    def _cmd_away(self, message: str | None = None) -> None:
        if self._need_client():
            if message:
                self.client.send_command("AWAY", message)
            else:
                self.client.send_command("AWAY")

    async def _cmd_quit(self, message: str | None = None) -> None:
        await self.action_quit(message or "Leaving")

    def _cmd_help(self, name: str | None = None) -> None:
        if name is None:
            self.action_help()
            return
        from .commands import lookup

        spec = lookup(name)
        if spec is None:
            self._hint(f"No command /{name.lstrip('/')}; /help lists them all.")
        else:
            self._info(self.current, f"{spec.synopsis}  {spec.help}")

    def _cmd_clear(self) -> None:
        self.log_view.clear_buffer(self.current_conversation.log)

    def _cmd_kick(self, nick: str, reason: str = "") -> None:
        room = self._channel_here("kick")
        if room is not None and self._need_client():
            if reason:
                self.client.send_command("KICK", room, nick, reason)
            else:
                self.client.send_command("KICK", room, nick)

    def _mode(self, command: str, mode: str, arg: str) -> None:
        room = self._channel_here(command)
        if room is not None and self._need_client():
            self.client.send_command("MODE", room, mode, arg.split()[0])

    def _cmd_ban(self, who: str) -> None:
        who = who.split()[0]
        mask = who if any(c in who for c in "!@*") else f"{who}!*@*"
        self._mode("ban", "+b", mask)

    def _cmd_unban(self, mask: str) -> None:
        self._mode("unban", "-b", mask)

    def _cmd_op(self, nick: str) -> None:
        self._mode("op", "+o", nick)

    def _cmd_deop(self, nick: str) -> None:
        self._mode("deop", "-o", nick)

    def _cmd_voice(self, nick: str) -> None:
        self._mode("voice", "+v", nick)

    def _cmd_devoice(self, nick: str) -> None:
        self._mode("devoice", "-v", nick)

    def _cmd_invite(self, nick: str, room: str | None = None) -> None:
        room = room or self._channel_here("invite")
        if room is not None and self._need_client():
            self.client.send_command("INVITE", nick, room)

    def _cmd_mode(self, spec: str | None = None) -> None:
        words = (spec or "").split()
        if not words or words[0][0] in "+-":
            room = self._channel_here("mode")
            if room is None:
                return
            words.insert(0, room)
        if self._need_client():
            self.client.send_command("MODE", *words)

    def _cmd_list(self, pattern: str | None = None) -> None:
        if self._need_client():
            if pattern:
                self.client.send_command("LIST", pattern.split()[0])
            else:
                self.client.send_command("LIST")

    def _cmd_ignore(self, nick: str | None = None) -> None:
        if nick is None:
            if self.ignored:
                self._info(self.current, "Ignoring: " + ", ".join(sorted(self.ignored)))
            else:
                self._info(self.current, "Ignoring nobody. /ignore NICK hides someone's messages.")
            return
        nick = nick.split()[0]
        folded = casefold(nick, self.casemapping)
        if folded not in self.ignored:
            self._ignore_names.append(nick)
        self.ignored.add(folded)
        self._info(self.current, f"Ignoring {nick}; /unignore {nick} to undo.")

    def _cmd_unignore(self, nick: str) -> None:
        nick = nick.split()[0]
        folded = casefold(nick, self.casemapping)
        if folded in self.ignored:
            self.ignored.discard(folded)
            self._ignore_names = [
                n for n in self._ignore_names if casefold(n, self.casemapping) != folded
            ]
            self._info(self.current, f"No longer ignoring {nick}.")
        else:
            self._hint(f"You were not ignoring {nick}.")

    def _cmd_notice(self, target: str, text: str) -> None:
        self._say(target, text, kind="notice")

    def _cmd_quote(self, line: str) -> None:
        if self._need_client():
            self.client.send_raw(line)


# -- helpers used by run_app and tests -----------------------------------------------------

_CHAT_KINDS = frozenset({"message", "action", "notice"})
_CHAT_SCREEN_ACTIONS = frozenset({"search", "search_step", "cycle", "switch", "page", "log_end"})


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def format_server(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"{shown}:{port}"


def describe_listen_error(bind: str, port: int, exc: OSError) -> str:
    where = f"{bind or 'all interfaces'} port {port}"
    reason = exc.strerror or str(exc)
    if getattr(exc, "errno", None) in (98, 48, 10048):
        reason = "the port is already in use (another server running? try --port)"
    elif getattr(exc, "errno", None) in (13, 10013):
        reason = "permission denied (ports below 1024 need privileges; try --port)"
    return f"Cannot host on {where}: {reason}"


def start_server(bind: str, port: int, password: str | None, data_dir: Path | None = None) -> Any:
    """Start the embedded server; raises OSError when it cannot listen.

    ``data_dir``: where it keeps history (``history.sqlite3``), as ``tui-chat serve`` does;
    None keeps none (tests, ``--no-history``).
    """
    from ..server import ServerConfig, ServerThread

    server = ServerThread(ServerConfig(bind=bind, port=port, password=password, data_dir=data_dir))
    server.start()
    return server


def make_client(
    *,
    host: str,
    port: int,
    nick: str,
    password: str | None,
    room: str,
    realname: str,
    emit,
    options: dict[str, Any],
    rooms: tuple[str, ...] = (),
    log_dir: Path | None = None,
) -> Any:
    from ..client.client import ChatClient, ClientSettings

    extra: dict[str, Any] = dict(options)
    if log_dir is not None:
        extra.setdefault("log_dir", log_dir)
    settings = ClientSettings(
        host=host,
        port=port or DEFAULT_PORT,
        nick=nick,
        realname=realname,
        password=password,
        rooms=rooms or (room,),
        **extra,
    )
    return ChatClient(settings, emit)
