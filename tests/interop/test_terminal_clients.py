"""Real Debian terminal IRC clients chat through our server with a raw-socket client.

WeeChat runs headless: commands go in with ``-r`` and later through its FIFO, and what it
received is read back from its logger files. irssi runs in a private tmux server (``tmux -S``
with a socket in the test's tmp dir, so nobody else's tmux is touched): it gets typed into with
send-keys and its screen is read with capture-pane. Both are killed in teardown.

Missing binaries skip these tests locally and fail them under TUI_CHAT_REQUIRE_PEERS=1 (CI).
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from .conftest import ServerAddress
from .peers import DEFAULT_TIMEOUT, RawClient, require_binary, wait_until

ROOM = "#room"

pytestmark = pytest.mark.timeout(90)


def _client_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("WEECHAT", "TMUX"))}
    env.update(HOME=str(home), LANG="C.UTF-8", LC_ALL="C.UTF-8", TERM="xterm-256color")
    return env


def _read(path: Path) -> str:
    try:
        return path.read_text("utf-8", "replace")
    except FileNotFoundError:
        return ""


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def _wait_until_online(raw: RawClient, nick: str, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Poll with ISON until ``nick`` has registered with the server."""
    deadline = time.monotonic() + timeout
    while True:
        raw.send(f"ISON {nick}")
        reply = raw.expect(lambda m: m.command == "303", "303 ISON reply")
        if nick.lower() in reply.params[-1].lower().split():
            return
        if time.monotonic() >= deadline:
            pytest.fail(f"{nick} did not register within {timeout:.0f} s", pytrace=False)
        time.sleep(0.1)


# Words of mixed widths (multi-byte characters included), ~1500 bytes: three IRC lines or more.
LONG_TEXT = " ".join(f"wörd{i}-{'é' * (i % 7)}" for i in range(120))


def _expect_split_message(raw: RawClient, nick: str, text: str) -> None:
    """Collect ``nick``'s channel messages until together they make up ``text``."""
    wanted = text.split()
    got: list[str] = []
    while len(got) < len(wanted):
        line = raw.expect(
            lambda m: m.command == "PRIVMSG" and m.nick == nick, f"more of {nick}'s long message"
        )
        assert len(line.raw.encode()) <= 510, (
            f"relayed line over 512 bytes with CR LF: {line.raw!r}"
        )
        got += line.params[-1].split()
    assert got == wanted


# --- WeeChat ---------------------------------------------------------------------------------


