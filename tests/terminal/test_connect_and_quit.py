"""The connect screen's keys and Ctrl+Q, each on an app of its own (quitting ends it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.server.ircclient import TestClient
from tui_chat.irc.message import source_nick
from tui_chat.server import ServerConfig, ServerThread

from .conftest import ME, PEER, ROOM, start_app, start_chat
from .harness import KEYS, KITTY_KEYS, Terminal, covers

pytestmark = pytest.mark.timeout(120)


@pytest.fixture
def server() -> Iterator[ServerThread]:
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", flood_limit=False)
    ).start()
    yield server
    server.stop(timeout=5.0)


SHIFT_TAB = "\x1b[Z"


def field(term: Terminal, label: str) -> str | None:
    """The value shown in the connect screen's field ``label`` (None: not drawn yet)."""
    for y in range(term.screen.lines):
        row = term.row(y)
        if f"█  {label} " in row and "▊" in row:
            return row.split("▊", 1)[1].split("▎", 1)[0].strip()
    return None


def wait_focus(term: Terminal, label: str) -> None:
    """Until the cursor is in the field ``label``."""
    term.wait_for(lambda _: f"█  {label} " in term.row(term.cursor()[1]))


def wait_quit(peer: TestClient) -> None:
    peer.expect(lambda m: m.command == "QUIT" and source_nick(m.source) == ME)


@covers("help:Ctrl+Q", "app.quit")
@pytest.mark.parametrize("table", [KEYS, KITTY_KEYS], ids=["xterm", "kitty"])
def test_ctrl_q_quits(tmp_path: Path, server: ServerThread, table: dict[str, str]) -> None:
    term, peer = start_chat(tmp_path, server)
    try:
        term.press("ctrl+q", table=table)
        assert term.wait_exit() == 0
        wait_quit(peer)
    finally:
        term.close()
        peer.close()


@covers("connect.join", "connect.host")
def test_connect_screen_keys(tmp_path: Path, server: ServerThread) -> None:
    peer = TestClient(server.port).register(PEER)
    term: Terminal | None = None
    try:
        peer.join(ROOM)
        term = start_app(tmp_path / "home", "--config", str(tmp_path / "none.toml"))
        term.wait_for(lambda _: field(term, "Port") == "6667")
        # The server field has the focus and is empty. With the port made invalid first,
        # neither key can connect or listen anywhere, and each says why in its own words.
        # Each step waits for its effect: a key sent while focus moves may reach the old field.
        term.press("tab")
        wait_focus(term, "Port")
        term.press("ctrl+u")
        term.wait_for(lambda _: field(term, "Port") == "")
        term.type("0")
        term.wait_for(lambda _: field(term, "Port") == "0")
        term.press("ctrl+o")
        term.wait_for("The port must be a number from 1 to 65535.")
        term.press("ctrl+u")
        term.wait_for(lambda _: field(term, "Port") == "")
        term.type(str(server.port))
        term.wait_for(lambda _: field(term, "Port") == str(server.port))
        term.press("enter")
        term.wait_for("Type the server to join (or press Host a room).")
        term.send(SHIFT_TAB)
        wait_focus(term, "Server")
        term.type("127.0.0.1")
        term.wait_for(lambda _: field(term, "Server") == "127.0.0.1")
        for label in ("Port", "Nick", "Room"):
            term.press("tab")
            wait_focus(term, label)
        term.press("ctrl+u")
        term.wait_for(lambda _: field(term, "Room") == "")
        term.type(ROOM)
        term.wait_for(lambda _: field(term, "Room") == ROOM)
        term.press("enter")
        term.wait_for(f"You joined {ROOM}", timeout=20)
        peer.expect(lambda m: m.command == "JOIN" and m.params[0] == ROOM)
    finally:
        if term is not None:
            term.close()
        peer.close()
