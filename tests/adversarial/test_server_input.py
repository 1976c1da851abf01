"""Input framing under a hostile sender: a byte per packet, a deep queue of held lines, bare CRs.

Each attack runs over loopback against the real server while another user's PING is answered
within the liveness bound. The CPU figures are the server thread's own (from /proc).
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, make_server, read_for, server_cpu_seconds  # noqa: F401

needs_proc = pytest.mark.skipif(
    not Path("/proc/self/task").exists(), reason="reads the server thread's CPU time from /proc"
)


@needs_proc
def test_one_byte_per_packet(make_server):  # noqa: F811
    srv = make_server()
    clients: list[TestClient] = []
    try:
        sender, listener, probe = (TestClient(srv.port) for _ in range(3))
        clients += [sender, listener, probe]
        sender.register("dribble")
        listener.register("listener")
        probe.register("probe")
        sender.join("#bytes")
        listener.join("#bytes")
        # 8 lines, ~2,000 bytes, with each kind of terminator the server accepts.
        texts = [f"line {i} " + "abc\u00e9" * 60 for i in range(8)]
        ends = [b"\r\n", b"\n"]
        data = b"".join(f"PRIVMSG #bytes :{t}".encode() + ends[i % 2] for i, t in enumerate(texts))
        assert len(data) >= 2000
        sender.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        cpu0 = server_cpu_seconds(srv.port)
        for i in range(len(data)):
            sender.sock.send(data[i : i + 1])
            if i % 500 == 499:
                assert_live(probe, f"after {i + 1} one-byte packets")
        got = [listener.expect("PRIVMSG").params[-1] for _ in texts]
        cpu = server_cpu_seconds(srv.port) - cpu0
        assert got == texts, "a line sent a byte at a time was mangled"
        assert_live(probe)
        # Each byte costs a wake-up, a recv() and a scan of that byte only: tens of
        # microseconds. Re-scanning the buffered line per byte would add its length each time.
        assert cpu < 0.5, f"the server burnt {cpu:.2f}s of CPU on {len(data)} bytes"
    finally:
        for c in clients:
            c.close()


@needs_proc
def test_a_deep_queue_of_held_lines_costs_the_same_per_line(make_server):  # noqa: F811
    """60,000 lines sent at once are run at the flood rate; each one run must not re-split
    (or copy) all that is still queued, or one 60 KB send keeps the server busy for hours."""
    srv = make_server(flood_burst=1, flood_rate=500.0)
    flooder = TestClient(srv.port).register("flooder")
    probe = TestClient(srv.port).register("probe")
    try:
        flooder.send_raw(b"\n" * 60_000)  # empty lines: no output, only the queue under test
        cpu0, wall0 = server_cpu_seconds(srv.port), time.monotonic()
        for _ in range(8):
            assert_live(probe, "while a deep input queue drains")
            read_for(flooder, 0.2)  # a measuring window: nothing is expected
        cpu = server_cpu_seconds(srv.port) - cpu0
        wall = time.monotonic() - wall0
        assert cpu < 0.3 * wall, f"draining the queue took {cpu:.2f}s of CPU in {wall:.2f}s"
    finally:
        flooder.close()
        probe.close()


def test_commands_split_by_bare_cr_each_cost_a_token(make_server):  # noqa: F811
    """A bare CR ends a command as a newline does, so it is one command of the flood budget:
    one newline-terminated line of 60 CR-separated PINGs is paced like 60 lines."""
    srv = make_server(flood_burst=5, flood_rate=50.0)
    pinger = TestClient(srv.port).register("pinger")
    probe = TestClient(srv.port).register("probe")
    try:
        count = 60
        started = time.monotonic()
        pinger.send_raw(b"\r".join(b"PING :p%d" % i for i in range(count)) + b"\r\n")
        assert_live(probe, "while CR-separated commands are paced")
        tokens = [pinger.expect("PONG", timeout=10).params[-1] for _ in range(count)]
        elapsed = time.monotonic() - started
        assert tokens == [f"p{i}" for i in range(count)]
        # A burst of 5, then 50 a second: the other 55 take ~1.1 s.
        assert elapsed >= 0.8, f"60 CR-separated commands ran in {elapsed:.2f}s: unthrottled"
    finally:
        pinger.close()
        probe.close()
