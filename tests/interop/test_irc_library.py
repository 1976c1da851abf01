"""The third-party ``irc`` library (PyPI) chats through our server.

Every client here is the library's own ``ServerConnection`` (or its ``SingleServerIRCBot``),
driven by ``Reactor.process_once`` in the test thread until the expected event arrives or a
deadline passes; a raw socket client stands in as the other party where the library's view of
what our server *sends* is the point.
"""

from __future__ import annotations

import re
import select
import signal
import socket
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path

import irc.bot
import irc.client
import irc.connection
import pytest

from .conftest import ServerAddress
from .peers import DEFAULT_TIMEOUT, RawClient

ROOM = "#room"


class Library:
    """One ``irc.client.Reactor`` with any number of connections; records every event."""

    def __init__(self, address: ServerAddress) -> None:
        self.address = address
        self.reactor = irc.client.Reactor()
        self.reactors = [self.reactor]
        self.events: dict[irc.client.ServerConnection, list[irc.client.Event]] = defaultdict(list)
        self._cursor: dict[irc.client.ServerConnection, int] = defaultdict(int)
        self.reactor.add_global_handler("all_events", self._record, -100)

    def _record(self, connection: irc.client.ServerConnection, event: irc.client.Event) -> None:
        self.events[connection].append(event)

    def connect(self, nick: str, **kwargs: object) -> irc.client.ServerConnection:
        connection = self.reactor.server()
        connection.connect(self.address.host, self.address.port, nick, **kwargs)
        return connection

    def register(self, nick: str, **kwargs: object) -> irc.client.ServerConnection:
        connection = self.connect(nick, **kwargs)
        self.expect(connection, "welcome")
        return connection

    def join(self, connection: irc.client.ServerConnection, channel: str = ROOM) -> None:
        connection.join(channel)
        self.expect(connection, "endofnames", lambda e: e.arguments[0] == channel)

    def expect(
        self,
        connection: irc.client.ServerConnection,
        event_type: str,
        predicate: Callable[[irc.client.Event], bool] = lambda event: True,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> irc.client.Event:
        """Pump the reactor(s) until ``connection`` gets a new matching event; return it."""
        deadline = time.monotonic() + timeout
        while True:
            events = self.events[connection]
            for index in range(self._cursor[connection], len(events)):
                event = events[index]
                if event.type == event_type and predicate(event):
                    self._cursor[connection] = index + 1
                    return event
            if time.monotonic() >= deadline:
                seen = "\n".join(
                    f"{e.type} {e.source} {e.target} {e.arguments} {e.tags}" for e in events[-30:]
                )
                pytest.fail(
                    f"{connection.get_nickname()}: no {event_type!r} event within {timeout:.0f} s;"
                    f" last events:\n{seen}",
                    pytrace=False,
                )
            for reactor in self.reactors:
                reactor.process_once(0.02)

    def close(self) -> None:
        for reactor in self.reactors:
            reactor.disconnect_all("test over")
            for connection in list(reactor.connections):
                connection.close()


@pytest.fixture
def lib(irc_server: ServerAddress) -> Iterator[Library]:
    library = Library(irc_server)
    yield library
    library.close()


def nick_of(event: irc.client.Event) -> str:
    return irc.client.NickMask(event.source).nick


def test_two_library_clients_chat_in_a_channel_and_privately(lib: Library) -> None:
    alice = lib.register("alice")
    bob = lib.register("bob")
    lib.join(alice)
    lib.join(bob)
    lib.expect(alice, "join", lambda e: nick_of(e) == "bob" and e.target == ROOM)

    alice.privmsg(ROOM, "hello bob, this is alice")
    said = lib.expect(bob, "pubmsg")
    assert (nick_of(said), said.target, said.arguments) == (
        "alice",
        ROOM,
        ["hello bob, this is alice"],
    )

    bob.privmsg(ROOM, "hi alice: ünïcödé and a :colon")
    said = lib.expect(alice, "pubmsg")
    assert (nick_of(said), said.arguments) == ("bob", ["hi alice: ünïcödé and a :colon"])

    bob.privmsg("alice", "psst")
    whisper = lib.expect(alice, "privmsg")
    assert (nick_of(whisper), whisper.target, whisper.arguments) == ("bob", "alice", ["psst"])

    alice.notice(ROOM, "a notice")
    notice = lib.expect(bob, "pubnotice")
    assert (nick_of(notice), notice.arguments) == ("alice", ["a notice"])

    alice.action(ROOM, "waves")  # CTCP ACTION, parsed by the library
    action = lib.expect(bob, "action")
    assert (nick_of(action), action.arguments) == ("alice", ["waves"])


def test_library_and_raw_socket_client_see_each_other(lib: Library, raw_client) -> None:
    carol = lib.register("carol")
    lib.join(carol)
    raw: RawClient = raw_client("rawdan")
    raw.join(ROOM)
    lib.expect(carol, "join", lambda e: nick_of(e) == "rawdan")

    carol.privmsg(ROOM, "to the raw socket")
    line = raw.expect(lambda m: m.command == "PRIVMSG", "PRIVMSG from carol")
    assert (line.nick, line.params) == ("carol", (ROOM, "to the raw socket"))

    raw.send(f"PRIVMSG {ROOM} :from the raw socket")
    said = lib.expect(carol, "pubmsg")
    assert (nick_of(said), said.arguments) == ("rawdan", ["from the raw socket"])


def test_nick_change_is_seen_by_the_other_client_and_tracked_by_the_library(lib: Library) -> None:
    alice = lib.register("alice")
    bob = lib.register("bob")
    lib.join(alice)
    lib.join(bob)

    alice.nick("alicia")
    changed = lib.expect(bob, "nick")
    assert (nick_of(changed), changed.target) == ("alice", "alicia")
    lib.expect(alice, "nick", lambda e: e.target == "alicia")
    assert alice.get_nickname() == "alicia"

    alice.privmsg(ROOM, "new name")
    said = lib.expect(bob, "pubmsg")
    assert nick_of(said) == "alicia"


def test_nick_in_use_is_reported_and_the_library_can_pick_another(lib: Library) -> None:
    lib.register("taken")
    second = lib.connect("taken")
    lib.expect(second, "nicknameinuse")
    second.nick("taken_")
    welcome = lib.expect(second, "welcome")
    assert welcome.target == "taken_"
    assert second.get_nickname() == "taken_"


def test_topic_set_by_one_client_reaches_the_other_and_late_joiners(lib: Library) -> None:
    alice = lib.register("alice")
    lib.join(alice)
    alice.topic(ROOM, "first topic")
    lib.expect(alice, "topic", lambda e: e.arguments == ["first topic"])

    bob = lib.connect("bob")
    lib.expect(bob, "welcome")
    bob.join(ROOM)
    current = lib.expect(bob, "currenttopic")  # 332 on join
    assert current.arguments == [ROOM, "first topic"]

    alice.topic(ROOM, "second topic")
    changed = lib.expect(bob, "topic")
    assert (nick_of(changed), changed.target, changed.arguments) == (
        "alice",
        ROOM,
        ["second topic"],
    )

    bob.topic(ROOM)  # asking for it
    asked = lib.expect(bob, "currenttopic")
    assert asked.arguments == [ROOM, "second topic"]


def test_part_and_quit_are_seen_by_the_other_client(lib: Library) -> None:
    alice = lib.register("alice")
    bob = lib.register("bob")
    lib.join(alice)
    lib.join(bob)

    bob.part(ROOM, ":off for a bit")  # part(), unlike quit(), adds no ":" itself
    parted = lib.expect(alice, "part")
    assert (nick_of(parted), parted.target, parted.arguments) == ("bob", ROOM, ["off for a bit"])
    lib.expect(bob, "part")

    lib.join(bob)
    lib.expect(alice, "join", lambda e: nick_of(e) == "bob")
    bob.quit("good night")
    quitted = lib.expect(alice, "quit")
    assert nick_of(quitted) == "bob"
    assert "good night" in quitted.arguments[0]
    lib.expect(bob, "disconnect")  # the server closes the connection after QUIT
    assert not bob.is_connected()


def _cap_ls_first(address: tuple[str, int]) -> socket.socket:
    """A ``connect_factory`` that puts ``CAP LS 302`` before the library's NICK and USER."""
    sock = socket.create_connection(address, timeout=DEFAULT_TIMEOUT)
    sock.sendall(b"CAP LS 302\r\n")
    return sock


WANTED_CAPS = {"message-tags", "server-time", "multi-prefix"}


def test_cap_negotiation_before_registration_does_not_confuse_the_library(lib: Library) -> None:
    tagged = lib.connect("tagged", connect_factory=_cap_ls_first)
    offered: set[str] = set()
    while True:  # CAP LS 302 may span several lines: "CAP * LS * :..." then "CAP * LS :..."
        listing = lib.expect(tagged, "cap", lambda e: e.arguments[0] == "LS")
        offered |= {cap.split("=", 1)[0] for cap in listing.arguments[-1].split()}
        if listing.arguments[1] != "*":
            break
    assert offered >= WANTED_CAPS, offered
    # Registration waits for CAP END: no welcome yet even though NICK and USER were sent.
    assert not [e for e in lib.events[tagged] if e.type == "welcome"]

    tagged.cap("REQ", *sorted(WANTED_CAPS))
    ack = lib.expect(tagged, "cap", lambda e: e.arguments[0] in ("ACK", "NAK"))
    assert ack.arguments[0] == "ACK"
    assert set(ack.arguments[1].split()) == WANTED_CAPS
    tagged.cap("END")
    lib.expect(tagged, "welcome")

    plain = lib.register("plain")
    lib.join(plain)
    tagged.join(ROOM)
    names = lib.expect(tagged, "namreply")
    assert "@plain" in names.arguments[2].split()  # channel creator is op; multi-prefix on
    lib.expect(tagged, "endofnames")

    plain.privmsg(ROOM, "tags for you, none for me")
    said = lib.expect(tagged, "pubmsg")
    assert said.arguments == ["tags for you, none for me"]
    tag_keys = {tag["key"] for tag in said.tags}
    assert "time" in tag_keys, said.tags  # server-time
    assert "msgid" in tag_keys, said.tags

    tagged.privmsg(ROOM, "and back")
    back = lib.expect(plain, "pubmsg")
    assert back.arguments == ["and back"]
    assert back.tags == [], "a client without message-tags/server-time must get no tags"


def _register_with_caps(lib: Library, nick: str, caps: set[str]) -> irc.client.ServerConnection:
    connection = lib.connect(nick, connect_factory=_cap_ls_first)
    lib.expect(connection, "cap", lambda e: e.arguments[0] == "LS" and e.arguments[1] != "*")
    connection.cap("REQ", *sorted(caps))
    ack = lib.expect(connection, "cap", lambda e: e.arguments[0] in ("ACK", "NAK"))
    assert ack.arguments[0] == "ACK", ack.arguments
    connection.cap("END")
    lib.expect(connection, "welcome")
    return connection


def test_client_tags_are_relayed_escaped_and_the_library_unescapes_them(lib: Library) -> None:
    sender = _register_with_caps(lib, "sender", {"message-tags"})
    receiver = _register_with_caps(lib, "receiver", {"message-tags"})
    plain = lib.register("plain")
    for connection in (sender, receiver, plain):
        lib.join(connection)

    # A client-only tag whose value holds an escaped space, semicolon and backslash.
    sender.send_raw(f"@+example.org/note=a\\sb\\:c\\\\d PRIVMSG {ROOM} :tagged")
    said = lib.expect(receiver, "pubmsg")
    assert said.arguments == ["tagged"]
    tags = {tag["key"]: tag["value"] for tag in said.tags}
    assert tags.get("+example.org/note") == "a b;c\\d", said.tags
    assert "msgid" in tags, said.tags
    plain_said = lib.expect(plain, "pubmsg")
    assert (plain_said.arguments, plain_said.tags) == (["tagged"], [])

    # TAGMSG carries only tags: the tagged receiver gets it, the plain client must not.
    sender.send_raw(f"@+typing=active TAGMSG {ROOM}")
    typing = lib.expect(receiver, "tagmsg")
    assert {"key": "+typing", "value": "active"} in typing.tags
    plain.ping("sync")  # the PONG comes after anything queued for plain before it
    lib.expect(plain, "pong")
    assert not [e for e in lib.events[plain] if e.type == "tagmsg"]


def test_single_server_bot_tracks_channel_members_and_modes(lib: Library) -> None:
    bot = irc.bot.SingleServerIRCBot(
        [irc.bot.ServerSpec(lib.address.host, lib.address.port)], "botty", "Test bot"
    )
    lib.reactors.append(bot.reactor)
    bot.reactor.add_global_handler("all_events", lib._record, -100)

    alice = lib.register("alice")
    lib.join(alice)
    bot._connect()
    lib.expect(bot.connection, "welcome")
    features = bot.connection.features  # the library's parse of our 005 ISUPPORT
    assert dict(features.prefix) == {"@": "o", "+": "v"}
    assert len(features.chanmodes) == 4
    assert "#" in features.chantypes
    assert features.casemapping == "ascii"
    assert isinstance(features.nicklen, int)
    assert features.targmax["PRIVMSG"] >= 1
    lib.join(bot.connection)

    channel = bot.channels[ROOM]
    assert set(channel.users()) == {"alice", "botty"}
    assert channel.is_oper("alice")
    assert not channel.is_oper("botty")

    alice.mode(ROOM, "+v botty")
    lib.expect(bot.connection, "mode", lambda e: e.arguments == ["+v", "botty"])
    assert channel.is_voiced("botty")

    alice.nick("alice2")
    lib.expect(bot.connection, "nick")
    assert set(channel.users()) == {"alice2", "botty"}
    assert channel.is_oper("alice2")


# --- `tui-chat serve` as its own process ---------------------------------------------------


@pytest.fixture
def serve_process(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], ServerAddress]]:
    """``tui-chat serve`` with a password and a MOTD, on an ephemeral port."""
    motd = tmp_path / "motd.txt"
    motd.write_text("Welcome to the interop room\nbe nice\n", "utf-8")
    stderr = (tmp_path / "serve.stderr").open("w")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "tui_chat", "serve", "--bind", "127.0.0.1", "--port", "0"),
            *("--server-name", "serve.test", "--password", "s3cret", "--motd", str(motd)),
            *("--data-dir", str(tmp_path / "data"), "--tls-port", "0"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=stderr,
        text=True,
    )
    try:
        ready, _, _ = select.select([proc.stdout], [], [], DEFAULT_TIMEOUT)
        first = proc.stdout.readline() if ready else ""
        match = re.fullmatch(r"listening on 127\.0\.0\.1:(\d+)\n", first)
        assert match, f"tui-chat serve printed {first!r}; stderr: {_read_text(tmp_path)}"
        yield proc, ServerAddress("127.0.0.1", int(match[1]))
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()
        stderr.close()