class WeeChat:
    def __init__(
        self,
        binary: str,
        tmp_path: Path,
        address: ServerAddress,
        nick: str,
        server_options: str = "-notls",
    ) -> None:
        self.dir = tmp_path / "weechat"
        self.dir.mkdir()
        self.stdout = tmp_path / "weechat.out"
        commands = "; ".join(
            [
                "/set logger.file.flush_delay 0",  # write logs at once; we read them
                "/set irc.server_default.anti_flood_prio_high 0",
                f"/server add t {address.host}/{address.port} {server_options} -nicks={nick}"
                f" -username={nick} -realname=WeeChat -autojoin={ROOM}",
                "/connect t",
            ]
        )
        with self.stdout.open("wb") as out:
            self.proc = subprocess.Popen(
                [
                    *(binary, "--dir", str(self.dir), "--stdout", "--no-script"),
                    *("--plugins", "irc,logger,fifo", "--run-command", commands),
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=_client_env(tmp_path),
            )

    def fifo(self) -> Path:
        return wait_until(
            lambda: next(self.dir.glob("weechat_fifo_*"), None),
            "WeeChat's FIFO",
            details=self.details,
        )

    def command(self, buffer: str, text: str) -> None:
        """Run ``text`` (a /command or a message) in ``buffer``, as if typed there."""
        # Non-blocking: if WeeChat is gone, fail (ENXIO) instead of hanging on the open.
        fd = os.open(self.fifo(), os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, f"{buffer} *{text}\n".encode())
        finally:
            os.close(fd)

    def log(self, buffer: str) -> str:
        return _read(self.dir / "logs" / f"{buffer}.weechatlog")

    def details(self) -> str:
        logs = sorted((self.dir / "logs").glob("*.weechatlog"))
        parts = [f"== {p.name}\n{_read(p)[-3000:]}" for p in logs]
        return "\n".join([f"== weechat stdout\n{_read(self.stdout)[-3000:]}", *parts])


@pytest.fixture
def start_weechat(tmp_path: Path, irc_server: ServerAddress) -> Iterator[Callable[[str], WeeChat]]:
    """Factory: start WeeChat connecting to the test server with the given nick."""
    binary = require_binary("weechat-headless")
    started: list[WeeChat] = []

    def start(nick: str) -> WeeChat:
        started.append(WeeChat(binary, tmp_path, irc_server, nick))
        return started[-1]

    try:
        yield start
    finally:
        for client in started:
            _stop(client.proc)


def test_weechat_registers_joins_and_chats(raw_client, start_weechat) -> None:
    raw: RawClient = raw_client("bob")
    raw.join(ROOM)
    wee: WeeChat = start_weechat("wee")
    joined = raw.expect(
        lambda m: m.command == "JOIN" and m.nick == "wee", "WeeChat's JOIN", timeout=20
    )
    assert joined.params[0] == ROOM
    enabled = re.search(r"client capability, enabled: (.*)", wee.log("irc.server.t"))
    assert enabled, wee.details()
    assert {"server-time", "message-tags", "multi-prefix"} <= set(enabled[1].split())

    wee.command("irc.server.t", f"/msg {ROOM} hello from weechat ✓")
    wee.command("irc.server.t", f"/msg {ROOM} {LONG_TEXT}")
    said = raw.expect(lambda m: m.command == "PRIVMSG", "WeeChat's PRIVMSG")
    assert (said.nick, said.params) == ("wee", (ROOM, "hello from weechat ✓"))

    # Longer than one IRC line: WeeChat splits it to fit 512 bytes as relayed by the server,
    # and the server must take every piece (no 417) and relay it whole.
    _expect_split_message(raw, "wee", LONG_TEXT)
    assert " 417 " not in wee.log("irc.server.t") and "too long" not in wee.log("irc.server.t")

    raw.send(f"PRIVMSG {ROOM} :hi weechat, bob here ✓")
    wait_until(
        lambda: re.search(r"\t[@%+]?bob\thi weechat, bob here ✓", wee.log(f"irc.t.{ROOM}")),
        "bob's message in WeeChat's channel log",
        details=wee.details,
    )

    raw.send("PRIVMSG wee :a private word")
    wait_until(
        lambda: "\tbob\ta private word" in wee.log("irc.t.bob"),
        "bob's private message in WeeChat's query log",
        details=wee.details,
    )

    raw.send("NICK bobby")
    raw.expect(lambda m: m.command == "NICK", "own NICK change")
    wait_until(
        lambda: re.search(r"bob\S* is now known as \S*bobby", wee.log(f"irc.t.{ROOM}")),
        "bob's nick change in WeeChat's channel log",
        details=wee.details,
    )

    wee.command("core.weechat", "/quit leaving now")
    quit_line = raw.expect(lambda m: m.command == "QUIT" and m.nick == "wee", "WeeChat's QUIT")
    assert "leaving now" in quit_line.params[-1]
    wait_until(lambda: wee.proc.poll() is not None, "WeeChat to exit", details=wee.details)


# --- irssi in tmux ---------------------------------------------------------------------------


class Tmux:
    """A private tmux server (own socket file) running one program in one window."""

    def __init__(self, binary: str, tmp_path: Path, env: dict[str, str]) -> None:
        self.binary = binary
        self.env = env
        socket_path = tmp_path / "tmux.sock"
        self._short_dir: str | None = None
        if len(os.fsencode(socket_path)) > 100:  # AF_UNIX paths are limited to ~107 bytes
            self._short_dir = tempfile.mkdtemp(prefix="tui-chat-tmux-")
            socket_path = Path(self._short_dir) / "sock"
        self.socket = socket_path

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, "-S", str(self.socket), "-f", "/dev/null", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=10,
            check=check,
        )

    def start(self, *command: str) -> None:
        self.run("new-session", "-d", "-s", "main", "-x", "120", "-y", "36", "--", *command)

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "main", "-l", text)
        self.run("send-keys", "-t", "main", "Enter")

    def screen(self) -> str:
        result = self.run("capture-pane", "-p", "-J", "-t", "main", "-S", "-", check=False)
        return result.stdout

    def alive(self) -> bool:
        return self.run("has-session", "-t", "main", check=False).returncode == 0

    def kill(self) -> None:
        if self.socket.exists():
            self.run("kill-server", check=False)
        self.socket.unlink(missing_ok=True)
        if self._short_dir is not None:
            os.rmdir(self._short_dir)


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Tmux]:
    tmux = Tmux(require_binary("tmux"), tmp_path, _client_env(tmp_path))
    try:
        yield tmux
    finally:
        tmux.kill()


