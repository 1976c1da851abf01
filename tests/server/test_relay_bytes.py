"""The exact bytes every kind of receiver gets for a relayed channel line.

The relay path sends a pass's channel lines straight from the batch's shared buffers to the
members with nothing else queued (Output.materialize(send=True)) and queues the rest; these
tests pin what each capability group gets, with the line stored in history or not, and that a
receiver whose socket stops taking bytes still gets every line whole and in order.
"""

from __future__ import annotations

import re
import socket

import pytest

from .ircclient import TestClient

TAGS = re.compile(r"^@time=(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z);msgid=([^; ]+) (.*)$")


def _raw_privmsg(c: TestClient) -> str:
    """The raw text of the next PRIVMSG line ``c`` receives (tags included)."""
    c.expect("PRIVMSG")
    return c.received[-1]


@pytest.mark.parametrize("history", [True, False])
def test_each_capability_group_gets_its_own_exact_bytes(make_server, tmp_path, history):
    server = make_server(data_dir=tmp_path if history else None, flood_limit=False)

    def connect(nick: str, caps: tuple[str, ...] = ()) -> TestClient:
        return TestClient(server.port).register(nick, caps=caps)

    clients: list[TestClient] = []
    try:
        sender = connect(
            "alice", ("echo-message", "labeled-response", "batch", "server-time", "message-tags")
        )
        plain = connect("plain")
        timed = connect("timed", ("server-time",))
        tagged = connect("tagged", ("message-tags",))
        both = connect("both", ("server-time", "message-tags"))
        quiet = connect("quiet", ("server-time", "message-tags"))
        clients = [sender, plain, timed, tagged, both, quiet]
        for c in clients:
            c.join("#r")
        plain.sync()  # every JOIN relayed before the line

        sender.send("PRIVMSG #r :hello there")
        base = _raw_privmsg(plain)
        assert base == ":alice!alice@127.0.0.1 PRIVMSG #r :hello there"
        stamped = TAGS.match(_raw_privmsg(both))
        assert stamped is not None and stamped.group(3) == base
        stamp, msgid = stamped.group(1), stamped.group(2)
        assert _raw_privmsg(timed) == f"@time={stamp} {base}"
        assert _raw_privmsg(tagged) == f"@msgid={msgid} {base}"
        assert _raw_privmsg(quiet) == f"@time={stamp};msgid={msgid} {base}"
        # The sender's echo: the same line, same time and msgid (echo-message).
        assert _raw_privmsg(sender) == f"@time={stamp};msgid={msgid} {base}"
        # A stored line has the store's msgid ("<run>-<seq>"), an unstored one the server's
        # own ("<run>_<n>"): the two never meet.
        assert ("-" in msgid) is history and ("_" in msgid) is not history

        # labeled-response: the echo carries the label; nobody else sees it.
        sender.send("@label=L1 PRIVMSG #r :labeled")
        echo = _raw_privmsg(sender)
        assert re.fullmatch(
            r"@label=L1;time=[^; ]+;msgid=[^; ]+ :alice!alice@127\.0\.0\.1 PRIVMSG #r :labeled",
            echo,
        ), echo
        assert _raw_privmsg(plain) == ":alice!alice@127.0.0.1 PRIVMSG #r :labeled"
        other = TAGS.match(_raw_privmsg(both))
        assert other is not None and other.group(3) == ":alice!alice@127.0.0.1 PRIVMSG #r :labeled"

        # Without echo-message the sender gets nothing back: the next thing it sees is PONG.
        plain.send("PRIVMSG #r :from plain")
        assert _raw_privmsg(both).endswith(" :plain!plain@127.0.0.1 PRIVMSG #r :from plain")
        assert [m.command for m in plain.sync()] == []
    finally:
        for c in clients:
            c.close()


def test_a_receiver_that_stops_taking_bytes_gets_every_line_whole_and_in_order(make_server):
    """Sends cut short by a full socket leave the rest queued, ahead of later lines."""
    # A SendQ above what the test sends: the point is queuing, not cutting the reader off.
    server = make_server(flood_limit=False, sendq_limit=64 << 20)
    sender = TestClient(server.port).register("alice")
    slow = TestClient(server.port)
    fast = TestClient(server.port)
    try:
        # A small receive window, and nothing read until fast has every line: 5.4 MB is more
        # than the kernel holds for slow (4 MiB of send buffer at most), so the server's sends
        # to it are cut short and the rest waits in the server.
        slow.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
        slow.register("slow")
        fast.register("fast")
        for c in (sender, slow, fast):
            c.join("#r")
        slow.sync()
        fast.sync()
        count = 12000
        pad = "x" * 400
        for i in range(0, count, 50):
            # Chunks of 50 lines: many loop passes, each relaying a batch, while slow is full.
            sender.send_raw(
                b"".join(f"PRIVMSG #r :{n} {pad}\r\n".encode() for n in range(i, i + 50))
            )
        got_fast = [
            m.params[1]
            for m in fast.collect(lambda m: m.params[-1].startswith(f"{count - 1} "), 30)
        ]
        got_slow = [
            m.params[1]
            for m in slow.collect(lambda m: m.params[-1].startswith(f"{count - 1} "), 30)
        ]
        want = [f"{n} {pad}" for n in range(count)]
        assert [t for t in got_fast if t.endswith(pad)] == want
        assert [t for t in got_slow if t.endswith(pad)] == want
    finally:
        for c in (sender, slow, fast):
            c.close()


def test_a_line_split_across_reads_is_relayed_once_and_whole(connect):
    alice, bob = connect("alice"), connect("bob")
    alice.join("#r")
    bob.join("#r")
    bob.sync()
    # The first part is in the server's socket before bob's PING: read by the time the PONG
    # comes back (same pass or an earlier one), so the line arrives in two reads.
    alice.send_raw(b"PRIVMSG #r :hel")
    assert bob.sync() == []
    alice.send_raw(b"lo wor")
    assert bob.sync() == []
    alice.send_raw(b"ld\r")
    alice.send_raw(b"\nPRIVMSG #r :next\r\n")
    assert _raw_privmsg(bob) == ":alice!alice@127.0.0.1 PRIVMSG #r :hello world"
    assert _raw_privmsg(bob) == ":alice!alice@127.0.0.1 PRIVMSG #r :next"
    assert bob.sync() == []
