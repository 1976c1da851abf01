"""irssi and WeeChat join a tui-chat room over TLS, pinning the certificate the way the host's
invite tells them to (irssi's -tls_pinned_cert line is the one `tui-chat host` prints)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tui_chat.server import ServerConfig, ServerThread
from tui_chat.ui.netinfo import irssi_hint

from .conftest import ServerAddress
from .peers import RawClient, require_binary, wait_until
from .test_terminal_clients import ROOM, Tmux, WeeChat, _stop, _wait_until_online, tmux  # noqa: F401

pytestmark = pytest.mark.timeout(90)


@pytest.fixture
def tls_room(tmp_path: Path) -> Iterator[tuple[ServerThread, RawClient]]:
    """A tui-chat server with TLS (self-signed, made as `host` makes it) and a plaintext
    user already in the room."""
    server = ServerThread(
        ServerConfig(
            bind="127.0.0.1",
            port=0,
            tls_port=0,
            tls_dir=tmp_path / "tls",
            server_name="test.local",
        )
    ).start()
    raw = RawClient("127.0.0.1", server.port)
    try:
        raw.register("bob")
        raw.join(ROOM)
        yield server, raw
    finally:
        raw.close()
        server.stop()


def test_irssi_joins_over_tls_with_the_pinned_certificate(tls_room, tmux, tmp_path):  # noqa: F811
    server, raw = tls_room
    irssi = require_binary("irssi")
    home = tmp_path / "irssi"
    home.mkdir()
    (home / "config").write_text(
        'settings = { "irc/core" = { cmd_queue_speed = "0msec"; cmds_max_at_once = "100"; }; };\n'
    )
    tmux.start(irssi, f"--home={home}", "-n", "irs")
    hint = irssi_hint("127.0.0.1", server.tls_port, server.tls_fingerprint or "")
    command = hint.removeprefix("irssi: ")
    assert command.startswith("/connect -tls -tls_pinned_cert ")
    tmux.type(command)
    _wait_until_online(raw, "irs", timeout=20)
    tmux.type(f"/join {ROOM}")
    raw.expect(lambda m: m.command == "JOIN" and m.nick == "irs", "irssi's JOIN over TLS")
    tmux.type("hello over tls from irssi")
    said = raw.expect(lambda m: m.command == "PRIVMSG", "irssi's PRIVMSG over TLS")
    assert (said.nick, said.params) == ("irs", (ROOM, "hello over tls from irssi"))
    raw.send(f"PRIVMSG {ROOM} :hi irssi, in plaintext")
    wait_until(
        lambda: re.search(r"<.?bob> hi irssi, in plaintext", tmux.screen()),
        "bob's message on irssi's screen",
        details=tmux.screen,
    )
    tmux.type("/quit bye")
    raw.expect(lambda m: m.command == "QUIT" and m.nick == "irs", "irssi's QUIT")


def test_irssi_refuses_a_wrong_pin(tls_room, tmux, tmp_path):  # noqa: F811
    """The pin is what protects: with another fingerprint irssi must not get in."""
    server, raw = tls_room
    irssi = require_binary("irssi")
    home = tmp_path / "irssi"
    home.mkdir()
    tmux.start(irssi, f"--home={home}", "-n", "irs")
    tmux.type(irssi_hint("127.0.0.1", server.tls_port, "ab" * 32).removeprefix("irssi: "))
    wait_until(
        lambda: re.search(r"(?i)pinned|fingerprint|certificate", tmux.screen()),
        "irssi's complaint about the certificate",
        details=tmux.screen,
    )
    raw.send("ISON irs")
    reply = raw.expect(lambda m: m.command == "303", "303 ISON reply")
    assert "irs" not in reply.params[-1].split()


def test_weechat_joins_over_tls_with_the_fingerprint(tls_room, tmp_path):
    server, raw = tls_room
    binary = require_binary("weechat-headless")
    address = ServerAddress("127.0.0.1", server.tls_port)
    # WeeChat 4 renamed its "ssl" server options "tls"; Debian 12 ships 3.8.
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    word = "tls" if int(version.stdout.strip().split(".")[0] or 0) >= 4 else "ssl"
    options = f"-{word} -{word}_fingerprint={server.tls_fingerprint}"
    wee = WeeChat(binary, tmp_path, address, "wee", options)
    try:
        try:
            joined = raw.expect(lambda m: m.command == "JOIN" and m.nick == "wee", "WeeChat's JOIN")
        except BaseException as exc:
            raise AssertionError(f"{exc}\n{wee.details()}") from None
        assert joined.params[0] == ROOM
        wee.command("irc.server.t", f"/msg {ROOM} hello over tls from weechat")
        said = raw.expect(lambda m: m.command == "PRIVMSG", "WeeChat's PRIVMSG over TLS")
        assert (said.nick, said.params) == ("wee", (ROOM, "hello over tls from weechat"))
    finally:
        _stop(wee.proc)