def _read_text(tmp_path: Path) -> str:
    return (tmp_path / "serve.stderr").read_text("utf-8", "replace")


def test_library_clients_with_password_and_motd_then_sigterm_shutdown(serve_process) -> None:
    proc, address = serve_process
    lib = Library(address)
    try:
        alice = lib.register("alice", password="s3cret")
        motd = [e.arguments[0] for e in lib.events[alice] if e.type == "motd"]
        assert any("Welcome to the interop room" in line for line in motd), motd

        intruder = lib.connect("intruder", password="wrong")
        lib.expect(intruder, "passwdmismatch")  # 464
        lib.expect(intruder, "disconnect")
        assert not [e for e in lib.events[intruder] if e.type == "welcome"]

        bob = lib.register("bob", password="s3cret")
        lib.join(alice)
        lib.join(bob)
        alice.privmsg(ROOM, "over a standalone server")
        assert lib.expect(bob, "pubmsg").arguments == ["over a standalone server"]

        proc.send_signal(signal.SIGTERM)
        for connection in (alice, bob):
            error = lib.expect(connection, "error")
            assert "Server shutting down" in error.target, error
            lib.expect(connection, "disconnect")
        assert proc.wait(timeout=DEFAULT_TIMEOUT) == 0
    finally:
        lib.close()


