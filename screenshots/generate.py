"""Regenerate screenshots/*.svg (``make screenshots``): the real app, a real server, scripted peers.

A hosted room with several people talking, a private conversation, the help screen and the
connect screen. Config and data go to a temporary directory; the server uses an ephemeral port.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tui_chat.config import Settings  # noqa: E402
from tui_chat.ui.app import ChatApp  # noqa: E402

OUT = ROOT / "screenshots"
SIZE = (120, 36)


class Peer:
    """A scripted person on a raw socket."""

    def __init__(self, port: int, nick: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buffer = ""
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.send(f"NICK {nick}")
        self.send(f"USER {nick} 0 * :{nick}")

    def _read(self) -> None:
        while True:
            try:
                data = self.sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            text = data.decode("utf-8", "replace")
            for line in text.splitlines():
                if line.startswith("PING"):
                    self.send("PONG" + line[4:])
            with self.lock:
                self.buffer += text

    def seen(self, fragment: str) -> bool:
        with self.lock:
            return fragment in self.buffer

    def send(self, line: str) -> None:
        with contextlib.suppress(OSError):
            self.sock.sendall(line.encode() + b"\r\n")

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()


async def until(pilot, condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(f"screenshots: timed out waiting for {condition}")
        await pilot.pause(0.05)


async def hosted_room(tmp: Path) -> None:
    app = ChatApp(
        mode="host",
        host="127.0.0.1",
        port=0,
        nick="alice",
        room="#lobby",
        password=None,
        settings=Settings(nick="alice", path=tmp / "config.toml"),
        data_path=tmp / "data",
    )
    app.cursor_blink = False
    peers: list[Peer] = []
    try:
        async with app.run_test(size=SIZE) as pilot:
            await until(
                pilot,
                lambda: (
                    app.chat.model.conversations.current == "#lobby"
                    and app.chat.model.status.phase == "connected"
                ),
            )
            port = app.controller.server.port
            for nick in ("bob", "carol", "dave"):
                peer = Peer(port, nick)
                peers.append(peer)
                await until(pilot, lambda p=peer: p.seen(" 001 "))
                peer.send("JOIN #lobby")
                await until(pilot, lambda p=peer: p.seen(" 366 "))
            bob, carol, dave = peers
            app.chat.chat_input.value = "/topic Friday demo day \x02bring snacks\x02"
            await pilot.press("enter")
            script = [
                (bob, "PRIVMSG #lobby :morning all"),
                (carol, "PRIVMSG #lobby :hi bob! coffee is on, agenda at https://example.com/demo"),
                (bob, "PRIVMSG #lobby :\x01ACTION grabs a mug\x01"),
                (
                    dave,
                    "PRIVMSG #lobby :alice: is the build green? the release notes need a last "
                    "look before we tag it, and the screenshots should be regenerated too",
                ),
            ]
            for peer, line in script:
                peer.send(line)
            await until(
                pilot,
                lambda: any(
                    "screenshots should" in e.plain
                    for e in app.chat.current_conversation.log.entries
                ),
            )
            app.chat.chat_input.value = "dave: green, tagging now"
            await pilot.press("enter")
            carol.send("NICK caroline")
            dave.send("AWAY :lunch")
            bob.send("PRIVMSG alice :got a minute after lunch? want to pair on the parser")
            await until(pilot, lambda: "bob" in app.chat.model.conversations)
            await until(
                pilot,
                lambda: any(
                    "caroline" in e.plain for e in app.chat.current_conversation.log.entries
                ),
            )
            await pilot.pause(0.3)
            app.save_screenshot("room.svg", str(OUT))

            await pilot.press("alt+3")
            app.chat.chat_input.value = "sure, 2pm?"
            await pilot.press("enter")
            await until(pilot, lambda: bob.seen("sure, 2pm?"))
            bob.send("PRIVMSG alice :perfect, see you then")
            await until(
                pilot,
                lambda: any(
                    "perfect" in e.plain for e in app.chat.current_conversation.log.entries
                ),
            )
            await pilot.pause(0.3)
            app.save_screenshot("private.svg", str(OUT))

            await pilot.press("f1")
            await pilot.pause(0.3)
            app.save_screenshot("help.svg", str(OUT))
            await pilot.press("escape")
            await pilot.press("ctrl+q")
    finally:
        for peer in peers:
            peer.close()


async def connect_screen(tmp: Path) -> None:
    from tui_chat.ui.recent import RecentServer, remember

    remember(
        tmp / "data", RecentServer(host="192.168.1.20", port=6667, nick="alice", room="#lobby")
    )
    remember(
        tmp / "data", RecentServer(host="irc.libera.chat", port=6667, nick="alice", room="#textual")
    )
    app = ChatApp(
        mode="connect",
        host=None,
        port=6667,
        nick="alice",
        room=None,
        password=None,
        settings=Settings(nick="alice", path=tmp / "config.toml"),
        data_path=tmp / "data",
    )
    app.cursor_blink = False
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.3)
        app.save_screenshot("connect.svg", str(OUT))
        await pilot.press("ctrl+q")


async def main() -> None:
    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        await hosted_room(Path(tmp))
        await connect_screen(Path(tmp))
    print(f"wrote {', '.join(sorted(p.name for p in OUT.glob('*.svg')))} in {OUT}")


if __name__ == "__main__":
    asyncio.run(main())
