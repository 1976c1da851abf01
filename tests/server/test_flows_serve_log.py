"""`tui-chat serve` logs connections at INFO (connect, register, quit, with the address), and
a connection storm writes a bounded number of lines."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys

from .ircclient import TestClient


def _serve() -> tuple[subprocess.Popen, int]:
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tui_chat",
            "serve",
            "--port",
            "0",
            "--bind",
            "127.0.0.1",
            "--no-history",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    return proc, int(line.rsplit(":", 1)[1])


def _stop(proc: subprocess.Popen) -> str:
    proc.send_signal(signal.SIGTERM)
    try:
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=5)
    return err


def test_connect_register_and_quit_are_logged_with_the_address():
    proc, port = _serve()
    try:
        a = TestClient(port)
        a.register("alice")
        a.send("QUIT :off to lunch")
        a.expect_closed()
        a.close()
    finally:
        err = _stop(proc)
    assert "INFO connection from 127.0.0.1" in err, err
    assert "INFO 127.0.0.1 registered as alice!" in err, err
    assert "(127.0.0.1) quit: " in err and "off to lunch" in err, err


def test_a_connection_storm_logs_a_bounded_number_of_lines():
    from tui_chat.server.connlog import BURST

    proc, port = _serve()
    storm = 3 * BURST
    try:
        for _ in range(storm):
            with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
                sock.sendall(b"QUIT\r\n")
                while sock.recv(4096):  # until the server closes it: ERROR, then EOF
                    pass
        last = TestClient(port)
        last.register("zed")
        last.close()
    finally:
        err = _stop(proc)
    connection_lines = [line for line in err.splitlines() if "connection from" in line]
    assert len(connection_lines) <= BURST, len(connection_lines)
    assert "connection events not logged" in err, err
