"""The same keys and pastes through a real tmux (the issue's own setting), read with capture-pane.

The pty tests write the bytes we believe terminals send; here tmux itself turns key names
(``M-1``, ``S-F3``, ``C-Up``) and ``paste-buffer -p`` into bytes for the app, so a wrong belief
about tmux shows up. tmux runs on a private socket and is killed in teardown. A missing tmux
skips locally and fails under TUI_CHAT_REQUIRE_PEERS=1 (CI installs it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from tests.interop.peers import require_binary, wait_until
from tests.interop.test_terminal_clients import Tmux
from tests.server.ircclient import TestClient
from tui_chat.irc.message import source_nick
from tui_chat.server import ServerConfig, ServerThread

from .conftest import ME, PEER, ROOM, app_argv, app_env
from .harness import DEFAULT_TIMEOUT, input_box_text

pytestmark = pytest.mark.timeout(120)


@dataclass
class TmuxChat:
    tmux: Tmux
    peer: TestClient

    def screen(self) -> list[str]:
        """The visible pane, line by line (no scrollback: the app draws on the alternate screen)."""
        result = self.tmux.run("capture-pane", "-p", "-t", "main", check=False)
        return result.stdout.splitlines()

    def text(self) -> str:
        return "\n".join(self.screen())

    def keys(self, *names: str) -> None:
        self.tmux.run("send-keys", "-t", "main", *names)

    def literal(self, text: str) -> None:
        self.tmux.run("send-keys", "-t", "main", "-l", text)

    def paste(self, text: str) -> None:
        """What a terminal's paste does: tmux wraps it in ESC[200~ … ESC[201~ for the app."""
        self.tmux.run("set-buffer", "--", text)
        self.tmux.run("paste-buffer", "-p", "-t", "main")

    def wait(
        self, check: str | Callable[[list[str]], bool], what: str, timeout: float = 10
    ) -> None:
        """Poll capture-pane until ``check`` (text, or a predicate on the lines) holds."""

        def holds() -> bool:
            lines = self.screen()
            return check in "\n".join(lines) if isinstance(check, str) else check(lines)

        wait_until(holds, what, timeout, details=self.text)

    def header(self, lines: list[str]) -> str:
        words = lines[0].split() if lines else []
        return words[0] if words else ""

    def wait_header(self, name: str) -> None:
        self.wait(lambda lines: self.header(lines).startswith(name), f"the header {name!r}")

    def input_text(self, lines: list[str]) -> str:
        return input_box_text(lines)

    def wait_input(self, text: str) -> None:
        self.wait(lambda lines: self.input_text(lines) == text, f"the input {text!r}")

    def peer_hears(self, text: str) -> None:
        self.peer.expect(
            lambda m: m.command == "PRIVMSG" and m.params == (ROOM, text), DEFAULT_TIMEOUT
        )

    def peer_heard(self) -> list[str]:
        return [
            m.params[1]
            for m in self.peer.sync()
            if m.command == "PRIVMSG" and source_nick(m.source) == ME
        ]


EMPTY = "Type a message, or /help"


@pytest.fixture(scope="module")
def chat(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TmuxChat]:
    binary = require_binary("tmux")
    tmp = tmp_path_factory.mktemp("tmux")
    home = tmp / "home"
    home.mkdir()
    server = ServerThread(
        ServerConfig(bind="127.0.0.1", port=0, server_name="test.server", flood_limit=False)
    ).start()
    peer = TestClient(server.port).register(PEER)
    tmux = Tmux(binary, tmp, app_env(home))
    try:
        peer.join(ROOM)
        argv = app_argv("join", f"127.0.0.1:{server.port}", "--nick", ME, "--room", ROOM)
        tmux.start(*argv, "--no-log")
        chat = TmuxChat(tmux, peer)
        chat.wait(f"You joined {ROOM}", "the join", timeout=30)
        chat.wait(EMPTY, "the input")
        for room in ("#two",):
            chat.literal(f"/join {room}")
            chat.keys("Enter")
            chat.wait_header(room)
        chat.keys("C-Up")
        chat.wait_header(ROOM)
        yield chat
    finally:
        tmux.kill()
        peer.close()
        server.stop(timeout=5.0)