def _ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _ipv6_loopback(), reason="no IPv6 loopback on this machine")
def test_library_clients_chat_over_ipv6(tmp_path: Path) -> None:
    from tui_chat.server import ServerConfig, ServerThread

    config = ServerConfig(bind="::1", port=0, server_name="v6.test", data_dir=tmp_path / "data")
    with ServerThread(config) as server:
        lib = Library(ServerAddress("::1", server.port))
        try:
            v6 = irc.connection.Factory(ipv6=True)
            alice = lib.register("alice", connect_factory=v6)
            bob = lib.register("bob", connect_factory=v6)
            lib.join(alice)
            lib.join(bob)
            alice.privmsg(ROOM, "over IPv6")
            said = lib.expect(bob, "pubmsg")
            assert said.arguments == ["over IPv6"]
            host = irc.client.NickMask(said.source).host
            assert host and not host.startswith(":"), said.source

            # A host like "::1" sent as a middle parameter would read as a trailing one.
            bob.whois(["alice"])
            whois = lib.expect(bob, "whoisuser")
            assert whois.arguments[:3] == ["alice", "alice", host], whois.arguments
            assert len(whois.arguments) == 5, whois.arguments
            bob.who("alice")
            who = lib.expect(bob, "whoreply")  # channel user host server nick flags :hops real
            assert (who.arguments[2], who.arguments[4]) == (host, "alice"), who.arguments
            assert len(who.arguments) == 7, who.arguments
        finally:
            lib.close()
