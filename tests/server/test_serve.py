"""`tui-chat serve` as a real process, IPv6, and the embedding API (ServerThread)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading

import pytest

from tui_chat.server import ServerConfig, ServerThread

from .ircclient import TestClient


def _ipv6_loopback_works() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture
def serve_process(tmp_path):
    procs: list[subprocess.Popen] = []

    def start(*args: str) -> tuple[subprocess.Popen, int]:
        proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "tui_chat", "serve", "--port", "0", "--tls-port", "0"),
                *("--data-dir", str(tmp_path / "data"), *args),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        procs.append(proc)
        line = proc.stdout.readline()
        assert line.startswith("listening on "), line
        port = int(line.rsplit(":", 1)[1])
        return proc, port

    yield start
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        proc.stdout.close()


def test_serve_subprocess_sigterm_tells_clients(serve_process):
    proc, port = serve_process("--bind", "127.0.0.1", "--server-name", "proc.test")
    a, b = TestClient(port), TestClient(port)
    try:
        a.register("a")
        b.register("b")
        a.join("#lobby")
        b.join("#lobby")
        a.send("PRIVMSG #lobby :over a real process")
        assert b.expect("PRIVMSG").params[-1] == "over a real process"
        proc.send_signal(signal.SIGTERM)
        for c in (a, b):
            assert c.expect("ERROR").params == ("Server shutting down",)
            c.expect_closed()
        assert proc.wait(timeout=10) == 0
    finally:
        a.close()
        b.close()


def test_serve_sigint_and_all_interfaces(serve_process):
    proc, port = serve_process()  # default bind: all interfaces
    c = TestClient(port)
    try:
        c.register("v4")
        if _ipv6_loopback_works():
            c6 = TestClient(port, host="::1")
            c6.register("v6")
            c6.close()
        proc.send_signal(signal.SIGINT)
        assert c.expect("ERROR").params == ("Server shutting down",)
        assert proc.wait(timeout=10) == 0
    finally:
        c.close()


def test_serve_does_not_import_textual():
    code = (
        "import sys, tui_chat.cli, tui_chat.server;"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')];"
        "print(bad)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    assert out.stdout.strip() == "[]"


def test_serve_bind_failure_exits_nonzero():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = subprocess.run(
            [
                *(sys.executable, "-m", "tui_chat", "serve", "--bind", "127.0.0.1"),
                *("--port", str(port), "--no-tls"),
            ],
            capture_output=True,
            text=True,
            timeout=30,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
    assert proc.returncode != 0
    assert "cannot listen" in proc.stderr


@pytest.mark.skipif(not _ipv6_loopback_works(), reason="no IPv6 on this machine")
def test_ipv6_loopback(make_server):
    server = make_server(bind="::1")
    assert server.addresses[0][0] == "::1"
    a, b = TestClient(server.port, host="::1"), TestClient(server.port, host="::1")
    try:
        a.register("six")
        welcome_host = a.received[-1]
        assert welcome_host
        b.register("seven")
        a.send("PRIVMSG seven :over v6")
        msg = b.expect("PRIVMSG")
        assert msg.params[-1] == "over v6"
        assert msg.source == "six!six@0::1"  # a host never starts with ':'
        b.send("WHO six")
        who = b.expect("352")
        assert who.params[3] == "0::1"
    finally:
        a.close()
        b.close()


def test_server_thread_api():
    before = threading.active_count()
    server = ServerThread(ServerConfig(bind="127.0.0.1", port=0))
    server.start()
    try:
        assert server.port > 0
        assert server.addresses == [("127.0.0.1", server.port)]
        c = TestClient(server.port)
        c.register("embedded")
        with pytest.raises(OSError):
            ServerThread(ServerConfig(bind="127.0.0.1", port=server.port)).start()
    finally:
        server.stop("Host quit")
    assert c.expect("ERROR").params == ("Host quit",)
    c.close()
    assert not server.running
    server.stop()  # idempotent
    assert threading.active_count() == before
