"""Bad input and abuse: the server answers, throttles or disconnects, and never falls over."""

from __future__ import annotations

import dataclasses
import socket
import time

from tui_chat.irc.limits import MAX_CLIENT_TAGS_BYTES

from .ircclient import TestClient


def test_long_lines_get_417_and_client_stays(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.send("PRIVMSG bob :" + "x" * 600)
    alice.expect("417")
    tags = "@+big=" + "y" * MAX_CLIENT_TAGS_BYTES
    alice.send(tags + " PRIVMSG bob :small body")
    alice.expect("417")
    # just under the limits is accepted (and cut to fit once our prefix is added)
    body = "PRIVMSG bob :"
    alice.send(body + "z" * (510 - len(body)))
    relayed = bob.expect("PRIVMSG").params[-1]
    assert relayed == "z" * len(relayed) and len(bob.received[-1]) == 510
    alice.send("PRIVMSG bob :still connected")
    assert bob.expect("PRIVMSG").params[-1] == "still connected"


def test_8k_without_newline_disconnects_only_that_client(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#g")
    bob.join("#g")
    alice.send_raw(b"PRIVMSG #g :" + b"a" * 9000)
    error = alice.expect("ERROR")
    assert "too long" in error.params[-1].lower()
    alice.expect_closed()
    quit_msg = bob.expect("QUIT")
    assert quit_msg.source.startswith("alice!")
    bob.sync()


def test_invalid_utf8_gets_fail_and_client_stays(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.send_raw(b"PRIVMSG bob :caf\xe9 \xff\r\n")
    fail = alice.expect("FAIL")
    assert fail.params[:2] == ("PRIVMSG", "INVALID_UTF8")
    assert not [m for m in bob.sync() if m.command == "PRIVMSG"]
    alice.send("PRIVMSG bob :caf\u00e9 ok")
    assert bob.expect("PRIVMSG").params[-1] == "caf\u00e9 ok"


def test_bare_newlines_accepted(connect):
    c = connect()
    c.send_raw(b"NICK lf\nUSER lf 0 * :lf\n")
    c.expect("001")
    c.send_raw(b"PING :a\nPING :b\r\n\n\r\nPING :c\n")
    assert [c.expect("PONG").params[-1] for _ in range(3)] == ["a", "b", "c"]


def test_garbage_sender_is_closed_without_disturbing_others(connect):
    bob = connect("bob")
    bob.join("#calm")
    garbage = connect()
    junk = bytes(range(256)) * 40  # short lines of NULs, controls and invalid UTF-8
    garbage.send_raw(junk)
    assert any(line.startswith("ERROR") for line in garbage.expect_closed())
    registered = connect("registered")
    # A bare CR ends a command, paced like any other: without them each line of junk is one
    # malformed command, where with them every other one would be an (uncounted) unknown one.
    registered.send_raw(junk.replace(b"\r", b""))
    assert any(line.startswith("ERROR") for line in registered.expect_closed())
    bob.send("PRIVMSG #calm :fine")
    bob.sync()
    fresh = connect("fresh")
    fresh.join("#calm")
    assert bob.expect("JOIN").source.startswith("fresh!")


def test_random_garbage_lines_never_kill_the_server(make_server):
    import random

    server = make_server(flood_limit=False)
    rng = random.Random(1234)
    fuzz, bob = TestClient(server.port), TestClient(server.port)
    try:
        fuzz.register("fuzz")
        bob.register("bob")
        bob.join("#f")
        fuzz.join("#f")
        alphabet = "aZ09 :,#@!*+-=;\\\t\x01\x7f\u00e9\u202e\U0001f600"
        words = ["PRIVMSG", "MODE", "JOIN", "KICK", "WHO", "TOPIC", "INVITE", "@", ":", "#f", "0"]
        words += ["+o", "-b", "+k", "+l", "fuzz", "bob", "*", "CAP", "REQ", "WHOWAS", "LIST"]
        lines = []
        for _ in range(400):
            parts = [rng.choice(words) for _ in range(rng.randint(0, 7))]
            noise = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 20)))
            lines.append(" ".join([*parts, noise]))
        fuzz.send_raw("".join(line + "\r\n" for line in lines).encode())
        fuzz.sync(timeout=30)
        bob.send("PING :still")
        bob.expect("PONG")
    finally:
        fuzz.close()
        bob.close()