def test_tmux_alt_digits_and_ctrl_keys_switch_conversations(chat: TmuxChat) -> None:
    chat.keys("M-3")
    chat.wait_header("#two")
    chat.keys("M-1")
    chat.wait_header("127.0.0.1:")
    chat.keys("M-2")
    chat.wait_header(ROOM)
    chat.keys("C-Down")
    chat.wait_header("#two")
    chat.keys("C-Up")
    chat.wait_header(ROOM)
    chat.keys("C-n")
    chat.wait_header("#two")
    chat.keys("C-p")
    chat.wait_header(ROOM)
    assert chat.input_text(chat.screen()) == EMPTY
    assert not any(mark in chat.text() for mark in "¡™£")


def test_tmux_alt_a_and_f7_f8(chat: TmuxChat) -> None:
    """M-a (ESC a) jumps to the room with news, not typing "a"; F7/F8 fold the side panels."""
    chat.peer.join("#two")
    try:
        chat.peer.send(f"PRIVMSG #two :{ME}: over here")
        chat.peer.sync()
        chat.keys("M-a")
        chat.wait_header("#two")
        chat.keys("M-a")
        chat.wait_header(ROOM)
        assert chat.input_text(chat.screen()) == EMPTY
        chat.keys("F8")
        chat.wait(lambda lines: "Users (" not in "\n".join(lines), "the user list folded")
        chat.keys("F8")
        chat.wait("Users (", "the user list back")
    finally:
        chat.peer.send("PART #two")
        chat.peer.sync()


def test_tmux_search_f3_and_shift_f3(chat: TmuxChat) -> None:
    for i in range(3):
        chat.peer.send(f"PRIVMSG {ROOM} :tmuxneedle {i}")
    chat.wait("tmuxneedle 2", "the needles")
    chat.keys("C-f")
    chat.wait("Search:", "the search bar")
    chat.literal("tmuxneedle")
    chat.keys("Enter")
    chat.wait("1/3", "the first match")
    chat.keys("F3")
    chat.wait("2/3", "F3")
    chat.keys("S-F3")
    chat.wait("1/3", "Shift+F3")
    chat.keys("Escape")
    chat.wait(lambda lines: "Search:" not in "\n".join(lines), "the search to close")


def test_tmux_help_paging_and_end(chat: TmuxChat) -> None:
    chat.keys("F1")
    chat.wait("tui-chat help", "the help screen")
    chat.keys("Escape")
    chat.wait(lambda lines: "tui-chat help" not in "\n".join(lines), "the help to close")
    for i in range(50):
        chat.peer.send(f"PRIVMSG {ROOM} :tmux line {i:02}")
    chat.wait("tmux line 49", "the last line")
    chat.keys("PPage")
    chat.wait(lambda lines: "tmux line 49" not in "\n".join(lines), "Page Up")
    chat.keys("NPage")
    chat.wait("tmux line 49", "Page Down")
    chat.keys("PPage")
    chat.wait(lambda lines: "tmux line 49" not in "\n".join(lines), "Page Up again")
    chat.keys("C-End")
    chat.wait("tmux line 49", "Ctrl+End")


def test_tmux_pastes_go_in_once(chat: TmuxChat) -> None:
    chat.paste("pasted in tmux")
    chat.wait_input("pasted in tmux")
    chat.keys("Enter")
    chat.peer_hears("pasted in tmux")
    chat.wait_input(EMPTY)
    assert chat.peer_heard() == []
    chat.paste("\n".join(f"tmux paste {i}" for i in range(5)))
    chat.wait("Paste 5 lines?", "the paste prompt")
    assert chat.peer_heard() == []
    chat.keys("C-y")
    for i in range(5):
        chat.peer_hears(f"tmux paste {i}")
    chat.wait_input(EMPTY)
    assert chat.peer_heard() == []


def test_tmux_zero_width_joiner_is_kept(chat: TmuxChat) -> None:
    chat.literal("👩\u200d💻 in tmux")
    chat.keys("Enter")
    chat.peer_hears("👩\u200d💻 in tmux")


def test_tmux_ctrl_q_quits_last(chat: TmuxChat) -> None:
    chat.keys("C-q")
    chat.peer.expect(lambda m: m.command == "QUIT" and source_nick(m.source) == ME)
    wait_until(lambda: not chat.tmux.alive(), "tui-chat (and its tmux session) to exit")
