"""Hostile peers on the TLS port: silence, half a handshake, plaintext and garbage.

The handshake runs inside the selectors loop one non-blocking step at a time, so none of these
may delay anyone: another user's PING is answered within the liveness bound and a real TLS
client registers meanwhile. (A select-based Python server we measured froze for 8 s on a
client that opened a TLS connection and said nothing.)
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import threading
import time

import pytest

from tests.adversarial.server_helpers import assert_live, make_server  # noqa: F401
from tests.server.conftest import tls_context, tls_files  # noqa: F401
from tests.server.ircclient import TestClient

SILENT = 40  # TCP connections that never start the handshake
HALF = 20  # connections that send half a ClientHello and stop
REGISTRATION_TIMEOUT = 1.5


def client_hello() -> bytes:
    """The first flight of a real TLS client, made in memory."""
    context = ssl.create_default_context()
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="tui-chat")
    with contextlib.suppress(ssl.SSLWantReadError):
        tls.do_handshake()
    return outgoing.read()


def closed_within(sock: socket.socket, seconds: float) -> bool:
    """Whether the server closes ``sock`` within ``seconds`` (what it sends first is read)."""
    deadline = time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        sock.settimeout(remaining)
        try:
            if not sock.recv(65536):
                return True
        except (ConnectionResetError, BrokenPipeError):
            return True
        except TimeoutError:
            return False
    return False


@pytest.fixture
def hostile_tls_server(make_server, tls_files):  # noqa: F811
    cert, key = tls_files
    return make_server(
        tls_port=0, tls_cert=cert, tls_key=key, registration_timeout=REGISTRATION_TIMEOUT
    )


def test_silent_and_half_handshakes_delay_nobody_and_are_dropped(hostile_tls_server, tls_context):  # noqa: F811
    server = hostile_tls_server
    probe = TestClient(server.port)
    hostile: list[socket.socket] = []
    try:
        probe.register("probe")
        hello = client_hello()
        assert len(hello) > 20
        for _ in range(SILENT):
            hostile.append(socket.create_connection(("127.0.0.1", server.tls_port), timeout=5))
        for _ in range(HALF):
            s = socket.create_connection(("127.0.0.1", server.tls_port), timeout=5)
            s.sendall(hello[: len(hello) // 2])
            hostile.append(s)
        assert_live(probe, "with silent and half-finished TLS handshakes open")
        started = time.monotonic()
        secure = TestClient(server.tls_port, tls=tls_context)
        try:
            secure.register("secure")
            assert time.monotonic() - started < 2.0, "a TLS client waited behind the stalled ones"
        finally:
            secure.close()
        assert_live(probe)
        # Nobody registers on them: the registration timeout closes every one.
        for s in hostile:
            assert closed_within(s, REGISTRATION_TIMEOUT + 5), "a stalled handshake was kept"
        assert_live(probe)
    finally:
        probe.close()
        for s in hostile:
            s.close()


@pytest.mark.parametrize(
    "payload",
    [
        b"NICK plain\r\nUSER plain 0 * :plain\r\n",  # a plaintext IRC client on the TLS port
        b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
        os.urandom(4096),
        b"\x16\x03\x01\xff\xff" + b"\x00" * 64,  # a record header claiming a huge handshake
    ],
    ids=["plaintext-irc", "http", "random", "bogus-record"],
)
def test_garbage_on_the_tls_port_is_dropped_without_affecting_others(
    hostile_tls_server,
    tls_context,  # noqa: F811
    payload,
):
    server = hostile_tls_server
    probe = TestClient(server.port)
    secure = TestClient(server.tls_port, tls=tls_context)
    try:
        probe.register("probe")
        secure.register("secure")
        for _ in range(10):
            with socket.create_connection(("127.0.0.1", server.tls_port), timeout=5) as bad:
                with contextlib.suppress(OSError):
                    bad.sendall(payload)
                if payload.startswith(b"\x16\x03\x01\xff\xff"):
                    continue  # waits for the rest of its record: the timeout's job, above
                assert closed_within(bad, 5), "garbage on the TLS port was kept open"
        assert_live(probe, "after garbage on the TLS port")
        secure.send("PING :still-here")
        assert secure.expect("PONG").params[-1] == "still-here"
    finally:
        probe.close()
        secure.close()


def test_the_tls_port_is_still_tls_after_accepting_pauses(hostile_tls_server, tls_context):  # noqa: F811
    """Out of descriptors, the server stops watching its listeners for a while; when it watches
    them again, the TLS port must still hand its connections to the TLS handshake."""
    server = hostile_tls_server
    reactor = server._server  # the loop's own pause and resume, run in its thread
    done = threading.Event()

    def pause_and_resume() -> None:
        reactor._accept_paused = True
        for sock in reactor.listeners:
            reactor.selector.unregister(sock)
        reactor._resume_accept()
        done.set()

    reactor.call_soon_threadsafe(pause_and_resume)
    assert done.wait(5)
    secure = TestClient(server.tls_port, tls=tls_context)
    try:
        secure.register("after-pause")
    finally:
        secure.close()
