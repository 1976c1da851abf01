"""Shared pieces of the server adversarial tests: the real-server fixtures and a liveness probe."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path

from tests.server.conftest import connect, make_server, server
from tests.server.ircclient import TestClient

__all__ = ["assert_live", "connect", "make_server", "read_for", "server", "server_cpu_seconds"]

# The liveness bound: while an attack runs, another user's PING is answered this fast.
LIVENESS_SECONDS = 1.0


def assert_live(probe: TestClient, what: str = "") -> None:
    """``probe`` (a registered client) gets its PONG within the liveness bound.

    The elapsed time is checked as well as the wait's timeout: an in-process server stuck in C
    code (a regex) holds the GIL, so the test thread's own timeout fires only once it lets go.
    """
    started = time.monotonic()
    with contextlib.suppress(TimeoutError):
        probe.sync(timeout=LIVENESS_SECONDS)
    waited = time.monotonic() - started
    assert waited < LIVENESS_SECONDS, f"server stalled {waited:.1f}s {what}".rstrip()


def read_for(c: TestClient, seconds: float, limit: int = 100_000) -> list[str]:
    """Every line ``c`` receives during the next ``seconds`` (at most ``limit`` lines).

    For measuring a rate over a window: the wait is on the socket, never a sleep.
    """
    lines: list[str] = []
    deadline = time.monotonic() + seconds
    while len(lines) < limit:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            break
        try:
            line = c.read_line(timeout=remaining)
        except TimeoutError:
            break
        if line is None:
            break
        lines.append(line)
    return lines


def server_cpu_seconds(port: int) -> float:
    """CPU time (user + system) used so far by the in-process server thread serving ``port``.

    Read from /proc per thread, so the test's own threads are not counted; callers skip the
    test where /proc is missing.
    """
    name = f"tui-chat-server:{port}"
    thread = next(t for t in threading.enumerate() if t.name == name)
    stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
    fields = stat.rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