def test_flood_is_delayed_not_dropped_and_others_are_not(make_server):
    server = make_server(flood_burst=5, flood_rate=20.0)
    flooder, listener, other = (TestClient(server.port) for _ in range(3))
    try:
        for c, nick in ((flooder, "flooder"), (listener, "listener"), (other, "other")):
            c.register(nick)
            c.join("#fl")
        count = 40
        start = time.monotonic()
        flooder.send_raw(b"".join(b"PRIVMSG #fl :%d\r\n" % i for i in range(count)))
        # someone else is answered at once while the flood is being paced
        other.sync()
        assert time.monotonic() - start < 0.5
        got = [listener.expect("PRIVMSG").params[-1] for _ in range(count)]
        elapsed = time.monotonic() - start
        assert got == [str(i) for i in range(count)], "flood lost or reordered messages"
        # burst of ~5, then 20/s: 35 more take about 1.75 s
        assert elapsed >= 1.2, f"flood was not delayed ({elapsed:.2f}s)"
    finally:
        for c in (flooder, listener, other):
            c.close()


def test_flood_limit_off(make_server):
    server = make_server(flood_limit=False, flood_burst=1, flood_rate=0.5)
    a, b = TestClient(server.port), TestClient(server.port)
    try:
        a.register("a")
        b.register("b")
        start = time.monotonic()
        a.send_raw(b"".join(b"PRIVMSG b :%d\r\n" % i for i in range(50)))
        for _ in range(50):
            b.expect("PRIVMSG")
        assert time.monotonic() - start < 1.0
    finally:
        a.close()
        b.close()


def test_slow_reader_hits_sendq_and_nobody_else_notices(make_server):
    server = make_server(sendq_limit=64 * 1024, flood_limit=False)
    talker, reader = TestClient(server.port), TestClient(server.port)
    sleeper = socket.socket()
    try:
        talker.register("talker")
        reader.register("reader")
        talker.join("#q")
        reader.join("#q")
        sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sleeper.connect(("127.0.0.1", server.port))
        sleeper.sendall(b"NICK sleeper\r\nUSER s 0 * :s\r\nJOIN #q\r\n")
        talker.expect(lambda m: m.command == "JOIN" and m.source.startswith("sleeper!"))
        line = b"PRIVMSG #q :" + b"p" * 480 + b"\r\n"
        quit_msg = None
        deadline = time.monotonic() + 30
        # The kernel buffers several MB on loopback before our send queue even grows.
        while quit_msg is None and time.monotonic() < deadline:
            talker.send_raw(line * 50)
            for _ in range(50):
                msg = reader.expect(lambda m: m.command in ("PRIVMSG", "QUIT"))
                while msg.command == "QUIT":
                    quit_msg = msg
                    msg = reader.expect(lambda m: m.command in ("PRIVMSG", "QUIT"))
        assert quit_msg is not None, "the reader that never reads was never dropped"
        assert quit_msg.source.startswith("sleeper!")
        assert quit_msg.params == ("SendQ exceeded",)
        reader.sync()
    finally:
        sleeper.close()
        talker.close()
        reader.close()


def test_per_ip_limit(make_server):
    server = make_server(max_per_ip=3, exempt_loopback=False)
    clients = [TestClient(server.port) for _ in range(3)]
    extra = TestClient(server.port)
    try:
        error = extra.expect("ERROR")
        assert "Too many connections" in error.params[-1]
        extra.expect_closed()
        clients[0].register("first")
        clients[0].close()
        # a slot frees up once a connection goes away
        deadline = time.monotonic() + 5
        while True:
            again = TestClient(server.port)
            again.send("PING :probe")
            first = again.read_line()
            if first is None or not first.startswith("ERROR"):
                break
            again.close()
            assert time.monotonic() < deadline, "slot never freed"
        again.register("again")
        again.close()
    finally:
        for c in (*clients, extra):
            c.close()


