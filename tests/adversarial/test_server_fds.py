"""Running out of file descriptors neither spins the loop nor floods the log.

The server runs in a subprocess whose RLIMIT_NOFILE is lowered, so this test process keeps its
own limit. "early": the limit is low from the start, so the server caps its clients below it;
"late": the limit drops after the server sized itself, so accept() really fails with EMFILE.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from tests.server.ircclient import TestClient

from .server_helpers import assert_live

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads the server's CPU time from /proc"
)

LIMIT = 64
IDLE = 100  # more idle connections than the server has descriptors

CHILD = """
import logging, resource, signal, sys
from tui_chat.server.config import ServerConfig
from tui_chat.server.server import Server

mode, limit = sys.argv[1], int(sys.argv[2])
_, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
if mode == "early":
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)
server = Server(ServerConfig(bind="127.0.0.1", port=0, registration_timeout=120))
server.bind()
if mode == "late":
    resource.setrlimit(resource.RLIMIT_NOFILE, (limit, hard))
signal.signal(signal.SIGTERM, lambda *_: server.call_soon_threadsafe(server.shutdown))
print(server.port, flush=True)
server.run()
"""


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.mark.parametrize("mode", ["early", "late"])
def test_descriptor_exhaustion(mode: str) -> None:
    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryFile() as log:
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, mode, str(LIMIT)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        idle: list[socket.socket] = []
        try:
            assert child.stdout is not None
            port = int(child.stdout.readline())
            probe = TestClient(port).register("probe")
            for _ in range(IDLE):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            # Wait (bounded) for the polite refusal the last connections should get.
            refused = False
            deadline = time.monotonic() + 3
            for s in idle[-10:]:
                s.settimeout(max(0.1, deadline - time.monotonic()))
                with contextlib.suppress(OSError):
                    refused = refused or s.recv(100).startswith(b"ERROR")
            # About a second of exhaustion: the probe is told nothing unasked, and its PINGs
            # are answered within the liveness bound all along.
            cpu0, wall0 = cpu_seconds(child.pid), time.monotonic()
            for _ in range(10):
                with pytest.raises(TimeoutError):
                    probe.read_line(timeout=0.1)
                assert_live(probe, "while out of descriptors")
            cpu = cpu_seconds(child.pid) - cpu0
            wall = time.monotonic() - wall0
            assert cpu < 0.5 * wall, f"server burnt {cpu:.2f}s CPU in {wall:.2f}s"
            assert refused, "connections past the limit were not told 'ERROR'"
            for s in idle:
                s.close()
            idle.clear()
            late = TestClient(port).register("late")  # accepted again
            assert_live(late)
            late.close()
            probe.close()
        finally:
            for s in idle:
                s.close()
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=10)
            child.stdout.close()
        size = log.seek(0, os.SEEK_END)
        log.seek(0)
        text = log.read().decode(errors="replace")
    # Bounded: debug lines per connection, a warning or two, never one per failed accept().
    assert size < 64 * 1024, text[-2000:]
    assert text.count("out of file descriptors") <= 2, text[-2000:]
