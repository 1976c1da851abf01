"""The connect screen (``tui-chat`` with no subcommand): host a room or join one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ...irc.casemap import is_valid_channel, is_valid_nick
from ...irc.limits import DEFAULT_PORT
from ..recent import RecentServer


@dataclass(frozen=True, slots=True)
class ConnectRequest:
    mode: str  # "host" or "join"
    host: str
    port: int
    nick: str
    room: str


class ConnectScreen(Screen[ConnectRequest]):
    """Host a room, or join one, with the recently used servers to pick from."""

    # Its own file, read when the screen is first shown: parsing it is not part of start-up.
    CSS_PATH = Path(__file__).parents[1] / "connect.tcss"  # packaged as ui data, as app.tcss

    BINDINGS = [
        Binding("enter", "join", "Join", show=True, id="connect.join"),
        Binding("ctrl+o", "host", "Host a room", id="connect.host"),
    ]

    def __init__(
        self, *, nick: str, room: str, recent: list[RecentServer], error: str = ""
    ) -> None:
        super().__init__()
        self.default_nick = nick
        self.default_room = room
        self.recent = recent
        self.initial_error = error

    def compose(self) -> ComposeResult:
        first = self.recent[0] if self.recent else None
        with Vertical(id="connect-box"):
            yield Label("tui-chat", id="connect-title")
            yield Label("Host a room on this machine, or join one.", id="connect-subtitle")
            with Horizontal(classes="connect-row"):
                yield Label("Server", classes="connect-label")
                yield Input(
                    value=first.host if first else "",
                    placeholder="host to join, e.g. 192.168.1.5",
                    id="connect-host",
                )
            with Horizontal(classes="connect-row"):
                yield Label("Port", classes="connect-label")
                yield Input(
                    value=str(first.port if first else DEFAULT_PORT),
                    type="integer",
                    id="connect-port",
                )
            with Horizontal(classes="connect-row"):
                yield Label("Nick", classes="connect-label")
                yield Input(value=self.default_nick, id="connect-nick")
            with Horizontal(classes="connect-row"):
                yield Label("Room", classes="connect-label")
                yield Input(value=self.default_room, id="connect-room")
            with Horizontal(id="connect-buttons"):
                yield Button("Join", id="connect-join", variant="primary")
                yield Button("Host a room", id="connect-host-button")
            yield Static(Text(self.initial_error), id="connect-error")
            if self.recent:
                yield Label("Recent servers", id="connect-recent-title")
                yield OptionList(
                    *[
                        Option(Text(server.label), id=str(i))
                        for i, server in enumerate(self.recent)
                    ],
                    id="connect-recent",
                )
        yield Footer()

    def on_mount(self) -> None:
        blink = getattr(self.app, "cursor_blink", True)
        for field in self.query(Input):
            field.cursor_blink = blink
        self.query_one("#connect-host", Input).focus()

    def show_error(self, message: str) -> None:
        self.query_one("#connect-error", Static).update(Text(message))

    @on(OptionList.OptionSelected, "#connect-recent")
    def _pick_recent(self, event: OptionList.OptionSelected) -> None:
        server = self.recent[int(event.option.id or 0)]
        self.query_one("#connect-host", Input).value = server.host
        self.query_one("#connect-port", Input).value = str(server.port)
        self.query_one("#connect-nick", Input).value = server.nick
        self.query_one("#connect-room", Input).value = server.room
        self.query_one("#connect-host", Input).focus()

    @on(Button.Pressed, "#connect-join")
    def _join_pressed(self) -> None:
        self.action_join()

    @on(Button.Pressed, "#connect-host-button")
    def _host_pressed(self) -> None:
        self.action_host()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_join()

    def _request(self, mode: str) -> ConnectRequest | None:
        host = self.query_one("#connect-host", Input).value.strip()
        port_text = self.query_one("#connect-port", Input).value.strip()
        nick = self.query_one("#connect-nick", Input).value.strip()
        room = self.query_one("#connect-room", Input).value.strip()
        if room and not room.startswith(("#", "&")):
            room = "#" + room
        if mode == "join" and not host:
            self.show_error("Type the server to join (or press Host a room).")
            return None
        if host.startswith("[") and host.endswith("]"):
            host = host[1:-1]
        try:
            port = int(port_text or DEFAULT_PORT)
        except ValueError:
            port = -1
        if not 0 < port < 65536:
            self.show_error("The port must be a number from 1 to 65535.")
            return None
        if not is_valid_nick(nick):
            self.show_error("Nicks use letters, digits and -[]\\`_^{|}, not starting with a digit.")
            return None
        if not is_valid_channel(room):
            self.show_error("Room names start with # and have no spaces or commas.")
            return None
        return ConnectRequest(mode=mode, host=host, port=port, nick=nick, room=room)

    def action_join(self) -> None:
        request = self._request("join")
        if request is not None:
            self.dismiss(request)

    def action_host(self) -> None:
        request = self._request("host")
        if request is not None:
            self.dismiss(request)
