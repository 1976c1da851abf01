"""Fixtures: a real server on 127.0.0.1 port 0, a peer in the room, and tui-chat on a pty.

One app start per module (``chat``); each test leaves the app as it found it (``ChatTerminal.
reset``): the room ``#keys`` shown, the input empty, no modal screen or search open.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.server.ircclient import TestClient
from tui_chat.irc.message import source_nick
from tui_chat.server import ServerConfig, ServerThread

from .harness import DEFAULT_TIMEOUT, Terminal, input_box_height, input_box_text

ROOM = "#keys"
ME = "me"
PEER = "peer"
XDG = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME")


def app_env(home: Path) -> dict[str, str]:
    """A clean environment: HOME and the XDG dirs in the test's tmp dir, an xterm, UTF-8."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("TEXTUAL", "TMUX", "XDG_", "COLUMNS", "LINES"))
    }
    env.update(HOME=str(home), TERM="xterm-256color", LANG="C.UTF-8", LC_ALL="C.UTF-8")
    for name in XDG:
        env[name] = str(home / name.lower())
    return env


def app_argv(*args: str) -> list[str]:
    """The real program: ``python -m tui_chat`` of the interpreter running the tests."""
    return [sys.executable, "-m", "tui_chat", *args]


def start_app(home: Path, *args: str, cols: int = 120, rows: int = 36) -> Terminal:
    home.mkdir(parents=True, exist_ok=True)
    return Terminal.start(app_argv(*args), app_env(home), cwd=home, cols=cols, rows=rows)


@dataclass
class ChatTerminal:
    """The app joined to ``#keys`` on a real server, with ``peer`` in the room."""

    term: Terminal
    server: ServerThread
    peer: TestClient

    def header(self) -> str:
        """The header's first word: the conversation shown."""
        words = self.term.row(0).split()
        return words[0] if words else ""

    def wait_header(self, name: str) -> None:
        """Until the conversation ``name`` is shown (a name ending in ":" is a prefix)."""
        if name.endswith(":"):
            self.term.wait_for(lambda term: self.header().startswith(name))
        else:
            self.term.wait_for(lambda term: self.header() == name)

    def wait_header_change(self, before: str) -> None:
        self.term.wait_for(lambda term: self.header() != before)

    def input_text(self) -> str:
        """What the input box shows (between its borders, every row), without the padding."""
        return input_box_text(self.term.screen.display)

    def input_height(self) -> int:
        """How many rows of text the input box has."""
        return input_box_height(self.term.screen.display)

    def wait_input(self, text: str) -> None:
        self.term.wait_for(lambda term: self.input_text() == text)

    def peer_hears(self, text: str) -> None:
        """The peer gets ``text`` from us in the room."""
        self.peer.expect(
            lambda m: m.command == "PRIVMSG" and m.params == (ROOM, text), DEFAULT_TIMEOUT
        )

    def peer_heard(self) -> list[str]:
        """What we said in the room that the peer has not read yet (the server is in step)."""
        return [
            m.params[1]
            for m in self.peer.sync()
            if m.command == "PRIVMSG" and source_nick(m.source) == ME
        ]

    def say_from_peer(self, text: str) -> None:
        self.peer.send(f"PRIVMSG {ROOM} :{text}")

    def reset(self) -> None:
        """Back to ``#keys`` with an empty input and nothing open over the chat screen."""
        term = self.term
        for _ in range(3):  # a prompt, then a search, then nothing: bounded
            if "Paste " in term.text() and "Cancel (Esc)" in term.text():
                term.press("escape")
                term.wait_gone("Cancel (Esc)")
            elif "tui-chat help" in term.text():
                term.press("escape")
                term.wait_gone("tui-chat help")
            elif "Search:" in term.text():
                term.press("escape")
                term.wait_gone("Search:")
        term.press("ctrl+u")  # Input: delete to the start of the line
        term.press("ctrl+k")  # and to its end
        self.wait_input("Type a message, or /help")
        for _ in range(10):  # at most one round of the sidebar
            if self.header() == ROOM:
                break
            term.press("ctrl+down")
            self.wait_header_change(self.header())
        assert self.header() == ROOM, term.text()
        self.peer.sync()


def start_chat(
    tmp: Path, server: ServerThread, *, cols: int = 120, rows: int = 36
) -> tuple[Terminal, TestClient]:
    """The app joined to ``#keys`` on ``server``, and ``peer`` there first."""
    peer = TestClient(server.port).register(PEER)
    term: Terminal | None = None
    try:
        peer.join(ROOM)
        term = start_app(
            tmp / "home",
            *("join", f"127.0.0.1:{server.port}", "--nick", ME, "--room", ROOM, "--no-log"),
            cols=cols,
            rows=rows,
        )
        term.wait_for(f"You joined {ROOM}", timeout=30)
        term.wait_for("Type a message, or /help")
        peer.expect(lambda m: m.command == "JOIN" and source_nick(m.source) == ME)
    except BaseException:
        # The caller gets nothing to clean up, so nothing may be left running.
        if term is not None:
            term.close()
        peer.close()
        raise
    return term, peer


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChatTerminal]:
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", flood_limit=False)
    ).start()
    term: Terminal | None = None
    peer: TestClient | None = None
    try:
        term, peer = start_chat(tmp_path_factory.mktemp("terminal"), server)
        yield ChatTerminal(term, server, peer)
    finally:
        if term is not None:
            term.close()
        if peer is not None:
            peer.close()
        server.stop(timeout=5.0)


@pytest.fixture
def fresh(chat: ChatTerminal) -> Iterator[ChatTerminal]:
    """``chat``, reset before and after the test."""
    chat.reset()
    yield chat
    chat.reset()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "covers(*names): keys and help rows a terminal test proves")
