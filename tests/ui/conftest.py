"""Helpers for UI tests: the real embedded server, raw-socket peers, the app, waiting."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from rich.style import Style

from tui_chat.config import Settings
from tui_chat.server import ServerConfig, ServerThread
from tui_chat.ui.app import ChatApp
from tui_chat.ui.links import link_target
from tui_chat.ui.textual_compat import screen_strips

TIMEOUT = 10.0
FAST_RECONNECT = {"reconnect_min": 0.2, "reconnect_max": 0.5, "connect_timeout": 2.0}


async def wait_for(
    pilot, condition: Callable[[], object], timeout: float = TIMEOUT, what: str = ""
):
    """Poll ``condition`` between short pauses until it is truthy; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or condition}")
        await pilot.pause(0.05)


def screen_lines(app) -> list[str]:
    """What the terminal shows, line by line."""
    strips = screen_strips(app)
    return ["".join(segment.text for segment in strip) for strip in strips]


def screen_text(app) -> str:
    return "\n".join(screen_lines(app))


def screen_has_no_actions(app) -> bool:
    """No cell on screen carries a click action (markup that got interpreted), and every link
    is one we made: an http(s) URL whose cells show where it goes."""
    runs: list[tuple[str, str]] = []  # (link, the text of a run of cells carrying it)
    for strip in screen_strips(app):
        previous = None
        for segment in strip:
            style = segment.style
            link = style.link if style is not None else None
            if link:
                if link == previous:
                    runs[-1] = (link, runs[-1][1] + segment.text)
                else:
                    runs.append((link, segment.text))
            previous = link
            if style is not None and any(key.startswith("@") for key in style.meta):
                return False
    # Each run is the URL, or a piece of it where the log wrapped it.
    return all(
        link.startswith(("http://", "https://")) and link_target(text.strip()) in link
        for link, text in runs
    )


def style_at(app, row: int, column: int) -> Style:
    """The style of the cell at ``row``, ``column`` (characters, the screen's text is cell-true
    for the ASCII used here)."""
    x = 0
    for segment in screen_strips(app)[row]:
        if x + len(segment.text) > column:
            return segment.style or Style()
        x += len(segment.text)
    raise AssertionError(f"no cell {column} in row {row}")


def find(app, fragment: str) -> tuple[int, int]:
    for row, line in enumerate(screen_lines(app)):
        column = line.find(fragment)
        if column >= 0:
            return row, column
    raise AssertionError(f"{fragment!r} is not on screen")


def log_text(app) -> str:
    """Every entry of the current conversation, as plain text (not only the visible part)."""
    conv = app.chat.current_conversation
    return "\n".join(f"{e.nick} {e.plain}" for e in conv.log.entries)


def conv_text(app, name: str) -> str:
    conv = app.chat.model.conversations.get(name)
    return "\n".join(f"{e.nick} {e.plain}" for e in conv.log.entries)


def our_threads(*keep) -> list[str]:
    """Threads (other than this one) running code from the tui_chat package.

    ``keep``: servers started by the test itself (fixtures), whose threads are expected.
    """
    kept = {f"tui-chat-server:{server.port}" for server in keep}
    frames = sys._current_frames()
    names = []
    for thread in threading.enumerate():
        if thread is threading.current_thread() or thread.name in kept:
            continue
        frame = frames.get(thread.ident)
        while frame is not None:
            if "tui_chat" in frame.f_code.co_filename:
                names.append(thread.name)
                break
            frame = frame.f_back
    return names


