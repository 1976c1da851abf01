"""The chat app: settings, theme, global key bindings, and the connection controller.

What the screen shows and how it reacts lives in :class:`~tui_chat.ui.screens.chat.ChatScreen`. The
app starts connections: the network runs only in a Textual thread worker calling
``ChatClient.run()``; the client's events wait in the controller's
:class:`~tui_chat.ui.controller.Inbox`, which wakes the app with
:class:`~tui_chat.ui.messages.InboxReady`, and the app has the screen drain it. The
worker's end is handled in one ``Worker.StateChanged`` handler. Quitting stops the client,
waits for the worker, then stops the server (which tells its clients) and joins its thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ..client.names import SERVER_BUFFER
from .controller import (
    BACKLOG_EVENTS,
    BACKLOG_WAIT,
    ConnectionController,
    ConnectionPlan,
    Inbox,
    format_server,
    make_client,
)
from .css_text import compact_css
from .hosting import describe_listen_error, start_server
from .messages import InboxReady
from .model import ChatModel
from .screens.chat import EVENTS_PER_CHUNK, NETWORK_SLICE, NOTIFY_INTERVAL, ChatScreen
from .terminal_keys import key_from_cursor_report
from .textual_compat import read_escape_digits_as_alt

if TYPE_CHECKING:
    from ..client.client import ChatClient
    from ..client.sasl import SaslConfig
    from ..client.tls import TLSPolicy
    from ..config import Settings
    from ..server import ServerThread
    from .screens.connect import ConnectRequest

# After a quit refused over unsent lines, another quit within this many seconds goes anyway.
QUIT_AGAIN_SECONDS = 10.0

_CHAT_SCREEN_ACTIONS = frozenset(
    {"search", "search_step", "cycle", "switch", "page", "log_end", "next_active", "toggle_panel"}
)


class ChatApp(App[int]):
    # app.tcss read compacted (css_text.py: half its tokens were layout whitespace).
    CSS = compact_css(Path(__file__).with_name("app.tcss").read_text(encoding="utf-8"))
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
        # Ctrl+P / Ctrl+N (irssi's keys) wherever the terminal or desktop takes Ctrl+arrows
        # (macOS Spaces) or Alt+digits (GNOME Terminal's tabs, Option without Meta).
        Binding("ctrl+up,ctrl+p", "cycle(-1)", "Prev room", key_display="^↑/^P", id="app.previous"),
        Binding("ctrl+down,ctrl+n", "cycle(1)", "Next room", key_display="^↓/^N", id="app.next"),
        Binding("pageup", "page(-1)", "Scroll up", show=False, id="app.page_up"),
        Binding("pagedown", "page(1)", "Scroll down", show=False, id="app.page_down"),
        Binding("ctrl+end", "log_end", "Newest", show=False, id="app.log_end"),
        Binding("alt+a", "next_active", "Next active", show=False, id="app.next_active"),
        # F7/F8: plain F-keys reach the app through tmux, screen, xterm, VTE and Konsole alike.
        Binding("f7", "toggle_panel('sidebar')", "Rooms", id="app.toggle_sidebar"),
        Binding("f8", "toggle_panel('userlist')", "Users", id="app.toggle_userlist"),
        *[
            Binding(f"alt+{n}", f"switch({n - 1})", f"Room {n}", show=False, id=f"app.room{n}")
            for n in range(1, 10)
        ],
    ]

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
        server: ServerThread | None = None,
        data_path: Path | None = None,
        client_options: dict[str, Any] | None = None,
        log_dir: Path | None = None,
        rooms: tuple[str, ...] | None = None,
        server_data_dir: Path | None = None,
        server_tls: tuple[int, Path] | None = None,
        on_first_frame: Callable[[], None] | None = None,
        tls: TLSPolicy | None = None,
        sasl: SaslConfig | None = None,
    ) -> None:
        super().__init__()
        read_escape_digits_as_alt()  # Alt+1..9 from xterm, tmux, GNOME Terminal
        self.on_first_frame = on_first_frame  # run_app's GC policy; tests leave the GC alone
        self.settings = settings
        self.mode = mode
        self.data_path = data_path  # where the recent-servers list lives (None: the default)
        room = room or (rooms[0].split(" ", 1)[0] if rooms else None) or settings.room
        initial = ConnectionPlan(
            mode=mode,
            host=host or "",
            port=port,
            nick=nick or settings.nick,
            room=room,
            password=password,
            bind=host or "" if mode == "host" else "",
            rooms=tuple(rooms or ()),
            tls=tls,
            sasl=sasl,
        )
        self.controller = ConnectionController(
            initial=initial,
            realname=settings.realname,
            server=server,
            server_data_dir=server_data_dir,
            server_tls=server_tls,
            client_options=client_options,
            log_dir=log_dir,
        )
        self.chat = ChatScreen(
            model=ChatModel.create(
                nick=initial.nick, scrollback=settings.scrollback, ignore=tuple(settings.ignore)
            ),
            controller=self.controller,
            settings=settings,
        )
        self.network_worker: Worker[None] | None = None
        self.exit_status = 0
        self.quit_anyway_until = 0.0  # set when a quit was refused over unsent lines
        try:
            self.theme = settings.theme
        except Exception:  # an unknown theme name in the config file
            self.theme = "textual-dark"

    def get_default_screen(self) -> Screen[Any]:
        return self.chat

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Chat keys (search, rooms, scrolling) work, and show in the Footer, only on the chat
        screen, not over the connect or help screen."""
        return action not in _CHAT_SCREEN_ACTIONS or self.screen is self.chat

    def on_mount(self) -> None:
        if self.mode == "connect":
            self.ask_connect()

    def on_ready(self) -> None:
        # Textual sends Ready once the first frame is on the terminal. Starting loads the client
        # stack and, when hosting, looks up this machine's LAN address: neither is needed to
        # draw the screen, so they wait until it is drawn.
        if self.mode != "connect":
            self.start_session(self.controller.initial)
        # The slash commands load now, while the connection starts, rather than on the first
        # Enter or Tab: the first frame did not need them.
        from . import commands  # noqa: F401

        if self.on_first_frame is not None:
            self.on_first_frame()

    # -- keys ----------------------------------------------------------------------------------

    @on(events.CursorPosition)
    def _f3_with_modifiers(self, event: events.CursorPosition) -> None:
        key = key_from_cursor_report(event)
        if key is not None:
            self.post_message(key)

    def action_help(self) -> None:
        self.chat.show_help()

    async def action_search(self, query: str | None = None) -> None:
        await self.chat.open_search(query)

    async def action_search_step(self, step: int) -> None:
        await self.chat.searching.step(step)

    def action_cycle(self, step: int) -> None:
        self.chat.cycle(step)

    def action_switch(self, index: int) -> None:
        self.chat.switch_to(index)

    def action_page(self, direction: int) -> None:
        self.chat.page(direction)

    def action_log_end(self) -> None:
        self.chat.log_view.jump_to_end()

    def action_next_active(self) -> None:
        self.chat.next_active()

    def action_toggle_panel(self, panel: str) -> None:
        self.chat.toggle_panel(panel)

    # -- the connection ------------------------------------------------------------------------

    def recent_dir(self) -> Path:
        if self.data_path is not None:
            return self.data_path
        from ..config import data_dir

        return data_dir()

    def ask_connect(self, error: str = "") -> None:
        from .recent import load_recent
        from .screens.connect import ConnectScreen

        screen = ConnectScreen(
            nick=self.chat.model.my_nick,
            room=self.controller.initial.room,
            recent=load_recent(self.recent_dir()),
            error=error,
        )
        self.push_screen(screen, self._connect_chosen)

    def _connect_chosen(self, request: ConnectRequest | None) -> None:
        if request is None:
            return
        plan = ConnectionPlan(
            mode=request.mode,
            host=request.host if request.mode == "join" else "",
            port=request.port,
            nick=request.nick,
            room=request.room,
            password=None,
            bind=self.controller.host_bind,
        )
        if request.mode == "join":
            from .recent import RecentServer, remember

            remember(
                self.recent_dir(),
                RecentServer(
                    host=request.host, port=request.port, nick=request.nick, room=request.room
                ),
            )
        self.start_session(plan)

    def start_session(self, plan: ConnectionPlan) -> None:
        chat, model = self.chat, self.chat.model
        if plan.mode == "host":
            from ..server.tls import TLSSetupError

            try:
                plan, hints = self.controller.host(plan)
            except (OSError, TLSSetupError) as exc:
                if isinstance(exc, TLSSetupError):
                    message = f"Cannot host with TLS: {exc}"
                else:
                    message = describe_listen_error(plan.bind, getattr(exc, "port", plan.port), exc)
                if self.mode == "connect":
                    self.ask_connect(message)
                else:
                    chat.info(SERVER_BUFFER, message, error=True)
                return
            server = self.controller.server
            ports = f"port {plan.port}"
            if server is not None and server.tls_port:
                ports = f"ports {server.tls_port} (TLS) and {plan.port}"
            chat.info(SERVER_BUFFER, f"Hosting a room on {ports}. Others can join with:")
            for line in hints:
                chat.info(SERVER_BUFFER, f"    {line}")
            chat.info(SERVER_BUFFER, "/share copies the first line to the clipboard.")
            if note := self.controller.join_note:
                chat.info(SERVER_BUFFER, note)
            if warning := self.controller.history_warning():
                chat.info(SERVER_BUFFER, warning, error=True)
            model.join_hint = hints[0]
        else:
            model.join_hint = None
        model.my_nick = plan.nick
        model.switch_on_join.add(model.key(plan.room))
        model.status.started = True
        model.status.server_label = format_server(plan.host, plan.port)
        inbox = Inbox(lambda: self.post_message(InboxReady()))
        chat.inbox = inbox
        client = self.controller.connect(plan, inbox.put)
        chat.network_turn = client.ui_turn
        self.network_worker = self._run_network(client)
        chat.refresh_header()

    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="network",
        description="IRC connection (ChatClient.run)",
    )
    def _run_network(self, client: ChatClient) -> None:
        client.run()

    @on(InboxReady)
    async def _inbox_ready(self, _message: InboxReady) -> None:
        # The app's queue outlives the screen's: a wake-up still queued while the app shuts
        # down (or a test's run ends without quitting) finds the screen's widgets gone.
        if self.chat.is_mounted and self.chat.is_running:
            await self.chat.drain_inbox()

    @on(Worker.StateChanged)
    def _worker_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "network" or self.controller.quitting:
            return
        if event.state == WorkerState.ERROR:
            error = worker.error
            self.chat.connection_stopped(f"The connection stopped: {type(error).__name__}: {error}")
        elif event.state == WorkerState.SUCCESS:
            self.chat.connection_stopped(None)

    @on(ChatScreen.QuitRequested)
    async def _quit_requested(self, message: ChatScreen.QuitRequested) -> None:
        await self.action_quit(message.quit_message)

    async def shutdown(self, quit_message: str = "Leaving") -> None:
        """Stop the client (it sends QUIT), wait for its worker, then stop the server."""
        controller = self.controller
        if controller.quitting:
            return
        controller.quitting = True
        if self.chat.inbox is not None:
            self.chat.inbox.close()
        controller.stop_client(quit_message)
        worker = self.network_worker
        if worker is not None and worker.state in (WorkerState.PENDING, WorkerState.RUNNING):
            with contextlib.suppress(Exception):
                await asyncio.wait_for(worker.wait(), timeout=3.0)
        controller.stop_server()

    async def action_quit(self, quit_message: str = "Leaving") -> None:
        if self.unsent_lines_warned():
            return
        await self.shutdown(quit_message)
        self.exit(self.exit_status)

    def unsent_lines_warned(self) -> bool:
        """Quitting now would drop typed lines: say so (once) and return True.

        The client sends what it can before QUIT; only lines beyond that make us ask, and a
        second quit soon after goes anyway.
        """
        client = self.controller.client
        if client is None or client.lines_left_at_quit() == 0:
            return False
        now = time.monotonic()
        if now < self.quit_anyway_until:
            return False
        self.quit_anyway_until = now + QUIT_AGAIN_SECONDS
        count = client.unsent_lines()
        lines = "1 line is" if count == 1 else f"{count} lines are"
        self.notify(
            f"{lines} still being sent - press Ctrl+Q again to quit anyway",
            title="Not sent yet",
            severity="warning",
            timeout=QUIT_AGAIN_SECONDS,
            markup=False,
        )
        return True

    def on_unmount(self) -> None:
        # Any exit path that skipped shutdown(): stop without waiting on the event loop.
        self.controller.stop_client()
        self.controller.stop_server()


# Names run_app, tests and benchmarks import from here.
__all__ = [
    "BACKLOG_EVENTS",
    "BACKLOG_WAIT",
    "EVENTS_PER_CHUNK",
    "NETWORK_SLICE",
    "NOTIFY_INTERVAL",
    "ChatApp",
    "ConnectionPlan",
    "describe_listen_error",
    "format_server",
    "make_client",
    "start_server",
]