def test_irssi_in_tmux_registers_joins_and_chats(
    irc_server: ServerAddress, raw_client, tmux: Tmux, tmp_path: Path
) -> None:
    irssi = require_binary("irssi")
    raw: RawClient = raw_client("bob")
    raw.join(ROOM)
    home = tmp_path / "irssi"
    home.mkdir()
    # irssi's own anti-flood queue spaces commands ~2 s apart after a burst: off, for speed.
    (home / "config").write_text(
        'settings = { "irc/core" = { cmd_queue_speed = "0msec"; cmds_max_at_once = "100"; }; };\n'
    )
    tmux.start(
        irssi,
        f"--home={home}",
        "-c",
        irc_server.host,
        "-p",
        str(irc_server.port),
        "-n",
        "irs",
    )
    _wait_until_online(raw, "irs", timeout=20)

    tmux.type(f"/join {ROOM}")
    joined = raw.expect(lambda m: m.command == "JOIN" and m.nick == "irs", "irssi's JOIN")
    assert joined.params[0] == ROOM
    wait_until(
        lambda: re.search(r"irs \[.*\] has joined #room", tmux.screen()),
        "irssi to show its own join",
        details=tmux.screen,
    )

    tmux.type("hello from irssi ✓")
    said = raw.expect(lambda m: m.command == "PRIVMSG", "irssi's PRIVMSG")
    assert (said.nick, said.params) == ("irs", (ROOM, "hello from irssi ✓"))

    tmux.type(LONG_TEXT)  # irssi splits what does not fit one line
    _expect_split_message(raw, "irs", LONG_TEXT)

    raw.send(f"PRIVMSG {ROOM} :hi irssi, bob here ✓")
    wait_until(
        lambda: re.search(r"<.?bob> hi irssi, bob here ✓", tmux.screen()),
        "bob's message on irssi's screen",
        details=tmux.screen,
    )

    raw.send(f"TOPIC {ROOM} :a topic from bob")  # bob created the room, so bob is op
    wait_until(
        lambda: "bob changed the topic of #room to: a topic from bob" in tmux.screen(),
        "bob's topic on irssi's screen",
        details=tmux.screen,
    )

    tmux.type("/nick irs2")
    renamed = raw.expect(lambda m: m.command == "NICK", "irssi's NICK change")
    assert (renamed.nick, renamed.params[-1]) == ("irs", "irs2")

    tmux.type("/quit see you")
    quit_line = raw.expect(lambda m: m.command == "QUIT" and m.nick == "irs2", "irssi's QUIT")
    assert "see you" in quit_line.params[-1]
    wait_until(lambda: not tmux.alive(), "irssi (and its tmux session) to exit")