def test_loopback_is_exempt_by_default(make_server):
    server = make_server(max_per_ip=2)
    clients = [TestClient(server.port) for _ in range(4)]
    try:
        for i, c in enumerate(clients):
            c.register(f"u{i}")
    finally:
        for c in clients:
            c.close()


def test_max_clients(make_server):
    server = make_server(max_clients=2)
    a, b, c = (TestClient(server.port) for _ in range(3))
    try:
        error = c.expect("ERROR")
        assert "full" in error.params[-1].lower()
        c.expect_closed()
        a.register("a")
        b.register("b")
    finally:
        for x in (a, b, c):
            x.close()


def test_handler_bug_is_answered_not_fatal(connect, monkeypatch):
    from tui_chat.server import registry

    def broken(srv, client, msg):
        raise RuntimeError("boom")

    spec = registry.lookup("TIME")
    assert spec is not None
    monkeypatch.setitem(registry.COMMANDS, "TIME", dataclasses.replace(spec, handler=broken))
    c = connect("c")
    c.send("TIME")
    reply = c.expect("400")
    assert reply.params[1] == "TIME"
    c.send("PING :alive")
    c.expect("PONG")


def _untagged_bytes(line: str) -> int:
    """Bytes of a received line without its tags, plus the CR LF it came with."""
    body = line.split(" ", 1)[1] if line.startswith("@") else line
    return len(body.encode()) + 2


def test_relayed_lines_are_cut_to_512_bytes_on_a_character_boundary(connect):
    alice = connect("alice", caps=("echo-message", "message-tags", "server-time"))
    bob, carol = connect("bob"), connect("carol")
    for c in (alice, bob, carol):
        c.join("#cut")
    head = "PRIVMSG #cut :"
    text = "xx" + "\u00e9" * ((510 - len(head) - 2) // 2)  # 2-byte characters up to 510 bytes
    assert len((head + text).encode()) == 510
    alice.send(head + text)
    got = bob.expect("PRIVMSG")
    raw = bob.received[-1]
    assert 511 <= _untagged_bytes(raw) <= 512  # one more 2-byte character would overshoot
    assert "\ufffd" not in raw
    assert text.startswith(got.params[-1]) and len(got.params[-1]) < len(text)
    echo = alice.expect("PRIVMSG")
    assert echo.params[-1] == got.params[-1]
    assert _untagged_bytes(alice.received[-1]) <= 512
    # the same for a private message and for lines the server builds (QUIT with a long reason)
    alice.send("PRIVMSG carol :" + "\u20ac" * 165)
    assert _untagged_bytes(carol.expect("PRIVMSG") and carol.received[-1]) <= 512
    alice.send("QUIT :" + "q" * 500)
    quit_msg = bob.expect("QUIT")
    assert _untagged_bytes(bob.received[-1]) == 512
    assert quit_msg.params[-1].startswith("Quit: qqq")


def test_occasional_bad_utf8_never_closes_but_a_burst_does(make_server):
    server = make_server(garbage_limit=20, garbage_window=0.5, flood_limit=False)
    steady, burst = TestClient(server.port), TestClient(server.port)
    try:
        steady.register("steady")
        burst.register("burst")
        # 60 bad lines over ~2 s: three times the limit in all, never 20 within 0.5 s.
        for _ in range(6):
            started = time.monotonic()
            steady.send_raw(b"PRIVMSG burst :\xff\r\n" * 10)
            for _ in range(10):
                steady.expect("FAIL")
            steady.sync()
            # the bucket must drain between bursts: this is the rate under test, not a sync
            time.sleep(max(0.0, 0.35 - (time.monotonic() - started)))
        steady.send("PRIVMSG burst :still here")
        assert burst.expect("PRIVMSG").params[-1] == "still here"
        burst.send_raw(b"PRIVMSG steady :\xff\r\n" * 21)
        errors = [line for line in burst.expect_closed() if line.startswith("ERROR")]
        assert errors and "malformed" in errors[0]
        steady.sync()
    finally:
        steady.close()
        burst.close()
