"""Faults over real loopback sockets: collisions, reconnects, silence, echo, splitting, garbage."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest

from tui_chat.client.events import (
    SERVER_BUFFER,
    ChatMessage,
    ConnectionState,
    Joined,
    Lag,
    MessageDelivered,
    MessageFailed,
    NickChanged,
    PendingMessage,
    Registered,
    ServerInfo,
)
from tui_chat.irc import parse

from .conftest import FakeConn, FakeServer, fast_settings, free_port, running_client

ALL_CAPS = "server-time message-tags echo-message multi-prefix away-notify batch cap-notify"


def test_nick_taken_during_registration_gets_suffix_and_is_reclaimed(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice_")  # answers 433 to "alice"
        change = sink.wait(NickChanged, is_self=True)
        assert (change.old, change.new) == ("alice", "alice_")
        assert "taken" in change.reason and "alice_" in change.reason
        assert sink.wait(Registered).nick == "alice_"
        conn.accept_join("alice_", "#lobby")
        sink.wait(Joined, is_self=True)
        # The holder leaves: the client asks for its preferred nick back at once.
        conn.send(":alice!x@y QUIT :gone")
        assert conn.expect("NICK").param(0) == "alice"
        conn.send(":alice_!u@h NICK :alice")
        sink.wait(NickChanged, old="alice_", new="alice", is_self=True)
        assert client.nick == "alice"
        # Someone mentioning the reclaimed nick is a mention again.
        conn.send(":bob!b@h PRIVMSG #lobby :alice: ping")
        assert sink.wait(ChatMessage, sender="bob").is_mention


def test_erroneous_nick_is_cleaned_then_suffixed(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port, nick="9al!ce")
    with running_client(settings) as (_client, sink):
        conn = fake_server.accept()
        conn.expect("CAP")
        conn.send(":irc.test 421 * CAP :Unknown command")
        assert conn.expect("NICK").param(0) == "9al!ce"
        conn.send(":irc.test 432 * 9al!ce :Erroneous nickname")
        assert conn.expect("NICK").param(0) == "alce"
        conn.send(":irc.test 433 * alce :Nickname is already in use")
        assert conn.expect("NICK").param(0) == "alce_"
        conn.send(":irc.test 001 alce_ :Welcome", ":irc.test 422 alce_ :No MOTD")
        assert sink.wait(Registered).nick == "alce_"


def test_set_nick_taken_after_registration_is_reported(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(Registered)
        client.set_nick("bob")
        assert conn.expect("NICK").param(0) == "bob"
        conn.send(":irc.test 433 alice bob :Nickname is already in use")
        info = sink.wait(ServerInfo, command="433")
        assert info.level == "error" and "bob" in info.text
        assert client.nick == "alice"


def test_reconnect_rejoins_with_keys_and_sends_queued_lines_in_order(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port)
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        conn.accept_join("alice", "#lobby")
        client.join("#secret", "hunter2")
        msg = conn.expect("JOIN")
        assert msg.params == ("#secret", "hunter2")
        conn.send(":alice!u@h JOIN #secret", ":irc.test 366 alice #secret :End")
        sink.wait(Joined, buffer="#secret", is_self=True)
        mark = sink.mark()

        conn.close()  # the server goes away
        gone = sink.wait(ConnectionState, phase="reconnecting", after=mark)
        assert gone.detail and gone.retry_in is not None
        ids = client.say("#lobby", "one") + client.say("#lobby", "two")
        ids += client.say("#secret", "three")
        for pid in ids:
            assert sink.wait(PendingMessage, pending_id=pid).queued

        conn2 = fake_server.accept()
        conn2.register("alice")
        lines = [conn2.readline() for _ in range(5)]
        commands = [parse(line) for line in lines if line]
        joins = [m.params for m in commands if m.command == "JOIN"]
        said = [m.params for m in commands if m.command == "PRIVMSG"]
        assert sorted(joins) == [("#lobby",), ("#secret", "hunter2")]
        # Nothing is sent before the rooms are rejoined, then everything in typing order.
        assert [m.command for m in commands][:2] == ["JOIN", "JOIN"]
        while len(said) < 3:
            m = conn2.expect("PRIVMSG")
            said.append(m.params)
        assert said == [("#lobby", "one"), ("#lobby", "two"), ("#secret", "three")]
        for pid in ids:
            sink.wait(MessageDelivered, pending_id=pid)
            assert not sink.wait(PendingMessage, pending_id=pid, queued=False).queued
        sink.wait(ConnectionState, phase="connected", after=mark)


def test_backoff_grows_and_is_capped_while_refused():
    port = free_port()  # nothing listens here
    settings = fast_settings("127.0.0.1", port, reconnect_min=0.02, reconnect_max=0.08)
    with running_client(settings) as (_client, sink):
        for _ in range(6):
            sink.wait(ConnectionState, phase="reconnecting", after=sink.mark())
        delays = [e.retry_in for e in sink.of(ConnectionState, phase="reconnecting")]
        assert "refused" in sink.of(ConnectionState, phase="reconnecting")[0].detail
        assert 0.02 <= delays[0] <= 0.025 + 1e-9
        assert delays[1] >= 0.04
        assert all(d <= 0.08 for d in delays)
        assert delays[-1] >= 0.08 * 0.999


def test_dns_failure_is_reported_and_retried():
    settings = fast_settings("no-such-host.invalid", 6667, connect_timeout=3.0)
    with running_client(settings) as (_client, sink):
        state = sink.wait(ConnectionState, phase="reconnecting")
        assert "DNS" in state.detail


def test_silent_server_is_detected_by_lag_pings(fake_server):
    settings = fast_settings(
        "127.0.0.1", fake_server.port, lag_interval=0.2, lag_timeout=0.6, rooms=()
    )
    with running_client(settings) as (_client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        ping = conn.expect("PING")
        assert ping.param(0).startswith("tui-chat-lag-")
        conn.send(f":irc.test PONG irc.test :{ping.param(0)}")
        lag = sink.wait(Lag)
        assert 0 <= lag.seconds < 1
        # From now on the server stays silent (but keeps the socket open).
        state = sink.wait(ConnectionState, phase="reconnecting")
        assert state.detail == "ping timeout"
        conn2 = fake_server.accept()
        conn2.register("alice")
        sink.wait(ConnectionState, phase="connected", after=sink.mark() - 1)


def test_echo_message_marks_delivery_and_uses_server_time(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps=ALL_CAPS)
        conn.accept_join("alice", "#lobby")
        reg = sink.wait(Registered)
        assert "echo-message" in reg.caps and "server-time" in reg.caps
        [p1] = client.say("#lobby", "same")
        [p2] = client.say("#lobby", "same")
        assert conn.expect("PRIVMSG").params == ("#lobby", "same")
        assert conn.expect("PRIVMSG").params == ("#lobby", "same")
        assert not sink.of(MessageDelivered)  # not until the echo
        conn.send("@time=2024-05-06T07:08:09.123Z;msgid=m1 :alice!u@h PRIVMSG #lobby :same")
        delivered = sink.wait(MessageDelivered, msgid="m1")
        assert delivered.pending_id == p1  # the oldest matching line
        echo = sink.wait(ChatMessage, msgid="m1")
        assert echo.is_self and echo.pending_id == p1
        assert (echo.time.year, echo.time.second, echo.time.microsecond) == (2024, 9, 123000)
        # A refused line is reported instead of hanging as pending forever.
        conn.send(":irc.test 404 alice #lobby :Cannot send to channel")
        failed = sink.wait(MessageFailed)
        assert failed.pending_id == p2 and failed.buffer == "#lobby"


def test_unechoed_lines_are_resent_after_reconnect(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port, rooms=())) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice", caps="echo-message")
        sink.wait(ConnectionState, phase="connected")
        [pid] = client.say("bob", "did you get this?")
        assert conn.expect("PRIVMSG").params == ("bob", "did you get this?")
        conn.close()  # gone before echoing it
        sink.wait(PendingMessage, pending_id=pid, queued=True)
        conn2 = fake_server.accept()
        conn2.register("alice", caps="echo-message")
        assert conn2.expect("PRIVMSG").params == ("bob", "did you get this?")
        conn2.send(":alice!u@h PRIVMSG bob :did you get this?")
        sink.wait(MessageDelivered, pending_id=pid)
        assert sink.wait(ChatMessage, pending_id=pid).buffer == "bob"


@pytest.mark.parametrize("kind", ["privmsg", "action", "notice"])
def test_long_text_is_split_on_utf8_boundaries_within_512_bytes(fake_server, kind):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        conn.accept_join("alice", "#lobby")  # tells the client its own source: alice!u@h
        sink.wait(Joined, is_self=True)
        text = ("é€😀x" * 400) + "\n\nsecond line"
        ids = client.say("#lobby", text, kind=kind)
        assert len(ids) >= 4
        command = "NOTICE" if kind == "notice" else "PRIVMSG"
        pieces = []
        for _ in ids:
            line = conn.expect(command)
            relayed = f":alice!u@h {line.to_line()}\r\n".encode()
            assert len(relayed) <= 512
            body = line.param(1)
            if kind == "action":
                assert body.startswith("\x01ACTION ") and body.endswith("\x01")
                body = body[8:-1]
            pieces.append(body)
        assert pieces[-1] == "second line"
        assert "".join(pieces[:-1]) == "é€😀x" * 400
        # The budget is used, not wasted: all but the last chunk are nearly full.
        full = f":alice!u@h {command} #lobby :".encode()
        assert len(full) + len(pieces[0].encode()) + 2 + (9 if kind == "action" else 0) > 500


def test_hostile_bytes_do_not_break_the_client(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        conn.accept_join("alice", "#lobby")
        sink.wait(Joined, is_self=True)
        conn.send_bytes(
            b"\xff\xfe\xfd\r\n"
            b"\r\n\n   \n"
            b"@only=tags\n"
            b":source-only\n"
            b"\x00\x00\x00\n"
            b":irc.test 404\n"
            b":irc.test 353 alice\n"
            b":irc.test 333 alice #lobby x 99999999999999999999999\n"
            b":x JOIN\n:x PRIVMSG\n:x NICK\n:x KICK\n:x MODE\n:x CAP\n:x CAP * LS\n"
            b":bob!b@h PRIVMSG #lobby :\x01\n"
            b":bob!b@h PRIVMSG #lobby :\x01ACTION\n"
            b":bob!b@h PRIVMSG #lobby :bad \xc3\x28 utf8 \x1b[31m\r\n"
            + b"A"
            * 30000
            + b" still the same line\n"
            b":bob!b@h PRIVMSG #lobby :still alive\n"
        )
        got = sink.wait(ChatMessage, text="still alive")
        assert got.sender == "bob"
        bad = sink.wait(ChatMessage, where=lambda e: e.text.startswith("bad"))
        assert "\ufffd" in bad.text
        [pid] = client.say("#lobby", "and I can still talk")
        assert conn.expect("PRIVMSG").param(1) == "and I can still talk"
        sink.wait(MessageDelivered, pending_id=pid)


def test_flood_is_batched(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port, batch_interval=0.03)) as (
        _client,
        sink,
    ):
        conn = fake_server.accept()
        conn.register("alice")
        conn.accept_join("alice", "#lobby")
        sink.wait(Joined, is_self=True)
        before = len(sink.batches)
        conn.send_bytes(b"".join(b":bob!b@h PRIVMSG #lobby :line %d\r\n" % i for i in range(3000)))
        sink.wait(ChatMessage, text="line 2999")
        assert len(sink.batches) - before < 60
        texts = [e.text for e in sink.of(ChatMessage, sender="bob")]
        assert texts == [f"line {i}" for i in range(3000)]


def test_ctcp_version_and_ping_are_answered(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port, rooms=())) as (_c, sink):
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(Registered)
        conn.send(":bob!b@h PRIVMSG alice :\x01VERSION\x01")
        reply = conn.expect("NOTICE")
        assert reply.param(0) == "bob" and reply.param(1).startswith("\x01VERSION tui-chat")
        # One reply per sender per window (see tui_chat.client.ctcp): carol asks the next one.
        conn.send(":carol!c@h PRIVMSG alice :\x01PING 12345\x01")
        assert conn.expect("NOTICE").params == ("carol", "\x01PING 12345\x01")
        conn.send(":bob!b@h PRIVMSG alice :\x01ACTION dances\x01")
        action = sink.wait(ChatMessage, sender="bob")
        assert action.kind == "action" and action.text == "dances" and action.buffer == "bob"


def test_ctcp_time_and_clientinfo_are_answered(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port, rooms=())) as (_c, sink):
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(Registered)
        conn.send(":dave!d@h PRIVMSG alice :\x01TIME\x01")
        reply = conn.expect("NOTICE")
        assert reply.param(0) == "dave"
        assert re.fullmatch(r"\x01TIME \w{3} \w{3} \d\d \d\d:\d\d:\d\d \d{4}\x01", reply.param(1))
        conn.send(":erin!e@h PRIVMSG alice :\x01CLIENTINFO\x01")
        assert conn.expect("NOTICE").params == (
            "erin",
            "\x01CLIENTINFO ACTION CLIENTINFO PING TIME VERSION\x01",
        )


def test_commands_and_raw_lines(fake_server):
    with running_client(fast_settings("127.0.0.1", fake_server.port, rooms=())) as (client, sink):
        with pytest.raises(ValueError):
            client.send_raw("PRIVMSG #a :x\r\nQUIT")
        with pytest.raises(ValueError):
            client.send_command("PRIVMSG", "#a b", "x")
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(Registered)
        client.send_command("TOPIC", "#lobby", "a new topic: with colon")
        assert conn.expect("TOPIC").params == ("#lobby", "a new topic: with colon")
        client.send_raw("WHOIS bob")
        assert conn.expect("WHOIS").params == ("bob",)
        conn.send(":irc.test 401 alice nobody :No such nick/channel")
        info = sink.wait(ServerInfo, command="401")
        assert info.buffer == SERVER_BUFFER and info.level == "error"


def test_stop_from_another_thread_sends_quit_and_ends_run(fake_server):
    sink_holder = {}
    with running_client(fast_settings("127.0.0.1", fake_server.port)) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(Registered)
        sink_holder["sink"] = sink
        started = time.monotonic()
        stopper = threading.Thread(target=client.stop, args=("see you",))
        stopper.start()
        stopper.join(2)
        quit_msg = conn.expect("QUIT")
        assert quit_msg.param(0) == "see you"
        sink.wait(ConnectionState, phase="disconnected")
        assert time.monotonic() - started < 1.0


def test_server_restart_on_same_port(fake_server):
    port = fake_server.port
    with running_client(fast_settings("127.0.0.1", port)) as (_client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(ConnectionState, phase="connected")
        fake_server.close()
        assert sink.wait(ConnectionState, phase="reconnecting").detail
        second = FakeServer(port)
        try:
            conn2 = second.accept()
            conn2.register("alice")
            conn2.accept_join("alice", "#lobby")
            sink.wait(Joined, is_self=True, after=sink.mark() - 1)
        finally:
            second.close()


def test_localhost_name_and_bracketed_ipv6_literal(fake_server):
    # "localhost" goes through the resolver thread (and may try ::1 before 127.0.0.1).
    with running_client(fast_settings("localhost", fake_server.port, rooms=())) as (_c, sink):
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(ConnectionState, phase="connected")
    try:
        listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        listener.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback")
    with listener:
        listener.listen(1)
        listener.settimeout(10)
        port = listener.getsockname()[1]
        with running_client(fast_settings("[::1]", port, rooms=())) as (_c, sink):
            sock, _ = listener.accept()
            conn = FakeConn(sock)
            try:
                conn.register("alice")
                sink.wait(ConnectionState, phase="connected")
            finally:
                conn.close()


def test_say_to_the_server_buffer_is_refused(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port)
    with running_client(settings) as (client, _sink), pytest.raises(ValueError):
        client.say(SERVER_BUFFER, "hello")


def test_quit_command_stops_the_client(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port, rooms=())
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice")
        sink.wait(Registered)
        client.send_raw("QUIT :off to bed")
        assert conn.expect("QUIT").param(0) == "off to bed"
        sink.wait(ConnectionState, phase="disconnected")
        assert not sink.of(ConnectionState, phase="reconnecting")


def test_preferred_nick_is_retried_periodically_and_quietly(fake_server):
    settings = fast_settings("127.0.0.1", fake_server.port, rooms=(), lag_interval=0.2)
    with running_client(settings) as (client, sink):
        conn = fake_server.accept()
        conn.register("alice_")
        for _ in range(2):
            assert conn.expect("NICK").param(0) == "alice"
            conn.send(":irc.test 433 alice_ alice :Nickname is already in use")
        assert conn.expect("NICK").param(0) == "alice"
        conn.send(":alice_!u@h NICK alice")
        sink.wait(NickChanged, new="alice", is_self=True)
        assert client.nick == "alice"
        assert not sink.of(ServerInfo, command="433")


def test_isupport_linelen_lets_longer_lines_through_unsplit(fake_server):
    """A server that says LINELEN=1024 takes a 900-byte message whole; without it, the same
    text is split to fit 512 bytes."""
    words = ["word"] * 180  # 900 bytes with the spaces
    for isupport, one_line in (("LINELEN=1024", True), ("", False)):
        settings = fast_settings("127.0.0.1", fake_server.port, rooms=())
        with running_client(settings) as (client, sink):
            conn = fake_server.accept()
            conn.register("alice", isupport=isupport)
            sink.wait(Registered)
            client.say("bob", " ".join(words))
            got: list[str] = []
            while sum(len(line.split()) for line in got) < len(
                words
            ):  # bounded by expect's timeout
                got.append(conn.expect("PRIVMSG").param(1))
            assert " ".join(got).split() == words
            assert (len(got) == 1) is one_line, [len(line) for line in got]


def test_an_empty_real_name_registers_with_the_default_one():
    """Strict servers (ours, Ergo) refuse USER with an empty real name with 461."""
    from tui_chat.server import ServerConfig, ServerThread

    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0)).start()
    try:
        settings = fast_settings("127.0.0.1", server.port, rooms=(), realname="")
        with running_client(settings) as (_c, sink):
            assert sink.wait(Registered).nick == "alice"
    finally:
        server.stop()
