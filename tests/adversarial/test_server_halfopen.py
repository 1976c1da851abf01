"""500 connections that never finish registering: the registration timeout closes them all.

Half send NICK and nothing more (holding a nick meanwhile), half send nothing at all. The
server is in this process, so its descriptors are counted in /proc/self/fd next to ours.
"""

from __future__ import annotations

import os
import selectors
import socket
import time
from pathlib import Path

import pytest

from tests.server.ircclient import TestClient

from .server_helpers import assert_live, make_server, read_for  # noqa: F401

HALF_OPEN = 500

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/fd").exists(), reason="counts descriptors in /proc/self/fd"
)


def descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def unknown_connections(c: TestClient) -> int:
    c.send("LUSERS")
    return int(c.expect("253").params[1])


def closing_lines(socks: list[socket.socket], probe: TestClient, timeout: float) -> list[bytes]:
    """What each socket received until the server closed it (waited for together, bounded)."""
    got = {s: b"" for s in socks}
    open_ = set(socks)
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        for s in socks:
            sel.register(s, selectors.EVENT_READ)
        while open_ and time.monotonic() < deadline:
            for key, _ in sel.select(0.2):
                s = key.fileobj
                assert isinstance(s, socket.socket)
                chunk = s.recv(4096)
                got[s] += chunk
                if not chunk:
                    open_.discard(s)
                    sel.unregister(s)
            assert_live(probe, f"with {len(open_)} half-open connections left")
    assert not open_, f"{len(open_)} half-open connections were never closed"
    return [got[s] for s in socks]


def test_half_open_registrations_are_all_timed_out(make_server):  # noqa: F811
    srv = make_server(registration_timeout=1.0, close_linger=0.5)
    bystander = TestClient(srv.port).register("bystander")
    socks: list[socket.socket] = []
    try:
        base = descriptors()
        assert unknown_connections(bystander) == 0
        for i in range(HALF_OPEN):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
            socks.append(s)
            if i % 2 == 0:
                s.sendall(b"NICK h%d\r\n" % i)
        for _ in range(100):  # bounded: each check is a round trip to the server
            if unknown_connections(bystander) == HALF_OPEN:
                break
        else:
            raise AssertionError("the half-open connections were never all accepted")
        assert_live(bystander, f"with {HALF_OPEN} half-open connections")
        squatter = TestClient(srv.port)
        socks.append(squatter.sock)
        squatter.send("NICK h0")
        assert squatter.expect("433").params[1] == "h0"  # held by a half-open connection

        # Every one is told why, then closed (~1 s after it connected).
        received = closing_lines(socks[:HALF_OPEN], bystander, timeout=8)
        assert all(b"ERROR :" in r and b"Registration timed out" in r for r in received)

        # The server's ends go after close_linger though ours stay open; then ours go too.
        for _ in range(40):
            if descriptors() <= base + len(socks) + 2:
                break
            read_for(bystander, 0.1)  # a measured wait: nothing is expected
        assert descriptors() <= base + len(socks) + 2, "the server kept its descriptors"
        for s in socks:
            s.close()
        socks.clear()
        assert unknown_connections(bystander) == 0
        assert descriptors() <= base + 2

        # The nicks they held are free, and anyone can register.
        late = TestClient(srv.port)
        socks.append(late.sock)
        late.register("h0")
        assert_live(late)
        assert_live(bystander)
    finally:
        for s in socks:
            s.close()
        bystander.close()