class Peer:
    """Another user on a raw socket: registers, answers PING, records every line it receives."""

    def __init__(self, port: int, nick: str, host: str = "127.0.0.1") -> None:
        self.nick = nick
        self.sock = socket.create_connection((host, port), timeout=5)
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self._closed = False
        self._thread = threading.Thread(target=self._read, name=f"peer-{nick}", daemon=True)
        self._thread.start()
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :{nick}")

    def _read(self) -> None:
        buffer = b""
        while not self._closed:
            try:
                data = self.sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            buffer += data
            while b"\n" in buffer:
                raw, buffer = buffer.split(b"\n", 1)
                line = raw.decode("utf-8", "replace").rstrip("\r")
                if line.startswith("PING"):
                    self.send("PONG" + line[4:])
                with self._lock:
                    self.lines.append(line)

    def send(self, line: str) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(line.encode("utf-8") + b"\r\n")

    def seen(self, fragment: str) -> str | None:
        """The first line containing ``fragment`` (a trailing ``:`` on a parameter is ignored)."""
        fragment = fragment.replace(" :", " ")
        with self._lock:
            for line in self.lines:
                if fragment in line.replace(" :", " "):
                    return line
        return None

    def received(self, fragment: str) -> list[str]:
        fragment = fragment.replace(" :", " ")
        with self._lock:
            return [line for line in self.lines if fragment in line.replace(" :", " ")]

    async def expect(self, pilot, fragment: str, timeout: float = TIMEOUT) -> str:
        return await wait_for(
            pilot, lambda: self.seen(fragment), timeout, f"{self.nick} <- {fragment!r}"
        )

    def wait_sync(self, fragment: str, timeout: float = TIMEOUT) -> str:
        """Wait for a line before any app runs (polls; no event loop to yield to)."""
        deadline = time.monotonic() + timeout
        while (line := self.seen(fragment)) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.nick} never received {fragment!r}")
            time.sleep(0.02)
        return line

    async def register(self, pilot) -> None:
        await self.expect(pilot, " 001 ")

    async def join(self, pilot, channel: str) -> None:
        self.send(f"JOIN {channel}")
        await self.expect(pilot, f"JOIN {channel}")
        await self.expect(pilot, " 366 ")

    def close(self) -> None:
        self._closed = True
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self._thread.join(timeout=2)


async def peer_in_room(
    pilot, port: int, peers: list[Peer], caps: str, nick: str = "bob", room: str = "#lobby"
) -> Peer:
    """A peer registered with ``caps`` acknowledged, in ``room`` (closed with ``peers``)."""
    peer = Peer(port, nick)
    peers.append(peer)
    await peer.register(pilot)
    peer.send(f"CAP REQ :{caps}")
    await peer.expect(pilot, f"CAP {nick} ACK")
    await peer.join(pilot, room)
    return peer


@pytest.fixture
def peers() -> Iterator[list[Peer]]:
    made: list[Peer] = []
    yield made
    for peer in made:
        peer.close()


def start_test_server(port: int = 0, **config) -> ServerThread:
    config.setdefault("flood_limit", False)
    return ServerThread(ServerConfig(bind="127.0.0.1", port=port, **config)).start()


@pytest.fixture
def server() -> Iterator[ServerThread]:
    srv = start_test_server()
    yield srv
    srv.stop()


@pytest.fixture
def make_app(tmp_path: Path):
    def make(
        port: int,
        *,
        nick: str = "alice",
        room: str = "#lobby",
        mode: str = "join",
        client_options: dict | None = None,
        app_options: dict | None = None,
        **settings,
    ):
        """``app_options``: more ChatApp arguments (tls=, server=, server_tls=, host=...)."""
        settings.setdefault("nick", nick)
        settings.setdefault("notifications", True)
        options = {"host": "127.0.0.1", **(app_options or {})}
        return ChatApp(
            mode=mode,
            port=port,
            nick=nick,
            room=room,
            password=None,
            settings=Settings(path=tmp_path / "config.toml", **settings),
            data_path=tmp_path / "data",
            client_options={**FAST_RECONNECT, **(client_options or {})},
            **options,
        )

    return make


async def joined(pilot, app, room: str = "#lobby") -> None:
    """Wait until the app is connected, in ``room``, showing it."""
    await wait_for(
        pilot,
        lambda: (
            app.chat.model.status.phase == "connected"
            and app.chat.model.key(room) in app.chat.model.conversations
            and app.chat.model.conversations.get(room).joined
            and app.chat.model.conversations.current == app.chat.model.key(room)
        ),
        what=f"app joined {room}",
    )


async def type_line(pilot, text: str) -> None:
    app = pilot.app
    app.chat.chat_input.value = text
    app.chat.chat_input.cursor_position = len(text)
    await pilot.press("enter")


def hold_port(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:``port`` while a test's server is down, so no test running
    in parallel takes the port (SO_REUSEADDR: the old server's TIME_WAITs)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(1)
    return sock
